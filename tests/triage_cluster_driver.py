"""Driver for the triage corpus on the standalone cluster (run in a subprocess by tests/triage_corpus.py).

argv[1] is JSON: {"master": "spark://...", "helper_dir": DIR, "helper": MODULE}.  One application
(one executor, so its log holds all three) makes three real executor-side failures, each announced
on stderr by a ``@@@@ name`` line and followed by its traceback, so the driver log can be cut into
one text per failure:

* missing_module: a UDF imports a module that only the driver has (executors run elsewhere);
* python_memory:  a Python worker allocates past spark.executor.pyspark.memory (a MemoryError);
* jvm_oom:        a JVM-side aggregation outgrows the executor heap (the executor dies).

The last stdout line is JSON with the application id (executor logs are under the workers' dirs).
"""
import json
import sys
import traceback


def main():
    task = json.loads(sys.argv[1])
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = (SparkSession.builder.master(task["master"]).appName("dcs-triage-corpus")
             .config("spark.executor.memory", "512m").config("spark.cores.max", "1")
             .config("spark.executor.pyspark.memory", "200m").config("spark.task.maxFailures", "1")
             .config("spark.pyspark.python", sys.executable).config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .getOrCreate())
    sc = spark.sparkContext
    sys.path.insert(0, task["helper_dir"])
    helper = __import__(task["helper"])

    @F.udf("boolean")
    def pick(v):
        return helper.is_e10s(v)

    def python_memory():
        sc.parallelize(range(2), 1).map(lambda i: len(bytearray(600 << 20))).collect()

    def jvm_oom():
        big = spark.range(0, 60_000_000, 1, 1).groupBy((F.col("id") % 1).alias("k")).agg(F.collect_list("id"))
        big.collect()

    cases = {
        "missing_module": lambda: spark.createDataFrame([("e10s-a",), ("x",)], "v string").select(pick("v")).collect(),
        "python_memory": python_memory,
        "jvm_oom": jvm_oom,
    }
    for name, fn in cases.items():
        sys.stderr.write(f"\n@@@@ {name}\n")
        sys.stderr.flush()
        try:
            fn()
        except Exception:
            traceback.print_exc()
        sys.stderr.flush()
    sys.stderr.write("\n@@@@ end\n")
    print(json.dumps({"app_id": sc.applicationId}))
    spark.stop()


if __name__ == "__main__":
    main()
