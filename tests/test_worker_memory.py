"""Memory stays flat over hundreds of runs: finished results are released (issue 16).

The single-process design kept every run's result for the life of the process (+1.3 GB after 200
runs of a 10,000-row take).  Here 500 takes of 200 rows go through the app's door; the app keeps
only the last few results per diagnosis, the worker forgets each one once it has been handed over.
Measured in a process of its own (tests/many_runs.py).  Holding the 450 results after the warm-up
would add about 60 MB to the app (``--keep`` shows it), well above the bound.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

RUNS, N, ROWS = 500, 200, 1000
APP_GROWTH_MB = 25      # app process, from after 50 runs to after 500
WORKER_GROWTH_MB = 40   # the worker's Python process, same span


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_memory_after_500_runs_stays_within_a_bound():
    script = Path(__file__).with_name("many_runs.py")
    proc = subprocess.run([sys.executable, str(script), str(RUNS), str(N), str(ROWS)], capture_output=True,
                          text=True, timeout=1400)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    out = json.loads(line[len("RESULT "):])
    print(out)
    warm, end = out["after_warmup"], out["end"]
    assert out["kept_in_pool"] == 20                 # DCS_RUNS_KEPT's default
    assert end["app"] - warm["app"] < APP_GROWTH_MB, out
    assert end["worker"] - warm["worker"] < WORKER_GROWTH_MB, out
