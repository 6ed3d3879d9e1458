"""Fractions of a source, cheap where the source allows it.

* ``files``: a path source made of several files is cut into nested subsets of
  whole files (chosen in a seeded random order, so the 10% files are inside the
  20% files).  A small step reads only its files.  Bias: rows come in whole
  files, so anything that is laid out by file (a day per file, a client per
  file) is over- or under-represented at small steps.
* ``sample``: ``DataFrame.sample(fraction, seed)`` -- a uniform Bernoulli sample
  with no bias, but every step still reads the whole input.
"""
from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass

from dcs_engine.errors import ParameterError
from dcs_engine.inputs.sources import SourceSpec, load, read_base

FILES_NOTE = ("whole input files, chosen in a seeded random order (nested across steps): cheap, since a "
              "step reads only its files; biased if the data is laid out by file (e.g. one day or one "
              "client per file), and keys that span files are cut")
SAMPLE_NOTE = ("DataFrame.sample (uniform Bernoulli rows, seeded): unbiased, but every step reads the "
               "whole input, so that scan is part of each step's fixed cost")


def parse_fractions(text: str, include_full: bool = False) -> tuple[float, ...]:
    """``"0.01, 10%, 0.2"`` -> ``(0.01, 0.1, 0.2)``: sorted, distinct, each in (0, 1]."""
    try:
        vals = [float(v.strip().rstrip("%")) / (100.0 if v.strip().endswith("%") else 1.0)
                for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ParameterError("parameter 'fractions'", condition="PARAM_INVALID",
                             params={"param": "fractions", "found": str(text), "kind": "fractions"},
                             expected="comma-separated fractions such as 0.01, 0.1, 0.2, 0.4", found=repr(text),
                             fix="write numbers between 0 and 1 (or percentages like 10%)") from None
    if not vals or any(not 0 < v <= 1 for v in vals):
        raise ParameterError("parameter 'fractions'", condition="PARAM_OUT_OF_RANGE",
                             params={"param": "fractions", "found": str(text), "min": 0, "max": 1},
                             expected="fractions above 0 and at most 1", found=repr(text),
                             fix="write numbers between 0 and 1, e.g. 0.01, 0.1, 0.2, 0.4")
    if include_full and 1.0 not in vals:
        vals.append(1.0)
    return tuple(sorted(set(vals)))


@dataclass
class Fractioner:
    spark: object
    spec: SourceSpec
    method: str          # "files" or "sample"
    note: str
    seed: int
    files: tuple = ()    # (path, size) in chosen order, for "files"
    total_bytes: int | None = None
    base: object = None  # the source's DataFrame before where/columns, read once

    def full(self):
        """The whole input (where clause and columns applied)."""
        return load(self.spark, self.spec, base=self.base)

    def full_rows(self) -> int:
        """Rows of the whole input.  Local parquet files with no where clause: the sum of their
        footers' row counts, read on the driver (no Spark job); else a Spark ``count()``."""
        if self.method == "files" and self.spec.format == "parquet" and not self.spec.where.strip():
            try:
                import pyarrow.parquet as pq

                return sum(pq.read_metadata(_local_path(f)).num_rows for f, _ in self.files)
            except Exception:  # not readable by pyarrow here: let Spark count
                pass
        return self.full().count()

    def frame(self, fraction: float):
        """(DataFrame for ``fraction``, its actual fraction of bytes or rows)."""
        if self.method == "sample":
            full = self.full()
            return (full if fraction >= 1.0 else full.sample(fraction=fraction, seed=self.seed)), fraction
        k = self.files_for(fraction)
        chosen = self.files[:k]
        return self._read([p for p, _ in chosen]), sum(s for _, s in chosen) / max(1, self.total_bytes or 1)

    def files_for(self, fraction: float) -> int:
        return max(1, min(len(self.files), math.ceil(fraction * len(self.files) - 1e-9)))

    def input_bytes(self, fraction: float) -> int | None:
        if self.method == "files":
            return sum(s for _, s in self.files[:self.files_for(fraction)])
        return None if self.total_bytes is None else int(self.total_bytes * fraction)

    def _read(self, paths):
        spec = self.spec
        reader = self.spark.read.schema(self.base.schema)
        root = spec.path.strip()
        if os.path.isdir(root[len("file://"):] if root.startswith("file://") else root):
            reader = reader.option("basePath", root)
        fmt = spec.format
        if fmt in ("json", "jsonl"):
            df = reader.json(paths)
        elif fmt == "csv":
            df = reader.option("header", "true").csv(paths)
        else:
            df = reader.format(fmt).load(paths)
        if spec.where.strip():
            df = df.where(spec.where)
        if spec.columns:
            df = df.select(*spec.columns)
        return df


def _local_path(f: str) -> str | None:
    """``file:/x/y`` or ``file:///x/y`` -> ``/x/y``; None for a remote file (``hdfs://...``)."""
    path = f[len("file:"):] if f.startswith("file:") else f
    if "://" in path:
        return None
    while path.startswith("//"):
        path = path[1:]
    return path


def _local_files(df) -> list[tuple[str, int]] | None:
    out = []
    for f in df.inputFiles():
        path = _local_path(f)
        if path is None:
            return None
        try:
            out.append((f, os.path.getsize(path)))
        except OSError:
            return None
    return out


def fractioner(spark, spec: SourceSpec, method: str = "auto", seed: int = 7, min_files: int = 8) -> Fractioner:
    """Pick how fractions are taken: whole files when the source is a path with at
    least ``min_files`` local files (``auto``), else ``sample``."""
    if method not in ("auto", "files", "sample"):
        raise ParameterError("parameter 'method'", condition="PARAM_NOT_A_CHOICE",
                             params={"param": "method", "found": method, "choices": ["auto", "files", "sample"]},
                             expected="auto, files or sample", found=repr(method), fix="pick one of the listed methods")
    files = None
    base = read_base(spark, spec)
    if spec.kind == "path" and method in ("auto", "files"):
        files = _local_files(base)
        if method == "files" and (not files or len(files) < 2):
            raise ParameterError("fraction method 'files'", condition="LADDER_TOO_FEW_FILES",
                                 params={"files": len(files or [])},
                                 expected="a path source with several local files",
                                 found=f"{len(files or [])} file(s)", fix="use method 'sample' for this source")
        if method == "auto" and (not files or len(files) < min_files):
            files = None
    if files:
        order = sorted(files)
        random.Random(seed).shuffle(order)
        return Fractioner(spark, spec, "files", FILES_NOTE, seed, tuple(order), sum(s for _, s in order), base)
    total = None
    if spec.kind == "path":
        local = files if files is not None else _local_files(base)
        total = sum(s for _, s in local) if local else None
    return Fractioner(spark, spec, "sample", SAMPLE_NOTE, seed, (), total, base)
