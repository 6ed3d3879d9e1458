"""scale_out: Scale out: distribute the small local sample.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='scale_out',
    title='Scale out: distribute the small local sample',
    summary=('Run your function on a small local sample in the driver, then parallelize that same sample and run the same function on the executors. If the distributed step fails, the framework state differs.'),
    snippet='sample = df.take(10)\nlocal = list(filter(my_local_utilities.is_e10s_experiment, sample))\ntiny_distributed = sc.parallelize(sample)\ndistributed = tiny_distributed.filter(my_local_utilities.is_e10s_experiment).collect()\nassert local == distributed\n',
    outcomes=('same', 'differs', 'failed'),
    run=None,
)
