"""env_check: Compare driver and executor environments.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='env_check',
    title='Compare driver and executor environments',
    summary=("Heterogeneous framework state: run a tiny job on every executor and compare its Python, packages, sys.path and importable modules with the driver's."),
    snippet="import sys, importlib.util\ndef probe(_):\n    import sys, socket, importlib.util\n    yield (socket.gethostname(), sys.executable, sys.version.split()[0],\n           importlib.util.find_spec('my_local_utilities') is not None)\nn = sc.defaultParallelism\nprint('driver', sys.executable, sys.version.split()[0])\nfor r in set(sc.parallelize(range(n), n).mapPartitions(probe).collect()):\n    print('executor', r)\n",
    outcomes=('differences', 'same'),
    run=None,
)
