"""Capture real PySpark 3.5 failure texts once, as triage fixtures (the old Py4JJavaError formats).

Run with a pyspark 3.5 interpreter (CI never needs it; the texts are committed):

    /work/venv35/bin/python scripts/capture_spark35.py            # writes tests/fixtures/tracebacks/spark35/
    /work/venv35/bin/python scripts/capture_spark35.py --out DIR

Two kinds of text: the traceback a user sees for a failure raised in the driver
(``traceback.format_exc()``, the Py4JJavaError or captured exception with its JVM
chain), and whole driver logs (stderr of a child driver: log4j lines, executor errors
and the final traceback) for failures that need settings fixed at start-up.  What each
text must triage to is stated in tests/triage_cases.yaml, not here.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "tracebacks" / "spark35"


def _session(*confs):
    from pyspark.sql import SparkSession

    b = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
    for k, v in confs:
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def _in_process_cases(spark):
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    lock = threading.Lock()

    @F.udf("int")
    def to_int(s):
        return int(s)

    def scale(batches):
        for pdf in batches:
            pdf["v"] = pdf["id"] * pdf.attrs["factor"]
            yield pdf

    def ansi_cast():
        spark.conf.set("spark.sql.ansi.enabled", "true")
        try:
            spark.sql("select cast('n/a' as int)").collect()
        finally:
            spark.conf.set("spark.sql.ansi.enabled", "false")

    return {
        "rdd_zero_division": lambda: sc.parallelize([1, 0], 1).map(lambda x: 10 / x).collect(),
        "udf_value_error": lambda: spark.createDataFrame([("1",), ("n/a",)], "s string").select(to_int("s")).collect(),
        "unresolved_column": lambda: spark.range(3).select("nope"),
        "table_not_found": lambda: spark.table("no_such_table_for_triage"),
        "ansi_cast_invalid": ansi_cast,
        "pickling_lock": lambda: sc.parallelize([1, 2], 1).map(lambda x: (x, lock)).collect(),
        "map_in_pandas": lambda: spark.range(4).selectExpr("id", "0L as v").mapInPandas(
            scale, "id long, v long").collect(),
        "pandas_udf_arrow_skew": lambda: spark.range(3).select(F.pandas_udf(lambda s: s + 1, "long")("id")).collect(),
    }


def capture_in_process(out: Path) -> list[str]:
    spark = _session()
    written = []
    for name, fn in _in_process_cases(spark).items():
        try:
            fn()
        except Exception:
            (out / f"{name}.txt").write_text(traceback.format_exc())
            written.append(name)
    sc = spark.sparkContext
    spark.stop()
    try:  # a stopped context used again
        sc.parallelize([1, 2]).count()
    except Exception:
        (out / "stopped_context_reused.txt").write_text(traceback.format_exc())
        written.append("stopped_context_reused")
    return written


CHILDREN = {
    # name: (settings fixed at start-up, the failing code)
    "driverlog_max_result_size": ((("spark.driver.maxResultSize", "1m"),),
                                  "sc.parallelize(range(4), 4).map(lambda i: b'x' * (600 * 1024)).collect()"),
    "driverlog_worker_crash": ((), "import os\nsc.parallelize([1], 1).map(lambda x: os._exit(3)).collect()"),
    "driverlog_deep_plan": ((("spark.driver.extraJavaOptions", "-Xss200k"),),
                            "from pyspark.sql import functions as F\n"
                            "df = spark.range(3).withColumn('c', F.col('id'))\n"
                            "for i in range(3000):\n"
                            "    df = df.filter(F.col('c') > -1).withColumn('c', F.col('c') + 1)\n"),
}


def child(name: str) -> None:
    confs, code = CHILDREN[name]
    spark = _session(*confs)
    sc = spark.sparkContext  # noqa: F841 - used by the code
    exec(compile(code, f"{name}.py", "exec"), {"spark": spark, "sc": sc})


def capture_children(out: Path) -> list[str]:
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
               SPARK_LOCAL_IP="127.0.0.1", PYTHONUNBUFFERED="1")
    written = []
    for name in CHILDREN:
        proc = subprocess.run([sys.executable, __file__, "--child", name], env=env, capture_output=True,
                              text=True, timeout=300, cwd=out)
        if proc.returncode != 0:
            (out / f"{name}.txt").write_text(proc.stderr)
            written.append(name)
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    import pyspark

    if not pyspark.__version__.startswith("3.5"):
        sys.exit(f"run this with a pyspark 3.5 interpreter (found pyspark {pyspark.__version__})")
    os.environ.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = capture_in_process(out) + capture_children(out)
    (out / "VERSION").write_text(f"pyspark {pyspark.__version__}, Python {sys.version.split()[0]}\n")
    print(f"wrote {len(names)} texts to {out}: {', '.join(names)}")


if __name__ == "__main__":
    main()
