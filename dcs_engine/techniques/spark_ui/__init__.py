"""spark_ui: Lighten the load and check the toolchain edges.

Declared here so the runbook can reference it; the app offers the snippet
until the engine function lands (``run`` is None).
"""
from dcs_engine.contract import Technique

TECHNIQUE = Technique(
    id='spark_ui',
    title='Lighten the load and check the toolchain edges',
    summary=('Toolchain panics usually mean load beyond what the toolchain handles. Open the Spark UI (stages, '
             'executors, storage), look for failed or lost executors and huge tasks, then lighten the load: '
             'sample, repartition, or give more memory.'),
    snippet=("print(spark.sparkContext.uiWebUrl)        # stages, executors, SQL tabs\n"
             "spark.conf.set('spark.sql.shuffle.partitions', 400)\n"
             "df.sample(fraction=0.1, seed=1).write.parquet('/tmp/lighter')\n"),
    outcomes=(),
    run=None,
)
