"""Bench: event-log analysis of a >= 1 GB log against a baseline that only json.loads every line.

    python bench/eventlog.py                  # 1 GB (1024 MB), 3 rounds
    python bench/eventlog.py --mb 100         # smaller
    python bench/eventlog.py --seed-log LOG   # replicate this log instead of running Spark

How the big log is made (say it plainly): a real PySpark application is run once
with ``spark.eventLog.enabled=true`` (local[2]; 30 jobs, about 1,700 tasks: shuffles
with a skewed key, a spilling sort, SQL writes and reads, a Python UDF that fails
on some rows and is retried) and its log is cached under ``bench/_data/``.  That
real log is then replicated, with rewritten ids, to the target size: every copy of
its jobs gets new job, stage, task, SQL execution, RDD and accumulator ids and
times shifted past the previous copy, between one ApplicationStart and one
ApplicationEnd -- one long application that ran the same work many times.  Running
a million tasks for real would take hours on 2 shared cores.

Engine: ``dcs_engine.eventlog.analyze(path)`` (the whole report: failures through
triage, stages with distributions, plans, findings).  Baseline: read the same file
line by line and ``json.loads`` each line, nothing else.  Both read the
uncompressed file, in alternating rounds.  Medians of ``--rounds`` rounds of the
process's CPU time (``time.process_time``) -- on a shared machine wall time mostly
measures the other processes; the wall-time ratio is printed too.  Peak memory of
the engine from a separate process (its max RSS) and tracemalloc's peak of Python
allocations.  Last line: ``ratio: <engine CPU seconds / baseline CPU seconds>``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "_data"
TIME_KEYS = {"Submission Time", "Completion Time", "Launch Time", "Finish Time", "Timestamp", "time",
             "Getting Result Time"}
HEADER_EVENTS = ("SparkListenerLogStart", "SparkListenerResourceProfileAdded", "SparkListenerExecutorAdded",
                 "SparkListenerBlockManagerAdded", "SparkListenerEnvironmentUpdate", "SparkListenerApplicationStart")

SEED_APP = r'''
import os, sys
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession, functions as F
out, work = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[2,2]").appName("dcs-bench-eventlog")
         .config("spark.eventLog.enabled", "true").config("spark.eventLog.dir", "file://" + out)
         .config("spark.eventLog.compress", "false").config("spark.eventLog.rolling.enabled", "false")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "24")
         .config("spark.sql.adaptive.enabled", "false").config("spark.sql.autoBroadcastJoinThreshold", "-1")
         .config("spark.shuffle.spill.numElementsForceSpillThreshold", "20000").getOrCreate())
for i in range(8):
    key = F.when(F.col("id") % 10 < 6, F.lit(0)).otherwise(F.col("id") % 500)
    df = spark.range(0, 200_000, numPartitions=24).select(key.alias("k"), (F.col("id") * 7 % 1000).alias("v"))
    df.join(df.groupBy("k").count(), "k").groupBy("count").agg(F.sum("v")).collect()
    df.sort("v", "k").write.mode("overwrite").format("noop").save()
spark.range(0, 100_000, numPartitions=24).write.mode("overwrite").parquet(work + "/t")
for i in range(4):
    spark.read.parquet(work + "/t").groupBy((F.col("id") % 13).alias("m")).count().collect()
bad = F.udf(lambda x: 1 // (x % 9973), "long")
try:
    spark.range(0, 100_000, numPartitions=8).select(bad("id")).collect()
except Exception as exc:
    print("failed as intended", type(exc).__name__)
spark.stop()
'''


def seed_log() -> Path:
    """The real application's log (run once, then cached)."""
    out = DATA / "eventlog-seed"
    logs = [p for p in out.glob("local-*") if not p.name.endswith(".inprogress")] if out.exists() else []
    if logs:
        return logs[0]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "seed_app.py"
        script.write_text(SEED_APP)
        subprocess.run([sys.executable, str(script), str(out), work], check=True, capture_output=True)
    return next(p for p in out.glob("local-*") if not p.name.endswith(".inprogress"))


class Shift:
    """Offsets of one copy of the application's body."""

    def __init__(self, k: int, span: dict):
        self.k, self.span = k, span

    def off(self, kind: str) -> int:
        return self.k * self.span[kind]

    def walk(self, node, rdd: bool = False):
        if isinstance(node, list):
            return [self.walk(x, rdd) for x in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, v in node.items():
            if key in TIME_KEYS and isinstance(v, int) and v > 0:
                v = v + self.off("time")
            elif key == "Job ID":
                v = v + self.off("job")
            elif key in ("Stage ID", "Stage IDs") or (key == "Parent IDs" and not rdd):
                v = [x + self.off("stage") for x in v] if isinstance(v, list) else v + self.off("stage")
            elif key == "Task ID":
                v = v + self.off("task")
            elif key in ("RDD ID",) or (key == "Parent IDs" and rdd):
                v = [x + self.off("rdd") for x in v] if isinstance(v, list) else v + self.off("rdd")
            elif key in ("executionId", "rootExecutionId"):
                v = v + self.off("sql")
            elif key in ("accumulatorId", "ID") and isinstance(v, int):
                v = v + self.off("acc")
            elif key == "accumUpdates":
                v = [[a + self.off("acc"), b] for a, b in v]
            elif key == "Properties" and isinstance(v, dict):
                v = {pk: (str(int(pv) + self.off("sql")) if pk.startswith("spark.sql.execution.") and
                          str(pv).isdigit() else pv) for pk, pv in v.items()}
            else:
                v = self.walk(v, rdd or key == "RDD Info")
            out[key] = v
        return out


def _spans(events: list[dict]) -> dict:
    maxima = {"job": 0, "stage": 0, "task": 0, "rdd": 0, "sql": 0, "acc": 0, "time": 0}
    keys = {"Job ID": "job", "Stage ID": "stage", "Task ID": "task", "RDD ID": "rdd", "executionId": "sql",
            "accumulatorId": "acc", "ID": "acc"}
    times = []

    def scan(node):
        if isinstance(node, dict):
            for key, v in node.items():
                if key in keys and isinstance(v, int):
                    maxima[keys[key]] = max(maxima[keys[key]], v)
                if key in TIME_KEYS and isinstance(v, int) and v > 0:
                    times.append(v)
                scan(v)
        elif isinstance(node, list):
            for x in node:
                scan(x)

    for e in events:
        scan(e)
    span = {k: v + 1 for k, v in maxima.items()}
    span["time"] = max(times) - min(times) + 1000 if times else 1000
    return span


def make_log(seed: Path, path: Path, mb: int) -> int:
    """Replicate the seed's body to ``mb`` MB; return the number of copies."""
    events = [json.loads(line) for line in seed.open("rb")]
    head = [e for e in events if e["Event"] in HEADER_EVENTS]
    body = [e for e in events if e["Event"] not in HEADER_EVENTS and e["Event"] != "SparkListenerApplicationEnd"]
    end = next((e for e in events if e["Event"] == "SparkListenerApplicationEnd"), None)
    span = _spans(body)
    target, written, k = mb << 20, 0, 0
    dump = lambda e: json.dumps(e, separators=(",", ":")) + "\n"   # noqa: E731 - Spark's compact form
    with open(path, "w", encoding="utf-8") as f:
        for e in head:
            written += f.write(dump(e))
        while written < target:
            shift = Shift(k, span)
            for e in body:
                written += f.write(dump(shift.walk(e)))
            k += 1
        if end is not None:
            f.write(dump(Shift(k, span).walk(end)))
    return k


def _clock(fn):
    """(CPU seconds of this process, wall seconds, result) of ``fn()``."""
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def time_engine(path: Path):
    from dcs_engine.eventlog import analyze

    return _clock(lambda: analyze(path))


def time_baseline(path: Path):
    def run():
        n = 0
        loads = json.loads
        with open(path, "rb") as f:
            for line in f:
                loads(line)
                n += 1
        return n

    return _clock(run)


def memory(path: Path) -> tuple[float, float]:
    """(max RSS MB, tracemalloc peak MB) of the engine in a fresh process."""
    code = ("import resource, sys, tracemalloc; sys.path.insert(0, sys.argv[2]);"
            "from dcs_engine.eventlog import analyze; analyze(sys.argv[1]);"
            "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
            "tracemalloc.start(); analyze(sys.argv[1]); peak = tracemalloc.get_traced_memory()[1] / 2**20;"
            "print(rss, peak)")
    out = subprocess.run([sys.executable, "-c", code, str(path), str(ROOT)], capture_output=True, text=True,
                         check=True)
    rss, peak = out.stdout.split()
    return float(rss), float(peak)


def _rounds(path: Path, rounds: int):
    engine, base = [], []
    report, lines = None, 0
    for _ in range(rounds):   # alternate, so a busy spell of the machine hits both
        c, w, report = time_engine(path)
        engine.append((c, w))
        c, w, lines = time_baseline(path)
        base.append((c, w))
    return engine, base, report, lines


def _print(path: Path, engine, base, report, lines) -> None:
    size = path.stat().st_size / 2**20
    rss, peak = memory(path)
    ec, bc = statistics.median(c for c, _ in engine), statistics.median(c for c, _ in base)
    ew, bw = statistics.median(w for _, w in engine), statistics.median(w for _, w in base)
    tasks = sum(s.tasks_succeeded + s.tasks_failed + s.tasks_killed for s in report.stages)
    print(f"engine: {report.headline[:160]}")
    print(f"        {len(report.jobs):,} jobs, {len(report.stages):,} stages, {tasks:,} task ends, "
          f"{len(report.findings)} findings, {len(report.failures)} failure signatures")
    print(f"baseline: json.loads on {lines:,} lines")
    print(f"engine   median CPU {ec:.2f} s ({size / ec:,.0f} MB/s), wall {ew:.2f} s; rounds (cpu, wall) "
          f"{[(round(c, 2), round(w, 2)) for c, w in engine]}")
    print(f"baseline median CPU {bc:.2f} s ({size / bc:,.0f} MB/s), wall {bw:.2f} s; rounds (cpu, wall) "
          f"{[(round(c, 2), round(w, 2)) for c, w in base]}")
    print(f"wall-time ratio {ew / bw:.2f} (on a shared machine wall time mostly measures the other processes)")
    print(f"engine peak memory: max RSS {rss:.0f} MB (fresh process), tracemalloc peak {peak:.1f} MB")
    print(f"ratio: {ec / bc:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1024, help="size of the generated log in MB (default 1024)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed-log", default=None, help="replicate this uncompressed event log instead of running Spark")
    ap.add_argument("--log", default=None, help="bench this uncompressed log as it is (no generation)")
    ap.add_argument("--keep", action="store_true", help="keep the generated log in bench/_data/")
    ap.add_argument("--dir", default=None, help="where to write the generated log (default: a temp dir)")
    args = ap.parse_args()
    if args.log:
        path = Path(args.log)
        print(f"log {path.name}: {path.stat().st_size / 2**20:,.0f} MB as given")
        _print(path, *_rounds(path, args.rounds))
        return
    seed = Path(args.seed_log) if args.seed_log else seed_log()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = (DATA if args.keep else Path(tmp)) / f"local-bench-eventlog-{args.mb}mb"
        path.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        copies = make_log(seed, path, args.mb)
        print(f"seed {seed.name}: {seed.stat().st_size / 2**20:.1f} MB real log, replicated {copies}x -> "
              f"{path.stat().st_size / 2**20:,.0f} MB in {time.perf_counter() - t:.1f} s")
        _print(path, *_rounds(path, args.rounds))


if __name__ == "__main__":
    main()
