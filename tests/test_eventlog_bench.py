"""bench/eventlog.py at a tiny size, so it cannot rot (its seed: a real log this session wrote)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import eventlog_fixture

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def eventlogs(tmp_path_factory) -> dict:
    return eventlog_fixture.produce(tmp_path_factory)


def test_bench_runs_at_a_tiny_size(eventlogs, tmp_path):
    info = eventlogs["udf_fail"]   # the plain (uncompressed) log
    seed = next(p for p in Path(info["dir"]).iterdir() if p.name == info["app_id"])
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "eventlog.py"), "--seed-log", str(seed), "--mb", "2",
                          "--rounds", "1", "--dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0
    copies = int(lines[0].split("replicated ")[1].split("x")[0])
    jobs = next(ln for ln in lines if " jobs, " in ln)
    assert copies > 1 and jobs.split()[0] == str(copies)    # every copy's job was read as its own job
    assert "max RSS" in out.stdout and "failure signatures" in out.stdout
