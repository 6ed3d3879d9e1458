"""The suite's Spark Connect server really serves a Connect client (no RDD API there)."""
import pytest


@pytest.mark.connect
def test_connect_client_runs_a_query_and_has_no_spark_context(connect_spark):
    assert type(connect_spark).__module__.startswith("pyspark.sql.connect")
    assert connect_spark.range(10).selectExpr("sum(id) AS s").collect()[0]["s"] == 45
    with pytest.raises(Exception):
        connect_spark.sparkContext  # noqa: B018 - Connect has no SparkContext
