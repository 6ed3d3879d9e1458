"""bench/profiling.py at a tiny size, so it cannot rot (the figures themselves are the bench's, never asserted)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_runs_at_a_tiny_size(tmp_path):
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "profiling.py"), "--rows", "3000", "--rounds", "1",
                          "--dir", str(tmp_path)], capture_output=True, text=True, timeout=480, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0
    summary = {ln.split(":")[0]: ln for ln in lines if "profile median" in ln}
    assert set(summary) == {"parquet", "json lines"}
    assert all("full read median" in ln for ln in summary.values())
    assert any(ln.startswith("parquet round 1: profile") and "filter_mismatch" in ln for ln in lines)
