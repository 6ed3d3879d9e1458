"""What the user's function printed or logged on the executors, from Spark 4.1+'s Python worker logs.

With ``spark.sql.pyspark.worker.logging.enabled=true`` Spark keeps every line a Python worker writes
to stdout/stderr, and every record that reaches its root logger, in a per-session table read with
``spark.tvf.python_worker_logs()`` (columns ``ts level msg context exception logger``).  Measured on
the pinned 4.3.0, on classic Spark and on Spark Connect: the setting can be switched on at run time
(the next Python worker picks it up), and the table can be read only while it is on.

:func:`capture` switches it on for one run (and back to what it was afterwards); the tasks count
the lines the user's code wrote (:class:`dcs_engine.runtime.tasks.OutputCounter`), so the table is
read only when there is something to read -- one small aggregation over this run's time window,
lines grouped by their message with ids and numbers replaced, most frequent first.  The window is
this session's logs between the run's start and end (on a shared classic session, another run's
lines in that window are read too).
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

CONF = "spark.sql.pyspark.worker.logging.enabled"
SHOWN = 20
# the same placeholders as naughty rows' signatures (Java regex syntax): ids first, then numbers
_IDS = r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F-]*\d)(?=[0-9a-fA-F-]*[a-fA-F])[0-9a-fA-F-]{8,}\b"
_NUMBERS = r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])"


@dataclass(frozen=True)
class LogPattern:
    logger: str          # "stdout", "stderr" or the logger's name
    level: str
    pattern: str         # the message with ids and numbers replaced by <hex> and <num>
    example: str         # the first message of this pattern
    count: int


@dataclass(frozen=True)
class WorkerLogs:
    lines: int                       # lines the user's code wrote on executors (counted in the tasks)
    patterns: tuple[LogPattern, ...]  # from Spark's worker logs ((): not read, see ``note``)
    note: str                        # how they were read, or why not

    @property
    def shown(self) -> bool:
        return bool(self.patterns)

    def markdown_lines(self) -> list[str]:
        if not self.lines and not self.patterns:
            return []
        out = [f"What your function wrote on the executors: {self.lines:,} line(s). {self.note}".rstrip()]
        for p in self.patterns:
            out.append(f"    {p.count:>7,}  {p.logger}/{p.level}: {p.example}")
        return out


NONE = WorkerLogs(0, (), "")


def supported(spark) -> str:
    """'' when this session has Python worker logs, else why not."""
    version = tuple(int(x) for x in (spark.version.split(".") + ["0", "0"])[:2] if x.isdigit())
    if version < (4, 1):
        return f"Python worker logs need Spark 4.1 or later; this session runs {spark.version}"
    if not hasattr(getattr(spark, "tvf", None), "python_worker_logs"):
        return "this pyspark client has no spark.tvf.python_worker_logs()"
    return ""


class Capture:
    """One run's window on the worker logs (see :func:`capture`)."""

    def __init__(self, spark, why_not: str):
        self.spark = spark
        self.why_not = why_not
        self.start = dt.datetime.now() - dt.timedelta(seconds=1)

    def read(self, lines: int, limit: int = SHOWN) -> WorkerLogs:
        """The run's lines grouped by message pattern (only read when the tasks counted some)."""
        if not lines:
            return NONE
        if self.why_not:
            return WorkerLogs(lines, (), f"Not shown: {self.why_not} (read the executors' stdout/stderr logs).")
        from pyspark.sql import functions as F

        end = dt.datetime.now() + dt.timedelta(seconds=1)
        logs = self.spark.tvf.python_worker_logs()
        rows = (logs.where((F.col("ts") >= F.lit(self.start)) & (F.col("ts") <= F.lit(end)))
                .groupBy("logger", "level", F.regexp_replace(F.regexp_replace("msg", _IDS, "<hex>"), _NUMBERS,
                                                             "<num>").alias("pattern"))
                .agg(F.count(F.lit(1)).alias("n"), F.min_by("msg", "ts").alias("example"))
                .orderBy(F.desc("n"), "pattern").limit(limit).collect())
        patterns = tuple(LogPattern(r["logger"] or "", r["level"] or "", r["pattern"] or "", r["example"] or "",
                                    int(r["n"])) for r in rows)
        return WorkerLogs(lines, patterns, "From Spark's Python worker logs (spark.tvf.python_worker_logs()), "
                                           "grouped by message with ids and numbers replaced.")


@contextmanager
def capture(spark, enabled: bool = True):
    """Switch worker logging on for the block (if this Spark has it); yields a :class:`Capture`."""
    why = supported(spark) if enabled else "worker logs were not asked for"
    if why:
        yield Capture(spark, why)
        return
    before = spark.conf.get(CONF, None)
    if before != "true":
        spark.conf.set(CONF, "true")
    try:
        yield Capture(spark, "")
    finally:
        if before != "true":
            if before is None:
                spark.conf.unset(CONF)
            else:
                spark.conf.set(CONF, before)
