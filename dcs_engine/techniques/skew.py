"""skew: Check for skew.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='skew',
    title='Check for skew',
    summary=('Count rows per key and per partition: one giant key or partition makes one task do most of the work while the others wait.'),
    snippet="from pyspark.sql import functions as F\ndf.groupBy('client_id').count().orderBy(F.desc('count')).show(10)\nsizes = df.rdd.glom().map(len).collect()\nprint('max', max(sizes), 'median', sorted(sizes)[len(sizes) // 2])\n",
    outcomes=('skewed', 'balanced'),
    run=None,
)
