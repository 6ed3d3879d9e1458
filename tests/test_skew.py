"""Skew, repartition, divide-and-conquer and spend on the local session with seeded data; the counts
are checked against pandas on the same rows."""
import math

import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError, UserCodeError
from dcs_engine.inputs.demo.jobs import MAX_COMBINE, MEAN_OF_TWO
from dcs_engine.techniques.divide_conquer import check_laws


def run(spark, tid, **params):
    return registry.run_technique(tid, spark, params)


HOT = {"kind": "demo", "demo": "hotkey", "rows": 5000, "seed": 42}


def _pandas_counts(spark, source, key):
    from dcs_engine.inputs.sources import SourceSpec, load

    return load(spark, SourceSpec.from_dict(source)).toPandas()[key].value_counts(dropna=False)


def test_hot_key_top_and_rarest_keys_and_histogram(spark):
    res = run(spark, "skew", source=HOT, keys="client_id", top=3)
    assert res.outcome == "skewed" and res.key_skew and res.partition_skew
    counts = _pandas_counts(spark, HOT, "client_id")
    assert res.total_rows == 5000 and res.distinct_keys == len(counts) == 101
    assert res.top_keys[0][:2] == ("client-hot", 2983) == (counts.index[0], int(counts.iloc[0]))
    assert res.top_keys[0][2] == pytest.approx(2983 / 5000)
    # the rarest keys, fewest rows first (ties by key), exactly as pandas counts them
    rare = sorted(((int(n), k) for k, n in counts.items()))[:3]
    assert [(k, n) for k, n, _ in res.bottom_keys] == [(k, n) for n, k in rare]
    # one bin per power of two: every key and every row lands in exactly one
    bins = {}
    for n in counts:
        b = int(math.floor(math.log2(n)))
        bins.setdefault(b, [0, 0])
        bins[b][0] += 1
        bins[b][1] += int(n)
    assert res.histogram == tuple((2 ** b, 2 ** (b + 1) - 1, k, r) for b, (k, r) in sorted(bins.items()))
    assert sum(k for _, _, k, _ in res.histogram) == 101 and sum(r for *_, r in res.histogram) == 5000
    assert sum(res.source_partitions) == 5000 and sum(res.key_partitions) == 5000 and len(res.key_partitions) == 4
    assert res.partitions_counted == "every partition (df.rdd.getNumPartitions)"
    assert res.headline.startswith("Skewed: key 'client-hot' holds 60% of the rows")
    md = res.to_markdown()
    assert "| client-hot | 2,983 | 59.66% |" in md and "Rarest keys" in md


def test_task_skew_reads_only_this_checks_stages(spark):
    from dcs_engine.runtime.context import context_for

    # an earlier, unrelated job: its stages must not show up in the check's task skew
    ctx = context_for(spark)
    with ctx.scope():
        spark.range(0, 4000, numPartitions=4).selectExpr("id % 7 as k").groupBy("k").count().collect()
    earlier = {s.stage_id for s in ctx.metrics({0: ctx.tag})[0].stages}
    res = run(spark, "skew", source={"kind": "demo", "rows": 4000, "seed": 1}, keys="client_id")
    assert res.outcome == "balanced" and not res.key_skew and not res.partition_skew, res.to_markdown()
    assert res.distinct_keys > 150 and res.key_ratio < 5
    assert res.task_check == "" and res.metrics_source == "rest" and res.stages
    assert earlier and not earlier & {s.stage_id for s in res.stages}
    assert min(s.stage_id for s in res.stages) > max(earlier)
    assert all(not (s.time_skew or s.data_skew) for s in res.stages)
    assert res.stage_scope.endswith("this check ran, read by its job tag")
    assert "no stage of this check has a straggler task" in res.headline


def test_task_skew_thresholds(spark):
    from dcs_engine.runtime.context import context_for
    from dcs_engine.techniques.skew import stage_skew

    ctx = context_for(spark)
    with ctx.scope():
        spark.range(0, 2000, numPartitions=4).selectExpr("id % 7 as k").groupBy("k").count().collect()
    m = ctx.metrics({0: ctx.tag}, with_tasks=True)[0]
    strict, unread = stage_skew(m.stages, 5.0, 10.0, 5.0, 256.0)
    assert strict and unread == () and not any(s.time_skew or s.data_skew for s in strict)
    loose, _ = stage_skew(m.stages, -1.0, 0.0, 0.0, -1.0)
    assert all(s.time_skew for s in loose)


def test_skew_bad_key_is_refused_before_any_job(spark):
    with pytest.raises(SourceError) as e:
        run(spark, "skew", source=HOT, keys="client_id, nope")
    assert e.value.condition == "COLUMN_NOT_FOUND"
    assert dict(e.value.params) == {"param": "keys", "column": "nope", "available": ["ping_id", "client_id", "ts",
                                                                                      "value"]}
    with pytest.raises(ParameterError) as e:
        run(spark, "skew", source=HOT, keys=" ")
    assert e.value.condition == "PARAM_MISSING" and e.value.params["param"] == "keys"


def test_repartition_recipe_gives_the_same_results(spark):
    res = run(spark, "repartition", source={"kind": "demo", "demo": "hotkey", "rows": 3000, "seed": 5},
              partition_factor=3, salt_buckets=4)
    assert res.identical and res.mismatch == "" and res.outcome in ("faster", "no_gain")
    assert [v.keys for v in res.variants] == [61, 61, 61] and res.kind == "classic" and res.note == ""
    assert res.variants[1].name == "repartitionAndSortWithinPartitions, then group"
    assert res.variants[1].partitions == res.variants[0].partitions * 3
    assert res.top_key == "client-hot" and sum(res.salted_counts) == res.top_key_rows and len(res.salted_counts) == 4
    assert max(res.salted_counts) < res.top_key_rows / 2
    assert "Salted into 4 sub-keys" in res.to_markdown()
    assert res.shipped == "pasted code: it travels by value inside each task"


def test_repartition_bad_key(spark):
    with pytest.raises(SourceError) as e:
        run(spark, "repartition", source=HOT, key="clientid")
    assert e.value.condition == "COLUMN_NOT_FOUND" and e.value.params["column"] == "clientid"
    assert e.value.message == ("[DCS102] parameter 'key' column 'clientid'; expected one of ping_id, client_id, ts, "
                               "value; found 'clientid'. Fix: pick a column of the data source for 'key'")


def test_divide_and_conquer(spark):
    res = run(spark, "divide_conquer", source=HOT, column="value", code=MEAN_OF_TWO, trials=50)
    assert res.outcome == "not_associative" and res.assoc_failures > 0 and res.comm_failures == 0
    c = res.counterexamples[0]
    a, b, x = c.values
    assert c.law == "associative" and c.left == ((a + b) / 2 + x) / 2 and c.right == (a + (b + x) / 2) / 2
    res = run(spark, "divide_conquer", source=HOT, column="value", code=MAX_COMBINE, trials=50)
    assert res.outcome == "associative" and res.assoc_failures == 0 and res.counterexamples == ()
    assert "associative and commutative" in res.headline
    with pytest.raises(ParameterError) as e:
        run(spark, "divide_conquer", source={**HOT, "where": "client_id = 'client-hot' and ping_id < 0"},
            column="value", code=MAX_COMBINE)
    assert e.value.condition == "TOO_FEW_VALUES" and e.value.params["values"] == 0


def test_laws_in_pure_python():
    assert check_laws(lambda a, b: a - b, [1, 2, 3, 5], trials=20, seed=1)[0] > 0
    assert check_laws(lambda a, b: a + b, [0.1, 0.2, 0.3], trials=50)[:2] == (0, 0)  # within tolerance
    assert check_laws(lambda a, b: a + b, [0.1, 0.2, 0.3], trials=50, rel_tol=0.0)[0] > 0  # float rounding
    assert check_laws(lambda a, b: a + [b], [[1], [2]], trials=5, commutative=False)[0] == 5
    with pytest.raises(UserCodeError) as e:
        check_laws(lambda a, b: a + b, ["x", 1], trials=30, seed=3)
    assert e.value.message.startswith("[DCS104] your function 'combine'; expected a combine(a, b) that accepts two")
    assert e.value.condition == "USER_CODE_FAILED" and e.value.params["error"] == "TypeError"


def test_spend(spark, tmp_path):
    res = run(spark, "spend", source={"kind": "demo", "rows": 1000})
    assert res.outcome == "adequate" and res.cores == 2 and res.executors == 1 and res.input_bytes > 0
    assert res.partitions_from == "df.rdd.getNumPartitions()" and res.resources_from.startswith("local mode")
    out = str(tmp_path / "t.parquet")
    spark.range(0, 50_000).selectExpr("id", "cast(id as string) s").coalesce(1).write.parquet(out)
    res = run(spark, "spend", source={"kind": "path", "path": out, "format": "parquet"}, max_gb_per_core=1e-5)
    assert res.outcome == "under_provisioned" and res.input_size_from == "sum of 1 file sizes"
    assert res.input_partitions == 1 and any("Only 1 input partition(s) for 2 cores" in s for s in res.suggestions)
    assert res.headline.startswith("Under-provisioned: ")


def test_spend_with_an_unknown_input_size_says_unknown(spark):
    import dcs_engine as dcs

    # a DataFrame over an RDD: no input files, and the optimizer has no size for it (it says 8 EiB)
    rdd = spark.sparkContext.parallelize([(i, str(i)) for i in range(200)], 2)
    df = spark.createDataFrame(rdd, "id long, s string")
    res = dcs.run("spend", df)
    assert res.input_bytes is None and res.input_size_from == "unknown"
    assert res.outcome == "unknown" and res.headline.startswith("Unknown: unknown size on 2 core(s)"), res.headline
    assert any(t.startswith("The input size is unknown") for t in res.suggestions)
    assert not any(t.startswith("Resources fit the input") for t in res.suggestions)


def test_skew_chart_is_log_scaled_from_the_result_data():
    from app_pages.results.skew import histogram_spec
    from dcs_engine.techniques.skew import SkewResult

    res = SkewResult("demo", ("k",), 12, 4, (("a", 8, 8 / 12),), 1.0, 8.0, True, (12,), (8, 4), 2.0, False, (),
                     "", "", "skewed", bottom_keys=(("b", 1, 1 / 12),), histogram=((1, 1, 3, 3), (8, 15, 1, 8)))
    spec = histogram_spec(res)
    assert spec["encoding"]["y"]["scale"] == {"type": "log"}
    assert [(v["rows per key"], v["keys"]) for v in spec["data"]["values"]] == [("1", 3), ("8–15", 1)]
    assert res.single_row_keys == 3


def _skew_page():
    import streamlit as st

    from app_pages.results.skew import render
    from dcs_engine.techniques.skew import SkewResult

    render(SkewResult("demo", ("k",), 12, 4, (("a", 8, 8 / 12),), 1.0, 8.0, True, (12,), (8, 4), 2.0, False, (),
                      "", "", "skewed", bottom_keys=(("b", 1, 1 / 12),), histogram=((1, 1, 3, 3), (8, 15, 1, 8)),
                      task_check="the REST API listed none of this check's stages"))
    # balanced counts, unread task metrics: shown as unknown, never as a success
    render(SkewResult("demo", ("k",), 12, 3, (("a", 4, 4 / 12),), 4.0, 1.0, False, (12,), (6, 6), 1.0, False, (),
                      "", "", "unknown", bottom_keys=(("c", 4, 4 / 12),), histogram=((4, 7, 3, 12),),
                      task_check="Spark gave no task metrics for this check's jobs (no jobs found)"))
    st.write("end")


def test_skew_view_draws_the_histogram_and_says_when_task_skew_is_unknown():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_skew_page, default_timeout=60).run()
    assert not at.exception
    chart = [c for c in at.get("vega_lite_chart") if "Rows per k (log scale)" in c.proto.spec][0]
    import json

    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["y"]["scale"] == {"type": "log"} and "8–15" in json.dumps(spec, ensure_ascii=False)
    assert any(w.value.startswith("Task skew unknown: the REST API listed none") for w in at.warning)
    assert [i.value[:45] for i in at.info] == ["Unknown: keys and partitions look balanced (t"] and not at.success
