"""branch_count on real Spark: the sessionisation demo, counted exactly against plain-Python expectations."""
from collections import defaultdict

import pytest

from dcs_engine import registry
from dcs_engine.errors import ParameterError, SourceError
from dcs_engine.inputs.demo import build
from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo
from dcs_engine.inputs.usercode import from_code
from dcs_engine.runtime.context import context_for
from dcs_engine.techniques.branch_count import counting
from dcs_engine.techniques.branch_count.instrument import instrument

ROWS, SEED = 2000, 42
SOURCE = {"kind": "demo", "demo": "pings", "rows": ROWS, "seed": SEED}


def run_bc(spark, **params):
    tech = registry.get("branch_count")
    return registry.run_technique(tech, spark, params)


def run_grouped(spark, **params):
    """The sessionisation demo: to_sessions gets (client_id, [pings]) per client."""
    return run_bc(spark, source=SOURCE, group_by="client_id", **params)


def line_of(text):
    return next(i for i, t in enumerate(demo.SOURCE.splitlines(), 1) if text in t)


@pytest.fixture(scope="module")
def expected(spark):
    """Hand-computed counts from the generated pings, independent of the instrumenter."""
    clients = defaultdict(list)
    for r in build(spark, "pings", ROWS, SEED).collect():
        info = r["payload"]["info"]
        clients[r["client_id"]].append((info.asDict() if info else None, r["document_id"]))
    e = defaultdict(int)
    e["calls"] = len(clients)
    for pings in clients.values():
        e["counter_calls"] += len(pings)
        e["null_info"] += sum(1 for info, _ in pings if info is None)
        if len(pings) == 1:
            e["single"] += 1
            continue
        e["iterations"] += len(pings) - 1
        if any(info is None for info, _ in pings):
            e["bad"] += len(pings) - 1            # the info-less ping sorts first; every later one fails
            continue
        ordered = sorted(pings, key=lambda p: (p[0]["profileSubsessionCounter"], p[1]))
        for (a, _), (b, _) in zip(ordered, ordered[1:]):
            e["counter_breaks"] += a["profileSubsessionCounter"] + 1 != b["profileSubsessionCounter"]
            e["subsession_breaks"] += a["subsessionId"] != b["previousSubsessionId"]
            e["same_session"] += a["sessionId"] == b["sessionId"]
            e["new_session"] += a["sessionId"] != b["sessionId"]
    return dict(e)


def test_sessionisation_counts_are_exact_and_the_rare_branch_is_common(spark, expected):
    res = run_grouped(spark)
    hits = {lc.line: lc.hits for lc in res.lines}
    pct = {lc.line: lc.percent for lc in res.lines}
    e = expected
    assert res.calls == e["calls"] and res.raised == 0 and res.grouped_by == "client_id"
    assert hits[line_of("def counter(ping)")] == e["counter_calls"]
    assert hits[line_of("return -99")] == e["null_info"]
    assert hits[line_of("if len(pings) == 1:") + 1] == e["single"]
    assert hits[line_of("for ping in pings[1:]")] == e["calls"] - e["single"]
    assert hits[line_of("before, now =")] == e["iterations"]
    assert hits[line_of("breaks_by_counter\"] += 1")] == e["counter_breaks"]
    assert hits[line_of("breaks_by_subsession\"] += 1")] == e["subsession_breaks"]
    assert hits[line_of('session["pings"].append')] == e["same_session"]
    assert hits[line_of("session = start(ping")] == e["new_session"]
    bad = line_of("mark bad ping")
    assert hits[bad] == hits[bad + 1] == e["bad"]
    assert pct[bad] == pytest.approx(100 * e["bad"] / e["iterations"])
    # the "rare" handler is the common case here: the expectation is flagged
    assert e["bad"] > e["same_session"] and pct[bad] > 40
    assert res.outcome == "surprise"
    assert [(c.line, c.ok) for c in res.checks] == [(bad, False)]
    assert res.headline.startswith(f"Surprise: 1 expectation(s) failed over {e['calls']:,} call(s) of to_sessions")
    md = res.to_markdown()
    assert "VIOLATED" in md and f"{e['bad']:,}" in md
    loop = next(b for b in res.branches if b.label == "for ping in pings[1:]: body iterations")
    assert loop.hits == e["iterations"]


def test_expectations_syntax_and_default_rule(spark, expected):
    bad = line_of("mark bad ping")
    breaks = line_of('breaks_by_counter"] += 1')
    ok = run_grouped(spark, expectations=f"# loose\nL{bad} < 60%\nmark bad ping: common\n{breaks}: > 0")
    assert ok.outcome == "as_expected" and len(ok.checks) == 3 and all(c.ok for c in ok.checks)
    default = run_grouped(spark, expectations="")
    # default: every except handler and every '# rare' line is expected at most 10%
    flagged = {c.line for c in default.checks if not c.ok}
    assert bad in flagged and line_of("return -99") - 1 in flagged
    assert all(c.implicit for c in default.checks) and default.outcome == "surprise"
    with pytest.raises(ParameterError) as e:
        run_grouped(spark, expectations="mark bad ping: seldom")
    assert e.value.message == ("[DCS101] expectations, line 1; expected rare, common, never, always, or < <= > >= "
                               "== with a number or a percentage; found 'seldom'. Fix: write e.g. 'rare', '< 5%' or "
                               "'== 0'")
    assert (e.value.condition, dict(e.value.params)) == (
        "EXPECTATION_INVALID", {"param": "expectations", "line": 1, "text": "mark bad ping: seldom",
                                "reason": "bad rule"})
    with pytest.raises(ParameterError) as e:
        run_grouped(spark, expectations="# fine\nno such text: rare")
    assert "found 'no such text'" in e.value.message
    assert (e.value.params["line"], e.value.params["reason"]) == (2, "text not found")
    with pytest.raises(ParameterError) as e:
        run_grouped(spark, expectations="9999: rare")
    assert e.value.params["reason"] == "line outside the function"


def test_instrumented_results_equal_plain_results_on_spark(spark):
    uf = from_code(demo.SOURCE, demo.FUNCTION)
    inst = instrument(uf)
    df = build(spark, "pings", 600, 3).cache()
    ctx = context_for(spark)
    plain = sorted((c for part in counting.apply(ctx, uf.func, df, "dict", "client_id") for c in part),
                   key=lambda c: c["client_id"])
    counted = sorted((c for part in counting.apply(ctx, inst.func, df, "dict", "client_id") for c in part),
                     key=lambda c: c["client_id"])
    # the same function on the same rows, collected and grouped by hand
    groups = defaultdict(list)
    for r in df.collect():
        groups[r["client_id"]].append(r.asDict(recursive=True))
    by_hand = sorted((uf.func((k, v)) for k, v in groups.items()), key=lambda c: c["client_id"])
    assert plain == counted == by_hand and len(plain) > 100
    df.unpersist()


def test_rows_without_grouping_and_uncaught_errors(spark):
    code = ("def check(row):\n"
            "    if row.active_experiment_id is None:\n"
            "        return 'none'\n"
            "    return row.active_experiment_id.startswith('e10s') or 1 / 0\n")
    res = run_bc(spark, source={"kind": "demo", "rows": 3000, "seed": 7}, code=code, function="check",
                 row_type="row", group_by="", expectations="3: > 80%")
    df = build(spark, "telemetry", 3000, 7)
    nulls = df.where("active_experiment_id is null").count()
    flash = df.where("active_experiment_id like 'flash%'").count()
    hits = {lc.line: lc.hits for lc in res.lines}
    assert res.calls == 3000 and hits[3] == nulls and res.raised == flash
    assert res.errors and res.errors[0] == "ZeroDivisionError: division by zero"
    # the expectation holds, but calls that raised never reached their later branches: a surprise
    assert all(c.ok for c in res.checks) and res.outcome == "surprise"
    assert res.headline == (f"Surprise: {flash:,} of 3,000 call(s) of check raised; "
                            "first: ZeroDivisionError: division by zero.")


def test_unknown_group_column(spark):
    with pytest.raises(SourceError) as e:
        run_bc(spark, source=SOURCE, group_by="clientId")
    assert (e.value.condition, dict(e.value.params)) == (
        "COLUMN_NOT_FOUND", {"param": "group_by", "column": "clientId",
                             "available": ["document_id", "client_id", "payload", "meta"]})
    assert e.value.message.startswith("[DCS102] parameter 'group_by' column 'clientId'; expected one of document_id, "
                                      "client_id, payload, meta; found 'clientId'")


def test_what_the_function_prints_is_read_back_from_the_worker_logs(spark):
    from tests.usercode_remote import PRINTS

    src = {"kind": "demo", "rows": 400, "seed": 3}
    bad = build(spark, "telemetry", 400, 3).where("active_experiment_id is null").count()
    res = run_bc(spark, source=src, code=PRINTS, function="noisy", row_type="row", expectations="")
    assert res.raised == bad > 0 and res.logs.lines == 2 * bad
    assert {p.pattern for p in res.logs.patterns if p.logger == "user.check"} <= {"skipped row <hex>",
                                                                                   "skipped row <num>"}
    assert "What your function wrote on the executors" in res.to_markdown()


def test_a_map_column_cannot_group(spark):
    from dcs_engine.inputs.sources import FrameSource

    df = spark.createDataFrame([({"a": "1"}, 1)], "m map<string,string>, x int")
    with pytest.raises(ParameterError) as e:
        run_bc(spark, source=FrameSource(df), code="def f(kv):\n    return kv\n", function="f", group_by="m",
               expectations="")
    assert (e.value.condition, e.value.params["param"], e.value.params["type"]) == (
        "PARAM_INVALID", "group_by", "map<string,string>")
