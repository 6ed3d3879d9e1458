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


def test_all_pairs_job_is_flagged_superlinear_on_task_cpu_time(spark):
    res = ladder(spark, source=PAIRS, code=ALL_PAIRS_JOB, fractions="0.1, 0.2, 0.4")
    assert res.outcome == "superlinear", res.to_markdown()
    assert res.exponent > 1.3 and res.method == "sample"
    assert [s.status for s in res.steps] == ["ok", "ok", "ok"]
    # rows per step are read from the Sample operator's metrics: exact and seeded
    assert [s.rows for s in res.steps] == [4008, 8094, 16072] and all(s.rows_exact for s in res.steps)
    assert all(s.jobs >= 1 and s.tasks >= 2 and s.shuffle_write > 0 for s in res.steps)
    assert ("FlatMapGroupsInPandas" in dict(res.plan_flags)) and "Super-linear: task CPU time grows" in res.headline
    assert res.predicted_full_s > res.steps[-1].seconds
    assert "| 40% | 16,072 |" in res.to_markdown()
    # the work is task CPU time: the JVM tasks' (Spark's metrics) plus the Python workers' (/proc): the pairs
    # are counted in Python, where Spark's task CPU time does not look
    assert res.work_method == "cpu" and "read from /proc on this machine" in res.work_note
    for s in res.steps:
        assert s.work_s == pytest.approx(s.cpu_jvm_s + s.cpu_python_s) and s.cpu_python_s > 0
    # the pairs grow with the square of the rows: by the largest step Python does most of the work (at the
    # smallest, its ~0.1 s may be on a par with the JVM's scan and shuffle)
    assert res.steps[-1].cpu_python_s > res.steps[-1].cpu_jvm_s
    assert res.steps[-1].cpu_python_s > 2 * res.steps[-2].cpu_python_s  # quadratic: about 4x per doubling
    # where the Python time goes: Spark's UDF profiler, on one extra run of a small step
    prof = res.udf_profile
    assert prof.mode == "perf" and prof.step.startswith("the 10% step")
    mine = [p for p in prof.lines if p.user_code]
    assert [p.function for p in mine] == ["per_client"] and mine[0].where == "<pasted>:6"
    assert "spark.sql.pyspark.udf.profiler=perf" in prof.note and "| per_client | <pasted>:6 |" in res.to_markdown()


def test_linear_job_is_not_flagged(spark):
    res = ladder(spark, source=PAIRS, code=LINEAR_JOB, fractions="0.1, 0.2, 0.4")
    assert res.outcome == "linear", res.to_markdown()
    assert res.exponent is None or res.exponent < 1.3
    assert res.plan_flags == () and res.udf_profile is None  # no Python in the plan: nothing to profile


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


CHEAP_STEPS_JOB = ("import time\n"
                   "def job(df):\n"
                   "    if df.count() > 1000:\n"
                   "        time.sleep(4)\n"
                   "    return df.limit(1)\n")


def test_cheap_steps_are_measured_twice_unless_the_work_is_cpu_time(spark):
    from dcs_engine.techniques.scale_steps import cheap_steps

    assert cheap_steps([0.2, 0.48, 1.1, 4.0]) == [0, 1]     # up to 12% of the largest step (0.48 s)
    assert cheap_steps([0.4, 1.0, 1.6, 3.0]) == []           # a linear job: no step is cheap enough
    assert cheap_steps([0.1, 4.0]) == []                     # too few steps to fit a fixed part
    # counted above the fixed part every run pays: on a busy machine a 2 s overhead is no work
    assert cheap_steps([2.0, 2.2, 6.0], overhead=1.9) == [0, 1] and cheap_steps([2.0, 2.2, 6.0]) == []
    # a job whose last step is slow (the driver waits 4 s when it sees over 1,000 rows); here the work is
    # task CPU time, which a hiccup does not inflate: no step runs twice (tests/test_perf_kinds.py checks
    # the second runs where only wall time is known)
    src = {"kind": "demo", "demo": "pairs", "rows": 2000, "seed": 5}
    res = ladder(spark, source=src, code=CHEAP_STEPS_JOB, fractions="0.1, 0.2, 1.0")
    assert [s.runs for s in res.steps] == [1, 1, 1] and res.work_method == "cpu", res.to_markdown()
    assert res.steps[-1].rows == 2000  # over 1,000 rows: the step whose driver waited
    # with repeats every step runs that many times
    once = ladder(spark, source=src, code=CHEAP_STEPS_JOB, fractions="0.1, 0.2, 0.3", repeats=2)
    assert [s.runs for s in once.steps] == [2, 2, 2] and "best of 2 runs" in once.to_markdown()


def test_a_cancel_stops_the_ladder(spark):
    import threading

    from dcs_engine.errors import JobCancelled
    from dcs_engine.runtime.context import context_for

    code = ("import time\n"
            "def job(df):\n"
            "    def slow(batches):\n"
            "        time.sleep(1.5)\n"
            "        yield from batches\n"
            "    return df.mapInPandas(slow, df.schema)\n")
    ctx = context_for(spark, label="ladder to cancel")
    threading.Timer(3.0, ctx.cancel).start()
    with pytest.raises(JobCancelled) as e:  # not a "scale fail": the user stopped it
        registry.run_technique("scale_steps", ctx, {"source": {**PAIRS, "rows": 2000}, "code": code,
                                                     "fractions": "0.2, 0.5, 1.0", "udf_profile": "off"})
    assert e.value.condition == "RUN_CANCELLED"


def test_udf_profile_lines_from_a_real_cprofile_dump(tmp_path):
    import cProfile
    import time

    from dcs_engine.techniques.scale_steps.udfprofile import perf_lines

    src = tmp_path / "user_mod.py"
    src.write_text("def pairs(n):\n    return sum(abs(i - j) for i in range(n) for j in range(n))\n")
    ns = {}
    exec(compile(src.read_text(), str(src), "exec"), ns)
    prof = cProfile.Profile(time.process_time)  # CPU time: a preempted call on a busy machine is not inflated
    prof.runcall(ns["pairs"], 300)
    prof.dump_stats(str(tmp_path / "udf_1_perf.pstats"))
    lines = perf_lines([str(tmp_path / "udf_1_perf.pstats")], (str(src),))
    assert lines[0].own_s >= lines[-1].own_s and any(p.function == "<genexpr>" and p.user_code for p in lines)
    assert {p.function for p in lines if p.user_code} <= {"pairs", "<genexpr>"}
    assert any(p.where == "built-in" and "abs" in p.function and not p.user_code for p in lines)


def test_python_worker_cpu_is_read_from_proc_both_ways(spark):
    from dcs_engine.runtime.context import context_for
    from dcs_engine.runtime.python_cpu import PythonCpu, delta

    def burn(batches):  # 0.4 s of CPU in every task, whatever the machine's load
        import time

        start = time.process_time()
        while time.process_time() - start < 0.4:
            pass
        yield from batches

    ctx = context_for(spark)
    df = spark.range(0, 100, 1, 2)
    for cpu in (PythonCpu(ctx, 2), PythonCpu(ctx, 2, probe=True)):
        before = cpu.snapshot()
        df.mapInArrow(burn, df.schema).collect()
        after = cpu.snapshot()
        used = delta(before, after)
        assert before.ok and after.ok and used is not None and 0.8 <= used < 10, (cpu.method, used)
    assert "probe task" in cpu.method


def test_a_worker_that_exits_between_readings_does_not_take_its_past_cpu_off_the_step(spark):
    """The daemon ignores SIGCHLD, so an exited worker's CPU vanishes from /proc: a reading that summed
    the tree would drop by all the worker had ever spent (issue 15: an all-pairs ladder read as linear)."""
    from dcs_engine.runtime.context import context_for
    from dcs_engine.runtime.python_cpu import CpuSnapshot, PythonCpu, delta, exited

    def burn(batches):  # 0.4 s of CPU in the task
        import time

        start = time.process_time()
        while time.process_time() - start < 0.4:
            pass
        yield from batches

    def stall(batches):  # one batch, then a wait: the task ends before the worker does
        import time

        for b in batches:
            yield b
            time.sleep(3)

    ctx = context_for(spark)
    df = spark.range(0, 100, 1, 1)
    cpu = PythonCpu(ctx, 2)
    df.mapInArrow(burn, df.schema).collect()  # a worker now carries >= 0.4 s of CPU
    before = cpu.snapshot()
    df.mapInArrow(stall, df.schema).limit(1).collect()  # Spark stops the worker it took for this
    df.mapInArrow(burn, df.schema).collect()  # the step's work, on a worker started for it
    after = cpu.snapshot()
    used = delta(before, after)
    assert exited(before, after) >= 1, (before.seconds, after.seconds)
    assert used is not None and 0.35 <= used < 10, (used, before.seconds, after.seconds)
    total = [sum(sum(p.values()) for p in snap.seconds.values()) for snap in (before, after)]
    tree_total = total[1] - total[0]
    assert tree_total < used - 0.3  # what one total of the tree would have read: the exited worker's past off
    # the same by hand: a process gone counts nothing, a new one from zero, the rest their growth
    b = CpuSnapshot({"h/1": {"1:5": 3.0, "2:6": 1.0, "reaped": 0.5}})
    a = CpuSnapshot({"h/1": {"2:6": 1.5, "3:9": 0.25, "reaped": 0.5}})
    assert delta(b, a) == 0.75 and exited(b, a) == 1
    assert delta(b, CpuSnapshot({"h/2": {"2:6": 9.0}})) is None  # another executor: not comparable


def test_bad_parameters_and_code():
    assert parse_fractions("1%, 10%, 0.2") == (0.01, 0.1, 0.2)
    assert parse_fractions("0.4, 0.1", include_full=True) == (0.1, 0.4, 1.0)
    with pytest.raises(ParameterError) as e:
        parse_fractions("0.1, 2")
    assert e.value.message == ("[DCS101] parameter 'fractions'; expected fractions above 0 and at most 1; found "
                               "'0.1, 2'. Fix: write numbers between 0 and 1, e.g. 0.01, 0.1, 0.2, 0.4")
    assert e.value.condition == "PARAM_OUT_OF_RANGE" and e.value.params["param"] == "fractions"
    with pytest.raises(ParameterError) as e:
        parse_fractions("ten percent")
    assert e.value.condition == "PARAM_INVALID" and dict(e.value.params) == {
        "param": "fractions", "found": "ten percent", "kind": "fractions"}


def test_plan_errors_are_user_code_errors(spark):
    with pytest.raises(UserCodeError) as e:
        ladder(spark, source={"kind": "demo", "demo": "pairs", "rows": 1000},
               code="def job(df):\n    return df.select('nope')\n", fractions="0.5")
    assert e.value.message.startswith("[DCS104] your function 'job'; expected a function that takes a DataFrame; "
                                      "found ")


def test_plan_checks():
    flags = plan_flags("+- CartesianProduct\n   +- BroadcastNestedLoopJoin BuildRight\n ArrowEvalPython [f(x)]")
    assert [f.operator for f in flags] == ["CartesianProduct", "BroadcastNestedLoopJoin", "ArrowEvalPython"]
    execution = {"nodes": [
        {"nodeId": 0, "nodeName": "SortMergeJoin",
         "metrics": [{"name": "number of output rows", "value": "8,000,000"}]},
        {"nodeId": 1, "nodeName": "Sort", "metrics": []},
        {"nodeId": 2, "nodeName": "Scan parquet", "metrics": [{"name": "number of output rows", "value": "20,000"}]},
        {"nodeId": 3, "nodeName": "Scan parquet", "metrics": [{"name": "number of output rows", "value": "1,000"}]}],
        "edges": [{"fromId": 1, "toId": 0}, {"fromId": 2, "toId": 1}, {"fromId": 3, "toId": 0}]}
    (j,) = exploding_joins(execution)
    assert (j.operator, j.output_rows, j.input_rows, j.factor) == ("SortMergeJoin", 8_000_000, 20_000, 400.0)
    assert exploding_joins(execution, factor=1000) == ()


def _fake_result():
    import math

    from dcs_engine.techniques.scale_steps import ScaleResult, Step, UdfProfile
    from dcs_engine.techniques.scale_steps.result import ProfileLine

    profile = UdfProfile("perf", "the 10% step (4,000 rows)",
                         (ProfileLine("per_client", "<pasted>:6", 4, 1.2, 1.5, True),
                          ProfileLine("<built-in method builtins.abs>", "built-in", 2_000_000, 0.3, 0.3, False)),
                         "", "one extra run")
    steps = tuple(Step(f, int(40_000 * f), True, None, 0.3 + 6.0 * f * f, 2, 3, 100, 100, "ok", True,
                       work_s=0.1 + 6.0 * f * f) for f in (0.1, 0.2, 0.4))
    return ScaleResult("demo", "sample", "note", steps, 0.3, 40_000, 1.3, 2.0, 0.01, 1.9, 2.1, 0.99, 6.3, (), (),
                       None, "", "", "rest", "superlinear", work_method="cpu", work_note="how",
                       fit_fixed_s=0.1, fit_log_coef=math.log(6.0 / 40_000 ** 2), udf_profile=profile)


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
    assert any("Where the Python time goes" in m.value for m in at.markdown)
    assert any("per_client" in str(d.value) for d in at.dataframe)
