"""Where a slow Python UDF spends its time: Spark's own UDF profiler on one step of the ladder.

Spark 4 profiles Python UDFs (``@udf``, pandas UDFs, ``mapInPandas``/``applyInPandas`` and their
Arrow forms) when the SQL conf ``spark.sql.pyspark.udf.profiler`` is ``perf`` (cProfile in every
Python worker) or ``memory`` (memory_profiler, line by line); the results come back to the session
and ``spark.profile.dump`` writes them out -- on classic Spark and over Spark Connect alike.

The profiler slows the code it watches (several times, for tight loops), so it never runs during
a measured step: one extra run of a sample of the smallest step before the measured runs (and before
the ladder's warm-up), with the conf set for that run only and set back after.  Profiles are
kept by UDF id; only the ids that this run added are read.
"""
from __future__ import annotations

import glob
import os
import pstats
import re
import tempfile

from dcs_engine.techniques.scale_steps.result import ProfileLine, UdfProfile

CONF = "spark.sql.pyspark.udf.profiler"
TOP = 12


def supported(spark) -> str:
    """'' when this session has the UDF profiler, else why not."""
    version = tuple(int(p) for p in re.findall(r"\d+", getattr(spark, "version", "0"))[:2])
    if version < (4, 0) or not hasattr(spark, "profile"):
        return f"Spark's Python UDF profiler needs Spark 4.0 or later (this session is {spark.version})"
    return ""


def profiled_run(ladder, frame, mode: str, step_label: str, user_files: tuple[str, ...]) -> UdfProfile | None:
    """Run the job once more on ``frame`` with the UDF profiler on; what it found (None: the run failed)."""
    spark = ladder.ctx.spark
    why = supported(spark)
    if why:
        return UdfProfile(mode, step_label, (), "", why, ran=False)
    before = _ids(spark, mode)
    old = spark.conf.get(CONF, None)
    spark.conf.set(CONF, mode)
    try:
        run = ladder.run(frame, "profile", f"ladder: UDF profile ({mode})", measure_cpu=False)
    finally:
        if old is None:
            spark.conf.unset(CONF)
        else:
            spark.conf.set(CONF, old)
    if run.failed:
        return None  # the job fails on this step: the ladder's own runs say how
    new = _dump(spark, mode, skip=before)
    how = f"{CONF}={mode} for one extra run of this step, before the measured runs ({run.seconds:.1f} s)"
    if not new:
        hint = (" (the memory profiler needs the memory_profiler package on the executors)" if mode == "memory"
                else "")
        return UdfProfile(mode, step_label, (), "", f"{how}; no Python UDF profile came back{hint}")
    if mode == "memory":
        text = "\n".join(open(f, encoding="utf-8").read().strip() for f in new)
        return UdfProfile(mode, step_label, (), _trim(text), how)
    return UdfProfile(mode, step_label, perf_lines(new, user_files), "", how + "; times add up every task's "
                      "Python worker, and the profiler's own cost is in them")


def _ids(spark, mode: str) -> set[str]:
    return {os.path.basename(f) for f in _dump(spark, mode)}


def _dump(spark, mode: str, skip: set[str] = frozenset()) -> list[str]:
    """Files of the session's current profiles of ``mode`` (those named in ``skip`` left out)."""
    out = tempfile.mkdtemp(prefix="dcs-udf-profile-")
    spark.profile.dump(out, type=mode)
    return sorted(f for f in glob.glob(os.path.join(out, "*")) if os.path.basename(f) not in skip)


def perf_lines(files, user_files: tuple[str, ...] = (), top: int = TOP) -> tuple[ProfileLine, ...]:
    """The costliest functions (own time first) across the cProfile dumps in ``files``."""
    stats = pstats.Stats(*files)
    mine = {os.path.basename(f) for f in user_files if f}
    rows = []
    for (path, line, name), (_prim, calls, own, total, _callers) in stats.stats.items():
        if name in ("<method 'disable' of '_lsprof.Profiler' objects>",) or path.endswith("profiler.py"):
            continue  # the profiler's own switching on and off
        user = bool(mine) and os.path.basename(path) in mine
        where = "built-in" if path == "~" else f"{os.path.basename(path)}:{line}"
        rows.append(ProfileLine(name, where, int(calls), float(own), float(total), user))
    rows.sort(key=lambda p: (-p.own_s, -p.total_s))
    floor = 0.01 * sum(p.own_s for p in rows)  # under 1% of the profiled time: noise, unless it is the user's
    keep = [p for p in rows[:top] if p.own_s >= floor or p.user_code]
    keep += [p for p in rows[top:] if p.user_code][: max(0, top // 2)]
    return tuple(keep)


def _trim(text: str, lines: int = 60) -> str:
    kept = text.splitlines()
    return "\n".join(kept[:lines] + ([f"... ({len(kept) - lines} more lines)"] if len(kept) > lines else []))
