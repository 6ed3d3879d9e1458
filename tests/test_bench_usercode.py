"""Every bench of the user-code techniques runs at a tiny size, so none can rot (figures: README)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RATIO = re.compile(r"^ratio: \d+\.\d{3}$")


def _bench(script: str, *args: str) -> list[str]:
    # -P: bench/profile.py must not shadow the standard library's profile module
    proc = subprocess.run([sys.executable, "-P", str(ROOT / "bench" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=500)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and lines, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert RATIO.match(lines[-1]), lines[-3:]
    return lines


@pytest.mark.slow
def test_naughty_bench_on_classic_spark():
    lines = _bench("naughty.py", "--rows", "20000", "--rounds", "1")
    assert any(line.startswith("round 1: engine") for line in lines)


@pytest.mark.slow
def test_branches_bench_in_one_process():
    lines = _bench("branches.py", "--rows", "3000", "--rounds", "1")
    assert any("calls counted" in line for line in lines)


@pytest.mark.connect
def test_naughty_bench_on_spark_connect(connect_server):
    lines = _bench("naughty_connect.py", "--remote", connect_server.url, "--rows", "20000", "--rounds", "1",
                   "--filler", "4")
    assert lines[0].startswith("Spark Connect ") and any("to_dict('records')" in line for line in lines)


@pytest.mark.connect
def test_branches_bench_on_spark_connect(connect_server):
    lines = _bench("branches_connect.py", "--remote", connect_server.url, "--rows", "3000", "--rounds", "1")
    assert lines[0].startswith("connect Spark ")
