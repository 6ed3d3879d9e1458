"""Bench: triage of a big driver log (default 1 GB) with the error near the end, against `grep -c`.

    python bench/triage.py            # 1 GB
    python bench/triage.py --mb 100   # smaller

The log is generated once into a temporary directory (INFO lines, a few benign
WARN exceptions, the Py4JJavaError near the end).  Engine: ``triage_file`` (ripgrep, else
grep, finds the hit lines and Python reads only the error blocks; without either the Python
scanner).
Baseline: ``grep -c -E 'Error|Exception'`` over the same file, which only counts lines
and finds nothing out.  Several rounds each, medians; then one round of the pure-Python
engine (``triage_stream``, what stdin and uploads use) for reference.  Peak memory of the
engine is measured in a separate round with tracemalloc (Python allocations), plus the
process's max RSS and its children's (the search tool, grep -c).  Prints MB/s and peak MB;
last line: ``ratio: <engine seconds / grep seconds>``.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dcs_engine.triage import triage_file, triage_stream  # noqa: E402

ERROR = (ROOT / "tests" / "fixtures" / "tracebacks" / "spark3_udf_value_error.txt").read_text()


def _block(seed: int) -> str:
    lines = []
    for i in range(8000):
        n = seed * 8000 + i
        kind = n % 3
        if kind == 0:
            lines.append(f"26/11/25 14:{n // 60 % 60:02d}:{n % 60:02d} INFO TaskSetManager: Finished task {n % 200}.0 "
                         f"in stage {n // 200 % 500}.0 (TID {n}) in {n % 97 + 3} ms on 10.0.{n % 9}.{n % 250} "
                         f"(executor {n % 16}) ({n % 200}/200)")
        elif kind == 1:
            lines.append(f"26/11/25 14:{n // 60 % 60:02d}:{n % 60:02d} INFO BlockManagerInfo: Added "
                         f"broadcast_{n % 700}_piece0 in memory on 10.0.{n % 9}.{n % 250}:4{n % 1000:03d} "
                         f"(size: {n % 90}.1 KiB, free: 366.{n % 10} MiB)")
        else:
            lines.append(f"26/11/25 14:{n // 60 % 60:02d}:{n % 60:02d} INFO Executor: Running task {n % 200}.0 in "
                         f"stage {n // 200 % 500}.0 (TID {n})")
    return "\n".join(lines) + "\n"


def make_log(path: Path, mb: int) -> None:
    blocks = [_block(s) for s in range(4)]
    warn = ("26/11/25 14:07:01 WARN BlockManager: Putting block rdd_4_1 failed due to exception "
            "java.io.IOException: Connection reset by peer.\n")
    target = mb << 20
    written = 0
    k = 0
    with open(path, "w") as f:
        while written < target - (1 << 20):
            s = blocks[k % 4]
            if k % 50 == 7:
                s += warn
            f.write(s)
            written += len(s)
            k += 1
        f.write("26/11/25 15:00:00 ERROR TaskSetManager: Task 3 in stage 12.0 failed 1 times; aborting job\n")
        f.write(ERROR)
        f.write(blocks[0][:200_000].rsplit("\n", 1)[0] + "\n")


def time_engine(path: Path):
    t = time.perf_counter()
    r = triage_file(path)
    return time.perf_counter() - t, r


def time_grep(path: Path):
    t = time.perf_counter()
    out = subprocess.run(["grep", "-c", "-E", "Error|Exception", str(path)], capture_output=True, text=True)
    return time.perf_counter() - t, int(out.stdout.strip() or 0)


def time_stream(path: Path):
    t = time.perf_counter()
    with open(path, "rb") as f:
        r = triage_stream(f)
    return time.perf_counter() - t, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1024, help="log size in MB (default 1024)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where to write the generated log (default: a temp dir)")
    ap.add_argument("--no-stream", action="store_true", help="skip the reference round of the Python engine")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "driver.log"
        t = time.perf_counter()
        make_log(path, args.mb)
        size = path.stat().st_size
        mb = size / 2**20
        print(f"generated {mb:.0f} MB log in {time.perf_counter() - t:.1f} s")
        engine, grep = [], []
        report = None
        count = 0
        for _ in range(args.rounds):
            s, report = time_engine(path)
            engine.append(s)
            s, count = time_grep(path)
            grep.append(s)
        tracemalloc.start()
        triage_file(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        e, g = statistics.median(engine), statistics.median(grep)
        print(f"engine: {report.headline} -> {report.catalog_id} / {report.node_id} at line {report.line_no}")
        print(f"grep -c: {count} matching lines (and no diagnosis)")
        print(f"engine median {e:.2f} s ({mb / e:.0f} MB/s), rounds {[round(x, 2) for x in engine]}")
        print(f"grep   median {g:.2f} s ({mb / g:.0f} MB/s), rounds {[round(x, 2) for x in grep]}")
        if not args.no_stream:
            s, r = time_stream(path)
            same = (r.catalog_id, r.line_no) == (report.catalog_id, report.line_no)
            print(f"python engine (streams) {s:.2f} s ({mb / s:.0f} MB/s); same result: {same}")
        print(f"engine peak traced memory {peak / 2**20:.1f} MB; max RSS {rss:.0f} MB (process), "
              f"{child:.0f} MB (children: the search tool and grep -c)")
        print(f"MB/s: {mb / e:.0f}; peak MB: {max(rss, child):.0f}")
        print(f"ratio: {e / g:.2f}")


if __name__ == "__main__":
    main()
