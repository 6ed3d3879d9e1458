"""spend: Spend: resources against data.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from ..registry import Technique

TECHNIQUE = Technique(
    id='spend',
    title='Spend: resources against data',
    summary=('Heavy load is a high ratio of data to computing resources. Look at executors, cores, memory and partitions against the input size, and decide: more partitions, more executors, or less data.'),
    snippet="sc = spark.sparkContext\nprint('default parallelism', sc.defaultParallelism)\nprint('executors', sc._jsc.sc().getExecutorMemoryStatus().size())\nprint('partitions', df.rdd.getNumPartitions())\nprint(spark.conf.get('spark.executor.memory', 'default'))\n",
    outcomes=('under_provisioned', 'adequate'),
    run=None,
)
