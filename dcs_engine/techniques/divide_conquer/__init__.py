"""divide_conquer: can the work be split?  Check the combining function.

Only an associative combine ``f(f(a, b), c) == f(a, f(b, c))`` lets Spark merge
partial results in any grouping (reduceByKey, treeAggregate); commutativity
lets it merge them in any order.  Both are checked on seeded random triples of
the user's own column values; counterexamples are reported.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import ParameterError, UserCodeError
from dcs_engine.inputs.demo.jobs import MEAN_OF_TWO
from dcs_engine.inputs.sources import load
from dcs_engine.inputs.userjob import load_job
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import user_function


@dataclass(frozen=True)
class Counterexample:
    law: str          # "associative" or "commutative"
    values: tuple
    left: object
    right: object


@dataclass(frozen=True)
class DivideResult(Reportable):
    source: str
    column: str
    function: str
    values_used: int
    trials: int
    assoc_failures: int
    comm_failures: int
    checked_commutative: bool
    counterexamples: tuple[Counterexample, ...]
    rel_tol: float
    outcome: str

    @property
    def headline(self) -> str:
        if self.outcome == "associative":
            comm = ""
            if self.checked_commutative:
                comm = " and commutative" if not self.comm_failures else f", but not commutative ({self.comm_failures} failures)"
            return (f"'{self.function}' is associative{comm} on {self.trials} random triples of {self.column}: "
                    "the work can be split and merged.")
        return (f"'{self.function}' is not associative: {self.assoc_failures} of {self.trials} random triples of "
                f"{self.column} give different results when grouped differently.")

    def to_markdown(self) -> str:
        parts = [self.headline, "",
                 f"{self.values_used:,} distinct values sampled from {self.source}; floats compared with relative "
                 f"tolerance {self.rel_tol:g}."]
        if self.counterexamples:
            parts += ["", md_table(("law", "values", "one way", "other way"),
                                   [(c.law, ", ".join(map(repr, c.values)), repr(c.left), repr(c.right))
                                    for c in self.counterexamples])]
        return "\n".join(parts)


def _same(x, y, rel_tol: float) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        try:
            return math.isclose(float(x), float(y), rel_tol=rel_tol, abs_tol=rel_tol)
        except (TypeError, ValueError):
            return False
    return x == y


def check_laws(combine, values, trials: int = 200, seed: int = 7, rel_tol: float = 1e-9,
               commutative: bool = True, name: str = "combine", keep: int = 5):
    """(associativity failures, commutativity failures, counterexamples)."""
    rng = random.Random(seed)
    assoc = comm = 0
    examples: list[Counterexample] = []

    def call(a, b):
        try:
            return combine(a, b)
        except Exception as exc:
            raise UserCodeError(f"your function '{name}'", expected="a combine(a, b) that accepts two of your values",
                                found=f"{exc.__class__.__name__}: {exc} on ({a!r}, {b!r})",
                                fix="handle every value the column holds (None included)") from exc

    for _ in range(trials):
        a, b, c = (rng.choice(values) for _ in range(3))
        left, right = call(call(a, b), c), call(a, call(b, c))
        if not _same(left, right, rel_tol):
            assoc += 1
            if len(examples) < keep:
                examples.append(Counterexample("associative", (a, b, c), left, right))
        if commutative:
            ab, ba = call(a, b), call(b, a)
            if not _same(ab, ba, rel_tol):
                comm += 1
                if sum(e.law == "commutative" for e in examples) < keep:
                    examples.append(Counterexample("commutative", (a, b), ab, ba))
    return assoc, comm, tuple(examples)


def run(ctx, params) -> DivideResult:
    from pyspark.sql import functions as F

    spark = ctx.spark
    spec = params.source
    df = load(spark, spec)
    col = params.column.strip()
    if col not in df.columns:
        raise ParameterError(f"column {col!r}", expected="one of " + ", ".join(df.columns), found=repr(col),
                             fix="name the column whose values your function combines")
    user = load_job(params)
    rows = (df.select(col).where(F.col(col).isNotNull()).distinct()
              .orderBy(F.rand(params.seed)).limit(params.values).collect())
    values = sorted((r[0] for r in rows), key=repr)
    if len(values) < 2:
        raise ParameterError(f"column {col!r}", expected="at least 2 distinct non-null values",
                             found=f"{len(values)}", fix="pick a column with varied values or widen the source")
    assoc, comm, examples = check_laws(user.func, values, params.trials, params.seed, params.rel_tol,
                                       params.commutative, user.name)
    return DivideResult(spec.describe(), col, user.name, len(values), params.trials, assoc, comm,
                        params.commutative, examples, params.rel_tol,
                        "associative" if assoc == 0 else "not_associative")


TECHNIQUE = Technique(
    id="divide_conquer",
    title="Divide and conquer (check associativity)",
    summary=("Only an associative (and commutative) combining function lets the work be split: data/2 then costs "
             "delay/4 for a quadratic step. Checked on random triples of your own values, with counterexamples."),
    snippet="import random\nvals = [r[0] for r in df.select('value').take(1000)]\nfor _ in range(200):\n    a, b, c = random.sample(vals, 3)\n    assert combine(combine(a, b), c) == combine(a, combine(b, c))\n    assert combine(a, b) == combine(b, a)\n",
    params=(
        Param("source", "source", default={"kind": "demo", "demo": "hotkey", "rows": 5_000, "seed": 42},
              label="Data source"),
        Param("column", "str", default="value", label="Column whose values are combined"),
        *user_function(MEAN_OF_TWO, "Your combining function", code_help="def combine(a, b): merge two partial results into one."),
        Param("values", "int", default=1000, min=2, max=100_000, label="Values to sample", driver_rows=True),
        Param("trials", "int", default=200, min=1, max=100_000, label="Random triples"),
        Param("commutative", "bool", default=True, label="Also check commutativity"),
        Param("rel_tol", "float", default=1e-9, min=0, label="Float tolerance (relative)"),
        Param("seed", "int", default=7, label="Seed"),
    ),
    outcomes=("associative", "not_associative"),
    run=run,
)
