"""The scaling and sampling benches run at a tiny size, so that neither can rot (their figures mean
nothing at this size: the benches' docstrings and the README give the real ones)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench(*args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")}
    env.update(SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=560)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return [line for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_scaling_bench_runs_its_ladders_under_a_competing_load():
    lines = _bench("bench/scaling.py", "--tiny", "--load", "loaded")
    rows = [line for line in lines if " load " in line and not line.startswith(("job", "worst"))]
    assert [r.split()[0] for r in rows] == ["linear", "n", "quadratic"], lines  # one row per job, loaded
    assert all(" cpu " in r for r in rows), lines  # fitted on task CPU time
    assert any(line.startswith("worst exponent error with a competing load on one core: ") for line in lines)
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0


@pytest.mark.slow
def test_sampling_bench_runs():
    lines = _bench("bench/sampling.py", "--rows", "20000", "--rounds", "1")
    assert any(line.startswith("rare stratum 'r': ") for line in lines), lines
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0
