"""The suite's Spark Connect server really serves a Connect client (no SparkContext there)."""
import pytest


def _probe(spark):
    kind = type(spark).__module__
    total = spark.range(10).selectExpr("sum(id) AS s").collect()[0]["s"]
    try:
        spark.sparkContext  # noqa: B018 - Connect has no SparkContext
        has_sc = True
    except Exception:
        has_sc = False
    return {"kind": kind, "sum": total, "has_spark_context": has_sc}


@pytest.mark.connect
def test_connect_client_runs_a_query_and_has_no_spark_context(connect_server):
    [(status, value, _)] = connect_server.call([("tests.test_connect_server:_probe", {})])
    assert status == "ok", value
    assert value == {"kind": "pyspark.sql.connect.session", "sum": 45, "has_spark_context": False}
