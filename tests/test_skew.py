"""Skew, repartition, divide-and-conquer and spend on real Spark with seeded data."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, UserCodeError
from dcs_engine.inputs.demo.jobs import MAX_COMBINE, MEAN_OF_TWO
from dcs_engine.techniques.divide_conquer import check_laws


def run(spark, tid, **params):
    tech = registry.get(tid)
    return registry.run_technique(tech, spark, params)


HOT = {"kind": "demo", "demo": "hotkey", "rows": 5000, "seed": 42}


def test_hot_key_is_found(spark):
    res = run(spark, "skew", source=HOT, keys="client_id", top=3, stages="own")
    assert res.outcome == "skewed" and res.key_skew and res.partition_skew
    assert res.total_rows == 5000 and res.distinct_keys == 101
    assert res.top_keys[0][:2] == ("client-hot", 2983)
    assert res.top_keys[0][2] == pytest.approx(2983 / 5000)
    assert sum(res.source_partitions) == 5000 and sum(res.key_partitions) == 5000 and len(res.key_partitions) == 4
    assert res.headline.startswith("Skewed: key 'client-hot' holds 60% of the rows")
    assert "| client-hot | 2,983 | 59.66% |" in res.to_markdown()


def test_balanced_keys(spark):
    res = run(spark, "skew", source={"kind": "demo", "rows": 4000, "seed": 1}, keys="client_id", stages="own")
    assert res.outcome == "balanced" and not res.key_skew and not res.partition_skew, res.to_markdown()
    assert res.distinct_keys > 150 and res.key_ratio < 5
    assert all(not (s.time_skew or s.data_skew) for s in res.stages)


def test_task_skew_thresholds(spark):
    from dcs_engine.runtime.metrics import StageMetrics  # noqa: F401 (the shape stage_skew reads)
    from dcs_engine.techniques.skew import stage_skew

    # our own stages: small tasks never cross a 5 s floor, but do cross a 0 s floor
    spark.range(0, 2000, numPartitions=4).selectExpr("id % 7 as k").groupBy("k").count().collect()
    from dcs_engine.runtime.metrics import app_stage_ids, rest_base

    ids = app_stage_ids(rest_base(spark.sparkContext))[-3:]
    strict = stage_skew(spark.sparkContext, ids, 5.0, 10.0, 5.0, 256.0)
    assert strict and not any(s.time_skew or s.data_skew for s in strict)
    loose = stage_skew(spark.sparkContext, ids, -1.0, 0.0, 0.0, -1.0)
    assert all(s.time_skew for s in loose)


def test_skew_bad_key(spark):
    with pytest.raises(ParameterError) as e:
        run(spark, "skew", source=HOT, keys="nope")
    assert e.value.message.startswith("[DCS101] key column 'nope'; expected one of ping_id, client_id, ts, value")


def test_repartition_recipe_gives_the_same_results(spark):
    res = run(spark, "repartition", source={"kind": "demo", "demo": "hotkey", "rows": 3000, "seed": 5},
              partition_factor=3, salt_buckets=4)
    assert res.identical and res.mismatch == "" and res.outcome in ("faster", "no_gain")
    assert [v.keys for v in res.variants] == [61, 61, 61]
    assert res.variants[1].partitions == res.variants[0].partitions * 3
    assert res.top_key == "client-hot" and sum(res.salted_counts) == res.top_key_rows and len(res.salted_counts) == 4
    assert max(res.salted_counts) < res.top_key_rows / 2
    assert "Salted into 4 sub-keys" in res.to_markdown()


def test_repartition_bad_key(spark):
    with pytest.raises(ParameterError) as e:
        run(spark, "repartition", source=HOT, key="clientid")
    assert e.value.message == ("[DCS101] key column 'clientid'; expected one of ping_id, client_id, ts, value; "
                               "found 'clientid'. Fix: name the column you compare rows within")


def test_divide_and_conquer(spark):
    res = run(spark, "divide_conquer", source=HOT, column="value", code=MEAN_OF_TWO, trials=50)
    assert res.outcome == "not_associative" and res.assoc_failures > 0 and res.comm_failures == 0
    c = res.counterexamples[0]
    a, b, x = c.values
    assert c.law == "associative" and c.left == ((a + b) / 2 + x) / 2 and c.right == (a + (b + x) / 2) / 2
    res = run(spark, "divide_conquer", source=HOT, column="value", code=MAX_COMBINE, trials=50)
    assert res.outcome == "associative" and res.assoc_failures == 0 and res.counterexamples == ()
    assert "associative and commutative" in res.headline


def test_laws_in_pure_python():
    assert check_laws(lambda a, b: a - b, [1, 2, 3, 5], trials=20, seed=1)[0] > 0
    assert check_laws(lambda a, b: a + b, [0.1, 0.2, 0.3], trials=50)[:2] == (0, 0)  # within tolerance
    assert check_laws(lambda a, b: a + b, [0.1, 0.2, 0.3], trials=50, rel_tol=0.0)[0] > 0  # float rounding
    assert check_laws(lambda a, b: a + [b], [[1], [2]], trials=5, commutative=False)[0] == 5
    with pytest.raises(UserCodeError) as e:
        check_laws(lambda a, b: a + b, ["x", 1], trials=30, seed=3)
    assert e.value.message.startswith("[DCS104] your function 'combine'; expected a combine(a, b) that accepts two")


def test_spend(spark, tmp_path):
    res = run(spark, "spend", source={"kind": "demo", "rows": 1000})
    assert res.outcome == "adequate" and res.cores == 2 and res.executors == 1 and res.input_bytes > 0
    out = str(tmp_path / "t.parquet")
    spark.range(0, 50_000).selectExpr("id", "cast(id as string) s").coalesce(1).write.parquet(out)
    res = run(spark, "spend", source={"kind": "path", "path": out, "format": "parquet"}, max_gb_per_core=1e-5)
    assert res.outcome == "under_provisioned" and res.input_size_from == "sum of 1 file sizes"
    assert res.input_partitions == 1 and any("Only 1 input partition(s) for 2 cores" in s for s in res.suggestions)
    assert res.headline.startswith("Under-provisioned: ")
