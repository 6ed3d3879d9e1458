"""The one pass: every column's code packed into a few long keys, rows counted per key, in Spark.

Each row gets, per column, the code of its value (:meth:`ColumnPlan.code_sql`); the codes of a
group of columns are packed into one ``bigint`` key (bit fields), and one ``groupBy`` counts
rows per key, sums the filter flags (the where clause as written, rewritten, by meaning) and
keeps min/max of a fixed-width slot per column (a number, a day or microsecond count, a text
length).  With several groups of columns the rows are spread over them with ``stack``.  Every
buffer is fixed-width, so Spark keeps the aggregation in generated code (a string min/max or a
sketch would push it to a slower, interpreted aggregate: measured 1.5-2.5x on Spark 4.3).  Only
the groups come back: a few hundred small rows, whatever the data's size.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from dcs_engine.techniques.profile.plan import chunks


@dataclass
class Tally:
    """Rows of one column with one code: their count, filter counts, and min/max of the slot."""

    count: int = 0
    flags: list = field(default_factory=list)
    lo: object = None
    hi: object = None

    def add(self, n: int, flags, lo, hi) -> None:
        self.count += n
        self.flags = [a + (b or 0) for a, b in zip(self.flags, flags)] if self.flags else [b or 0 for b in flags]
        if lo is not None:
            self.lo = lo if self.lo is None else min(self.lo, lo)
        if hi is not None:
            self.hi = hi if self.hi is None else max(self.hi, hi)


@dataclass(frozen=True)
class PassResult:
    rows: int
    flag_rows: tuple            # rows passing each flag clause
    tallies: tuple              # per plan: {code: Tally}
    groups: int                 # result rows Spark sent back
    layout: tuple               # the chunks (plan indexes per packed key)


def _layout(plans, groups):
    """Per chunk: [(plan index, bit offset, slot kind, slot position)] and the slot counts."""
    out, most_d, most_l = [], 0, 0
    for group in groups:
        off, nd, nl, cols = 0, 0, 0, []
        for i in group:
            p = plans[i]
            pos = None
            if p.slot == "d":
                pos, nd = nd, nd + 1
            elif p.slot == "l":
                pos, nl = nl, nl + 1
            cols.append((i, off, p.slot, pos))
            off += p.bits
        out.append(cols)
        most_d, most_l = max(most_d, nd), max(most_l, nl)
    return out, most_d, most_l


def _chunk_exprs(plans, cols, nd, nl) -> list[str]:
    key = " + ".join(f"CAST(({plans[i].code_sql()}) AS BIGINT) * {1 << off}" for i, off, _, _ in cols) or "0"
    d = ["CAST(NULL AS DOUBLE)"] * nd
    lg = ["CAST(NULL AS BIGINT)"] * nl
    for i, _, slot, pos in cols:
        if slot == "d":
            d[pos] = f"CAST({plans[i].slot_expr} AS DOUBLE)"
        elif slot == "l":
            lg[pos] = f"CAST({plans[i].slot_expr} AS BIGINT)"
    return [f"CAST({key} AS BIGINT)", *d, *lg]


def build(frame, plans, flags, probe_codes):
    """The aggregated DataFrame (not run) and the chunk layout."""
    from pyspark.sql import functions as F

    layout, nd, nl = _layout(plans, chunks(plans, probe_codes))
    ws = [f"CAST(coalesce(({w}), false) AS INT) AS __w{i}" for i, w in enumerate(flags)]
    names = ["__k", *[f"__d{i}" for i in range(nd)], *[f"__l{i}" for i in range(nl)]]
    if len(layout) == 1:
        exprs = _chunk_exprs(plans, layout[0], nd, nl)
        data = frame.selectExpr(*[f"{e} AS {n}" for e, n in zip(exprs, names)], *ws).withColumn("__j", F.lit(0))
    else:
        args = []
        for j, cols in enumerate(layout):
            args += [str(j), *_chunk_exprs(plans, cols, nd, nl)]
        data = frame.selectExpr(f"stack({len(layout)}, {', '.join(args)}) AS (__j, {', '.join(names)})", *ws)
    aggs = [F.count(F.lit(1)).alias("n"), *[F.sum(f"__w{i}").alias(f"w{i}") for i in range(len(flags))]]
    for n in names[1:]:
        aggs += [F.min(n).alias(f"min{n}"), F.max(n).alias(f"max{n}")]
    return data.groupBy("__j", "__k").agg(*aggs), layout, names[1:]


# Session settings for the pass's own job, restored after it.  The pass's generated row loop is
# longer than HotSpot's 8,000-byte limit for JIT-compiling a method, so it would run interpreted.
PASS_CONF = {"spark.sql.codegen.hugeMethodLimit": "8000"}


@contextmanager
def pass_conf(spark, settings=None):
    """Set ``settings`` (default :data:`PASS_CONF`) on the session for a block, then restore the old values."""
    settings = PASS_CONF if settings is None else settings
    saved = {}
    try:
        for key, value in settings.items():
            saved[key] = spark.conf.get(key, None)
            spark.conf.set(key, value)
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, old)


def run_pass(frame, plans, flags, probe_codes) -> PassResult:
    """Run the pass: one Spark job (plus the small final aggregation) over ``frame``."""
    agg, layout, slots = build(frame, plans, flags, probe_codes)
    tallies = [dict() for _ in plans]
    rows, flag_rows, groups = 0, [0] * len(flags), 0
    with pass_conf(frame.sparkSession):
        collected = agg.collect()
    for r in collected:
        groups += 1
        j, key, n = r["__j"], r["__k"], r["n"]
        fl = [r[f"w{i}"] or 0 for i in range(len(flags))]
        if j == 0:
            rows += n
            flag_rows = [a + b for a, b in zip(flag_rows, fl)]
        for i, off, slot, pos in layout[j]:
            code = (key >> off) & ((1 << plans[i].bits) - 1)
            lo = hi = None
            if slot is not None:
                lo, hi = r[f"min__{slot}{pos}"], r[f"max__{slot}{pos}"]
            tallies[i].setdefault(code, Tally()).add(n, fl, lo, hi)
    return PassResult(rows, tuple(flag_rows), tuple(tallies), groups, tuple(tuple(i for i, *_ in c) for c in layout))


EXAMPLE_SCAN_ROWS = 200_000  # the example search reads at most this many rows (it stops at the first hits)


def search_examples(frame, plans, tallies, probe_codes, per_code: int = 2) -> dict[int, dict[int, list]]:
    """Examples of text codes the pass counted but the probe never saw: ``{plan: {code: [values]}}``.

    One bounded query over the first :data:`EXAMPLE_SCAN_ROWS` rows; None of it when every counted
    code already has an example from the probe."""
    wanted = {}
    for p in plans:
        if p.family != "string":
            continue
        seen = set(probe_codes[p.index])
        missing = [c for c, t in tallies[p.index].items() if t.count and c not in seen and c != 0]
        if missing:
            wanted[p.index] = missing
    if not wanted:
        return {}
    conds = [f"(({plans[i].code_sql()}) IN ({', '.join(map(str, codes))}))" for i, codes in wanted.items()]
    cols = [f"{plans[i].expr} AS v{i}" for i in wanted] + [f"({plans[i].code_sql()}) AS c{i}" for i in wanted]
    rows = frame.limit(EXAMPLE_SCAN_ROWS).where(" OR ".join(conds)).selectExpr(*cols).limit(
        per_code * sum(len(c) for c in wanted.values()) * 4).collect()
    out: dict[int, dict[int, list]] = {}
    for r in rows:
        for i, codes in wanted.items():
            code, value = r[f"c{i}"], r[f"v{i}"]
            bucket = out.setdefault(i, {}).setdefault(code, [])
            if code in codes and value not in bucket and len(bucket) < per_code:
                bucket.append(value)
    return out
