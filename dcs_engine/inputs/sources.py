"""Data sources: where a technique's DataFrame comes from.

A :class:`SourceSpec` is plain data (it goes into forms, URLs, runbooks and
reports); :func:`load` turns it into a DataFrame, with the optional ``where``
clause and column list applied, and turns Spark's analysis errors into
:class:`SourceError` messages that name the input and the fix.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from dcs_engine.errors import SourceError

FORMATS = ("parquet", "json", "jsonl", "csv", "orc", "text")
KINDS = ("demo", "path", "table")


@dataclass(frozen=True, eq=False)
class FrameSource:
    """A DataFrame handed over directly (a notebook, a test): the user's own session and data.

    Only code makes one (``dcs.profile(df)``); forms, runbooks and URLs carry a :class:`SourceSpec`."""

    frame: object
    label: str = "your DataFrame"
    kind = "frame"
    where: str = ""
    columns: tuple[str, ...] = ()
    format: str = ""
    path: str = ""

    def describe(self) -> str:
        return self.label

    def to_dict(self) -> dict:
        return {"kind": "frame", "label": self.label}

    def validate(self) -> None:
        pass


@dataclass(frozen=True)
class SourceSpec:
    kind: str = "demo"
    demo: str = "telemetry"
    rows: int = 10_000
    seed: int = 42
    path: str = ""
    format: str = "parquet"
    table: str = ""
    where: str = ""
    columns: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: dict | None) -> SourceSpec:
        d = dict(d or {})
        cols = d.get("columns") or ()
        if isinstance(cols, str):
            cols = tuple(c.strip() for c in cols.split(",") if c.strip())
        d["columns"] = tuple(cols)
        known = {f for f in cls.__dataclass_fields__}
        bad = sorted(set(d) - known)
        if bad:
            raise SourceError(f"data source key {bad[0]!r}", expected="one of " + ", ".join(sorted(known)),
                              found=repr(bad[0]), fix="remove or correct the key",
                              condition="SOURCE_INVALID", params={"field": bad[0], "known": sorted(known)})
        for k in ("rows", "seed"):
            if k in d:
                try:
                    d[k] = int(d[k])
                except (TypeError, ValueError):
                    raise SourceError(f"data source '{k}'", expected="a whole number", found=repr(d[k]),
                                      fix=f"enter a whole number for {k}", condition="SOURCE_INVALID",
                                      params={"field": k, "found": d[k]}) from None
        spec = cls(**d)
        spec.validate()
        return spec

    def to_dict(self) -> dict:
        return {"kind": self.kind, "demo": self.demo, "rows": self.rows, "seed": self.seed,
                "path": self.path, "format": self.format, "table": self.table,
                "where": self.where, "columns": list(self.columns)}

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise SourceError("data source kind", expected="one of " + ", ".join(KINDS), found=repr(self.kind),
                              fix="choose demo, path or table", condition="SOURCE_INVALID",
                              params={"field": "kind", "found": self.kind, "choices": list(KINDS)})
        if self.kind == "path":
            if not self.path.strip():
                raise SourceError("data source path", expected="a file or directory path", found="nothing",
                                  fix="type the path of your data", condition="SOURCE_INVALID",
                                  params={"field": "path", "found": self.path})
            if self.format not in FORMATS:
                raise SourceError("data source format", expected="one of " + ", ".join(FORMATS),
                                  found=repr(self.format), fix="pick the format your files are in",
                                  condition="SOURCE_INVALID",
                                  params={"field": "format", "found": self.format, "choices": list(FORMATS)})
        if self.kind == "table" and not self.table.strip():
            raise SourceError("data source table", expected="a table name", found="nothing",
                              fix="type a table name known to the Spark catalog", condition="SOURCE_INVALID",
                              params={"field": "table", "found": self.table})
        if self.kind == "demo" and self.rows < 0:
            raise SourceError("demo dataset size", expected="0 rows or more", found=str(self.rows),
                              fix="ask for a positive number of rows", condition="SOURCE_INVALID",
                              params={"field": "rows", "found": self.rows})

    def describe(self) -> str:
        if self.kind == "demo":
            base = f"demo dataset '{self.demo}' ({self.rows:,} rows, seed {self.seed})"
        elif self.kind == "path":
            base = f"{self.format} at {self.path}"
        else:
            base = f"table {self.table}"
        if self.where:
            base += f" where {self.where}"
        if self.columns:
            base += f" columns {', '.join(self.columns)}"
        return base


def _is_local_path(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def guard(spark, spec: SourceSpec) -> None:
    """Refuse what reaches beyond the data: a path outside the configured roots, a table name that reads a
    path, a where clause with functions that reach the JVM or the file system (before Spark sees any of it)."""
    from dcs_engine.inputs import roots, sqlguard

    if spec.kind == "path":
        roots.check_path(spec.path.strip())
    elif spec.kind == "table":
        sqlguard.check_table_name(spec.table.strip())
    if spec.where.strip():
        sqlguard.check_expression(spark, spec.where, "where clause")


def read_base(spark, spec: SourceSpec | FrameSource):
    """The source's DataFrame, before ``where`` and ``columns``."""
    if isinstance(spec, FrameSource):
        return spec.frame
    spec.validate()
    guard(spark, spec)
    from dcs_engine.triage import innermost_message

    if spec.kind == "demo":
        from dcs_engine.inputs.demo import build

        return build(spark, spec.demo, spec.rows, spec.seed)
    if spec.kind == "table":
        try:
            return spark.table(spec.table)
        except Exception as exc:
            raise SourceError(f"table {spec.table!r}", expected="a table in the Spark catalog",
                              found=innermost_message(exc),
                              fix="check the name with SHOW TABLES, or read the files by path",
                              condition="SOURCE_NOT_FOUND", params={"table": spec.table}) from None
    path = spec.path.strip()
    local = path[len("file://"):] if path.startswith("file://") else path
    if _is_local_path(path) and not any(ch in local for ch in "*?[") and not os.path.exists(local):
        raise SourceError(f"path {path!r}", expected="an existing file or directory", found="nothing there",
                          fix="check the path (it is read by the Spark driver and executors)",
                          condition="SOURCE_NOT_FOUND", params={"path": path})
    reader = spark.read
    fmt = spec.format
    try:
        if fmt in ("json", "jsonl"):
            df = reader.json(path)
        elif fmt == "csv":
            df = reader.option("header", "true").option("inferSchema", "true").csv(path)
        else:
            df = reader.format(fmt).load(path)
    except Exception as exc:
        raise SourceError(f"reading {path!r} as {fmt}", expected=f"{fmt} data", found=innermost_message(exc),
                          fix="pick the format the files are really in", condition="SOURCE_UNREADABLE",
                          params={"path": path, "format": fmt}) from None
    return df


def load(spark, spec: SourceSpec, base=None):
    """The source's DataFrame with ``where`` and ``columns`` applied (lazily).

    ``base``: the source already read by :func:`read_base` (saves reading it again)."""
    from dcs_engine.triage import innermost_message

    df = read_base(spark, spec) if base is None else base
    if spec.where.strip():
        try:
            filtered = df.where(spec.where)
            _ = filtered.schema  # force analysis so a bad clause fails here, with its name
        except Exception as exc:
            raise SourceError(f"where clause {spec.where!r}", expected="a SQL condition on the source's columns",
                              found=innermost_message(exc),
                              fix="columns are: " + ", ".join(df.columns), condition="SOURCE_BAD_FILTER",
                              params={"where": spec.where, "available": list(df.columns)}) from None
        df = filtered
    if spec.columns:
        missing = [c for c in spec.columns if c not in df.columns]
        if missing:
            raise SourceError(f"column {missing[0]!r}", expected="one of " + ", ".join(df.columns),
                              found=repr(missing[0]), fix="pick columns that exist in the source",
                              condition="COLUMN_NOT_FOUND",
                              params={"param": "columns", "column": missing[0], "available": list(df.columns)})
        df = df.select(*spec.columns)
    return df


# -- the data under investigation (issue 14): its schema, before any technique runs -----------

@dataclass(frozen=True)
class SourceSchema:
    """A source's columns and their Spark types (``simpleString``), after ``where`` and ``columns``."""

    columns: tuple[str, ...]
    types: tuple[str, ...]

    def type_of(self, column: str) -> str | None:
        return dict(zip(self.columns, self.types)).get(column)

    def summary(self, limit: int = 12) -> str:
        pairs = [f"{c} ({t})" for c, t in zip(self.columns, self.types)]
        more = f", … {len(pairs) - limit} more" if len(pairs) > limit else ""
        return f"{len(pairs)} column(s): " + ", ".join(pairs[:limit]) + more


def describe(spark, spec: SourceSpec | FrameSource) -> SourceSchema:
    """The schema of ``spec`` (analysis only: no job, except where the format infers its schema)."""
    fields = load(spark, spec).schema.fields
    return SourceSchema(tuple(f.name for f in fields), tuple(f.dataType.simpleString() for f in fields))
