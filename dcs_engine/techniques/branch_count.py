"""branch_count: Count branches with accumulators.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='branch_count',
    title='Count branches with accumulators',
    summary=('Quantify your mental model of control flow: count how often each branch of your function runs across the whole dataset. The branch you think is rare may be the common one.'),
    snippet="almost_every_time = sc.accumulator(0)\nonce_in_a_blue_moon = sc.accumulator(0)\n\ndef process(row):\n    if row['active_experiment_id'] is not None:\n        almost_every_time.add(1)\n    else:\n        once_in_a_blue_moon.add(1)\n    return row\n\ndf.rdd.map(process).count()          # one action fills the counters\nprint(almost_every_time.value, once_in_a_blue_moon.value)\n",
    outcomes=('surprise', 'as_expected'),
    run=None,
)
