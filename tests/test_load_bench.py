"""The load test (bench/load.py) at its tiny size, so it cannot rot: 2 browser sessions, 1 run each."""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.timeout(900)
def test_tiny_load_run_has_no_errors():
    bench = Path(__file__).resolve().parents[1] / "bench" / "load.py"
    proc = subprocess.run([sys.executable, str(bench), "--sessions", "2", "--runs", "1"], capture_output=True,
                          text=True, timeout=850)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    assert "runs completed: 2" in out and "errors: 0" in out, out
    assert "2 worker(s)" in out, out
    assert out.strip().splitlines()[-1].startswith("ratio: ")
