"""scale_steps: Scale up in steps.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='scale_steps',
    title='Scale up in steps',
    summary=('Run the job on 1%, 10%, 20%, 40% of the data and watch each step for a scale fail: a traceback, a time that grows faster than the data, or a toolchain panic.'),
    snippet="import time\nfor fraction in (0.01, 0.1, 0.2, 0.4):\n    part = df.sample(fraction=fraction, seed=1)\n    t = time.time()\n    my_job(part).count()\n    print(fraction, part.count(), round(time.time() - t, 1), 's')\n",
    outcomes=('linear', 'superlinear', 'scale_fail'),
    run=None,
)
