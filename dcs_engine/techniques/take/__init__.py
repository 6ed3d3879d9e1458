"""take: the "DCS prompt" -- show the first N rows and the schema.

The talk's first move at scale: you cannot print a terabyte, but you can
``take(10)`` of it and look.  Optionally filtered and projected first.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.inputs.sources import load
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import SOURCE


@dataclass(frozen=True)
class TakeResult(Reportable):
    source: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple, ...]
    schema_tree: str
    n: int
    elapsed_s: float
    outcome: str

    @property
    def headline(self) -> str:
        if not self.rows:
            return f"No rows from {self.source}."
        return f"First {len(self.rows)} row(s) of {self.source} ({len(self.columns)} columns)."

    def to_markdown(self) -> str:
        head = [f"{c} ({t})" for c, t in zip(self.columns, self.types)]
        body = md_table(head, self.rows) if self.rows else "_no rows_"
        return f"{self.headline}\n\n{body}\n\nSchema:\n\n```\n{self.schema_tree}\n```"


def take(df, n: int = 10, source: str = "DataFrame") -> TakeResult:
    """Take the first ``n`` rows of ``df`` and describe its schema."""
    start = time.perf_counter()
    rows = df.take(n)
    elapsed = time.perf_counter() - start
    schema = df.schema
    return TakeResult(
        source=source,
        columns=tuple(f.name for f in schema.fields),
        types=tuple(f.dataType.simpleString() for f in schema.fields),
        rows=tuple(tuple(r) for r in rows),
        schema_tree=schema.treeString().rstrip(),
        n=n,
        elapsed_s=elapsed,
        outcome="rows" if rows else "empty",
    )


def run(ctx, params) -> TakeResult:
    spark = ctx.spark
    spec = params.source
    return take(load(spark, spec), params.n, spec.describe())


TECHNIQUE = Technique(
    id="take",
    title="Take a few rows (the DCS prompt)",
    summary="Display the program state: the first N rows and the schema of the data your job reads, "
            "optionally filtered by a where clause. Look at every column: does each value look the way "
            "your code assumes?",
    snippet=(
        "df = spark.read.parquet('s3://bucket/table/')   # or spark.table('name')\n"
        "df.printSchema()\n"
        "for row in df.where(\"submission_date > '20170519'\").take(10):\n"
        "    print(row)\n"
    ),
    params=(SOURCE, Param("n", "int", default=10, min=1, max=10_000, label="Rows to take", driver_rows=True)),
    outcomes=("rows", "empty"),
    run=run,
)
