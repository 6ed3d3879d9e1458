"""What lesson checks share: the result type, loading the student's code, calling
it row by row on Spark without dying at the first error, and running a separate
Spark driver in a subprocess (for failures that depend on driver-static settings
or on where the executors run)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from dcs_engine.inputs.usercode import from_code
from dcs_engine.results import md_table

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str          # one or two sentences: what is still wrong, or that it works
    evidence: str = ""    # markdown: the rows, counts, tracebacks that prove it

    @property
    def headline(self) -> str:
        return ("Passed: " if self.passed else "Not yet: ") + self.message

    def to_markdown(self) -> str:
        return f"**{self.headline}**\n\n{self.evidence}".rstrip()


def ok(message: str, evidence: str = "") -> CheckResult:
    return CheckResult(True, message, evidence)


def fail(message: str, evidence: str = "") -> CheckResult:
    return CheckResult(False, message, evidence)


def student_function(code: str, name: str):
    """The student's function ``name`` from the editor's text (UserCodeError if it cannot load)."""
    return from_code(code, name).func


def call_rows(df, func, key: str, as_dict: bool = True) -> list[tuple]:
    """``func`` on every row of ``df`` on the executors: [(key, ok, result or error text)]."""
    from . import _rows

    _rows.register_by_value()
    return df.rdd.mapPartitions(_rows.safe_calls(func, key, as_dict)).collect()


def error_summary(calls: list[tuple], limit: int = 5) -> tuple[int, str, str]:
    """(rows that raised, the most common error, a markdown table of examples)."""
    errors = [(k, v) for k, good, v in calls if not good]
    if not errors:
        return 0, "", ""
    counts: dict[str, int] = {}
    for _, text in errors:
        counts[text] = counts.get(text, 0) + 1
    top = max(counts, key=counts.get)
    table = md_table(["error", "rows"], sorted(counts.items(), key=lambda kv: -kv[1])[:limit], width=140)
    return len(errors), top, table


def innermost(exc: BaseException) -> str:
    from dcs_engine.triage import triage_exception

    return triage_exception(exc).headline


# ------------------------------------------------------------------ subprocess drivers
@dataclass(frozen=True)
class DriverRun:
    ok: bool
    output: dict          # the JSON the script printed last (empty when it died)
    stderr: str
    seconds: float


def run_driver(body: str, conf: dict[str, str], master: str = "local[1]", timeout: float = 150,
               payload: dict | None = None, cwd: str | None = None) -> DriverRun:
    """Run ``body`` in a fresh Python with its own SparkSession (``spark``, ``sc``).

    ``body`` sets ``OUT`` (a JSON-able dict) for the caller; ``PAYLOAD`` holds
    ``payload``.  The script's working directory is a fresh temp dir unless
    ``cwd`` is given, and PYTHONPATH is not passed on, so executors see only
    what Spark ships to them.
    """
    import time

    head = textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(ROOT)!r})
        PAYLOAD = json.loads({json.dumps(json.dumps(payload or {}))})
        from pyspark.sql import SparkSession
        _b = (SparkSession.builder.master({master!r}).appName("dcs-lesson-check")
              .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1").config("spark.pyspark.python", sys.executable)
              .config("spark.executor.memory", "512m").config("spark.task.maxFailures", "1"))
        for _k, _v in {sorted(conf.items())!r}:
            _b = _b.config(_k, _v)
        OUT = {{}}
        try:
            spark = _b.getOrCreate()
            spark.sparkContext.setLogLevel("ERROR")
            sc = spark.sparkContext
    """)
    tail = textwrap.dedent("""
        finally:
            print("DCS-OUT " + json.dumps(OUT), flush=True)
    """)
    script = head + textwrap.indent(textwrap.dedent(body), "    ") + tail
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPARK_HOME")}
    env.update(PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1",
               PYTHONUNBUFFERED="1")
    workdir = cwd or tempfile.mkdtemp(prefix="dcs-lesson-driver-")
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", script], cwd=workdir, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return DriverRun(False, {}, f"the check's Spark driver ran longer than {timeout:.0f} s: "
                                    f"{(exc.stderr or '')[-2000:] if isinstance(exc.stderr, str) else ''}",
                         time.perf_counter() - start)
    outs = [ln[len("DCS-OUT "):] for ln in proc.stdout.splitlines() if ln.startswith("DCS-OUT ")]
    output = json.loads(outs[-1]) if outs else {}
    return DriverRun(proc.returncode == 0, output, proc.stderr, time.perf_counter() - start)


def triage_text(text: str):
    from dcs_engine.triage import triage_text as tt

    return tt(text)


def fenced(text: str, limit: int = 1500) -> str:
    text = text.strip()
    if len(text) > limit:
        text = "…" + text[-limit:]
    return f"```\n{text}\n```"


def sibling(file: str, stem: str = "data"):
    """Another module of the same lesson folder (e.g. its data.py), loaded like the course loads it."""
    from .course import _load_module

    return _load_module(Path(file).resolve().parent, stem)


def lesson_df(file: str, spark, **kw):
    """The lesson's data: ``data.make(spark, ...)`` with the lesson's defaults."""
    data = sibling(file)
    return data.make(spark, rows=kw.get("rows", data.ROWS), seed=kw.get("seed", data.SEED))
