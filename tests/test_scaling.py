"""The scaling ladder on real Spark: quadratic flagged, linear not, scale fails, file fractions."""
import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, UserCodeError
from dcs_engine.inputs.demo.jobs import ALL_PAIRS_JOB, LINEAR_JOB
from dcs_engine.techniques.scale_steps.fractions import parse_fractions
from dcs_engine.techniques.scale_steps.plancheck import exploding_joins, plan_flags

PAIRS = {"kind": "demo", "demo": "pairs", "rows": 40_000, "seed": 42}


def ladder(spark, **params):
    tech = registry.get("scale_steps")
    return registry.run_technique(tech, spark, params)


def test_all_pairs_job_is_flagged_superlinear(spark):
    res = ladder(spark, source=PAIRS, code=ALL_PAIRS_JOB, fractions="0.2, 0.4", repeats=3)
    assert res.outcome == "superlinear", res.to_markdown()
    assert res.exponent > 1.3 and res.method == "sample"
    assert [s.status for s in res.steps] == ["ok", "ok"]
    # rows per step are read from the Sample operator's metrics: exact and seeded
    assert [s.rows for s in res.steps] == [8094, 16072] and all(s.rows_exact for s in res.steps)
    assert all(s.jobs >= 1 and s.tasks >= 2 and s.shuffle_write > 0 for s in res.steps)
    assert ("FlatMapGroupsInPandas" in dict(res.plan_flags)) and "Super-linear" in res.headline
    assert res.predicted_full_s > res.steps[-1].seconds
    assert "| 40% | 16,072 |" in res.to_markdown()


def test_linear_job_is_not_flagged(spark):
    res = ladder(spark, source=PAIRS, code=LINEAR_JOB, fractions="0.1, 0.2, 0.4")
    assert res.outcome == "linear", res.to_markdown()
    assert res.exponent is None or res.exponent < 1.3
    assert res.plan_flags == ()


def test_failing_step_is_a_triaged_scale_fail(spark):
    code = ("from pyspark.sql import functions as F\n"
            "def job(df):\n"
            "    @F.udf('long')\n"
            "    def boom(ts):\n"
            "        raise ValueError('ts out of range: %d' % ts)\n"
            "    return df.select(boom('ts'))\n")
    res = ladder(spark, source={"kind": "demo", "demo": "pairs", "rows": 2000}, code=code, fractions="0.2, 0.5")
    assert res.outcome == "scale_fail" and res.failed_step == 0 and len(res.steps) == 1
    assert res.steps[0].status == "failed" and "ValueError: ts out of range" in res.failure
    assert {"BatchEvalPython", "ArrowEvalPython"} & set(dict(res.plan_flags))  # a Python UDF, either way
    assert res.headline.startswith("Scale fail at step 1 (20% of the data): ")


def test_time_budget_stops_the_ladder(spark):
    res = ladder(spark, source={"kind": "demo", "demo": "pairs", "rows": 2000}, code=LINEAR_JOB,
                 fractions="0.2, 0.5", budget_s=0.001)
    assert res.outcome == "scale_fail" and len(res.steps) == 1 and res.steps[0].status == "over budget"
    assert "over the budget of 0.001 s" in res.failure


def test_file_sources_are_cut_into_whole_files(spark, tmp_path):
    from dcs_engine.inputs.demo import build

    out = str(tmp_path / "pairs.parquet")
    build(spark, "pairs", 5000, 3).repartition(10).write.parquet(out)
    res = ladder(spark, source={"kind": "path", "path": out, "format": "parquet"}, code=LINEAR_JOB,
                 fractions="0.1, 0.5, 1.0")
    assert res.method == "files" and "whole input files" in res.method_note
    counts = [s.rows for s in res.steps]
    assert counts[-1] == 5000 and counts[0] < counts[1] < counts[2] and all(s.rows_exact for s in res.steps)
    assert res.full_rows == 5000  # from the parquet footers, read on the driver
    assert res.steps[-1].input_bytes > res.steps[0].input_bytes > 0
    # a global sort reads its input twice (range bounds, then the sort): rows still count once
    sort = "def sort_all(df):\n    return df.orderBy('ts')\n"
    res_sort = ladder(spark, source={"kind": "path", "path": out, "format": "parquet"}, code=sort,
                      fractions="0.1, 0.5, 1.0")
    assert [s.rows for s in res_sort.steps] == counts
    # forcing sample on the same path works too
    res2 = ladder(spark, source={"kind": "path", "path": out, "format": "parquet"}, code=LINEAR_JOB,
                  fractions="0.5", method="sample")
    assert res2.method == "sample"


def test_cheap_steps_are_measured_twice(spark):
    from dcs_engine.techniques.scale_steps import cheap_steps

    assert cheap_steps([0.2, 0.48, 1.1, 4.0]) == [0, 1]     # up to 12% of the largest step (0.48 s)
    assert cheap_steps([0.4, 1.0, 1.6, 3.0]) == []           # a linear job: no step is cheap enough
    assert cheap_steps([0.1, 4.0]) == []                     # too few steps to fit a fixed part
    # counted above the fixed part every run pays: on a busy machine a 2 s overhead is no work
    assert cheap_steps([2.0, 2.2, 6.0], overhead=1.9) == [0, 1] and cheap_steps([2.0, 2.2, 6.0]) == []
    # a job whose last step is slow (the driver waits 4 s when it sees over 1,000 rows)
    code = ("import time\n"
            "def job(df):\n"
            "    if df.count() > 1000:\n"
            "        time.sleep(4)\n"
            "    return df.limit(1)\n")
    src = {"kind": "demo", "demo": "pairs", "rows": 2000, "seed": 5}
    res = ladder(spark, source=src, code=code, fractions="0.1, 0.2, 1.0")
    assert [s.runs for s in res.steps] == [2, 2, 1], res.to_markdown()
    assert "best of 2 runs" in res.to_markdown()
    assert res.steps[-1].seconds > 4
    # with repeats every step runs that many times, and there is no extra run
    once = ladder(spark, source=src, code=code, fractions="0.1, 0.2, 0.3", repeats=2)
    assert [s.runs for s in once.steps] == [2, 2, 2]


def test_bad_parameters_and_code():
    assert parse_fractions("1%, 10%, 0.2") == (0.01, 0.1, 0.2)
    assert parse_fractions("0.4, 0.1", include_full=True) == (0.1, 0.4, 1.0)
    with pytest.raises(ParameterError) as e:
        parse_fractions("0.1, 2")
    assert e.value.message == ("[DCS101] parameter 'fractions'; expected fractions above 0 and at most 1; found "
                               "'0.1, 2'. Fix: write numbers between 0 and 1, e.g. 0.01, 0.1, 0.2, 0.4")


def test_plan_errors_are_user_code_errors(spark):
    with pytest.raises(UserCodeError) as e:
        ladder(spark, source={"kind": "demo", "demo": "pairs", "rows": 1000}, code="def job(df):\n    return df.select('nope')\n",
               fractions="0.5")
    assert e.value.message.startswith("[DCS104] your function 'job'; expected a function that takes a DataFrame; found ")


def test_plan_checks():
    flags = plan_flags("+- CartesianProduct\n   +- BroadcastNestedLoopJoin BuildRight\n ArrowEvalPython [f(x)]")
    assert [f.operator for f in flags] == ["CartesianProduct", "BroadcastNestedLoopJoin", "ArrowEvalPython"]
    execution = {"nodes": [
        {"nodeId": 0, "nodeName": "SortMergeJoin", "metrics": [{"name": "number of output rows", "value": "8,000,000"}]},
        {"nodeId": 1, "nodeName": "Sort", "metrics": []},
        {"nodeId": 2, "nodeName": "Scan parquet", "metrics": [{"name": "number of output rows", "value": "20,000"}]},
        {"nodeId": 3, "nodeName": "Scan parquet", "metrics": [{"name": "number of output rows", "value": "1,000"}]}],
        "edges": [{"fromId": 1, "toId": 0}, {"fromId": 2, "toId": 1}, {"fromId": 3, "toId": 0}]}
    (j,) = exploding_joins(execution)
    assert (j.operator, j.output_rows, j.input_rows, j.factor) == ("SortMergeJoin", 8_000_000, 20_000, 400.0)
    assert exploding_joins(execution, factor=1000) == ()


def _fake_result():
    import math

    from dcs_engine.techniques.scale_steps import ScaleResult, Step

    steps = tuple(Step(f, int(40_000 * f), True, None, 0.3 + 6.0 * f * f, 2, 3, 100, 100, "ok", True,
                       work_s=0.1 + 6.0 * f * f) for f in (0.1, 0.2, 0.4))
    return ScaleResult("demo", "sample", "note", steps, 0.3, 40_000, 1.3, 2.0, 0.01, 1.9, 2.1, 0.99, 6.3, (), (),
                       None, "", "", "rest", "superlinear", work_method="cpu", work_note="how",
                       fit_fixed_s=0.1, fit_log_coef=math.log(6.0 / 40_000 ** 2))


def test_growth_chart_is_log_log_with_points_and_fit():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from app_pages.results.scale_steps import growth_spec

    spec = growth_spec(_fake_result())
    line, points = spec["layer"]
    assert points["encoding"]["x"]["scale"] == {"type": "log"} and points["encoding"]["y"]["scale"] == {"type": "log"}
    assert [p["rows"] for p in points["data"]["values"]] == [4000, 8000, 16000]
    assert [p["seconds"] for p in points["data"]["values"]] == [0.16, 0.34, 1.06]  # the work, not wall time
    assert line["data"]["values"][0]["series"] == "fit: rows^2.00"
    assert line["data"]["values"][-1]["rows"] == 40_000 and line["data"]["values"][-1]["seconds"] == pytest.approx(6.1)
    assert spec["title"] == "Task CPU time against rows (log-log)"


def test_result_view_renders():
    from streamlit.testing.v1 import AppTest

    def page():
        import sys

        import streamlit as st

        from app_pages.results.scale_steps import render
        from tests.test_scaling import _fake_result

        render(_fake_result())
        st.write("end")

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith("Super-linear: task CPU time grows as rows^2.00")
    (chart,) = at.get("vega_lite_chart")
    assert '"type": "log"' in chart.proto.spec.replace('":"', '": "') and "fit: rows^2.00" in chart.proto.spec
