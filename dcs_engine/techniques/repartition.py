"""repartition: Repartition on the comparison key.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='repartition',
    title='Repartition on the comparison key',
    summary=('If you compare every row with every row, do it only within a key: repartition on the comparison key so each group is compared on one executor.'),
    snippet="PARTITION_FACTOR = 10\nsize = df.rdd.getNumPartitions() * PARTITION_FACTOR\nby_key = df.repartition(size, 'client_id').sortWithinPartitions('client_id')\nresult = by_key.groupBy('client_id').applyInPandas(compare_within_client, schema)\n",
    outcomes=('faster', 'no_gain'),
    run=None,
)
