"""Triage's knowledge: Spark's own error catalog from the pinned jar, the SQLSTATE classes, the curated
catalog and a user's catalog that extends it (with breadcrumb errors), and the "why" of each decision."""
from __future__ import annotations

import pytest

from dcs_engine import registry
from dcs_engine.triage import OUTCOMES, CatalogError, triage_text
from dcs_engine.triage.catalog import (
    ENV_VAR,
    ROOT_CAUSES,
    builtin_catalog,
    check_nodes,
    load_catalog,
    load_classes,
    parse_catalog,
)
from dcs_engine.triage.sparkcat import read_catalog, spark_catalog


# ------------------------------------------------------------------ Spark's catalog
def test_spark_catalog_is_read_from_the_pinned_pyspark():
    cat = spark_catalog()
    assert len(cat.conditions) > 1000 and len(cat.pyspark) > 150 and len(cat.states) > 1000
    assert "spark-common-utils" in cat.origin
    info = cat.describe("UNRESOLVED_COLUMN.WITH_SUGGESTION")
    assert info.known and info.source == "spark" and info.sqlstate == "42703"
    assert "cannot be resolved" in info.meaning and "Did you mean" in info.meaning  # the sub-condition's text too
    assert info.state_meaning  # error-states.json says what 42703 is
    assert cat.describe("PYTHON_EXCEPTION").sqlstate == "38000"
    own = cat.describe("JAVA_GATEWAY_EXITED")
    assert own.known and own.source == "pyspark" and "Java gateway" in own.meaning
    unknown = cat.describe("DELTA_SOMETHING_NOBODY_KNOWS")
    assert not unknown.known and unknown.meaning is None


def test_without_pyspark_the_catalog_is_empty_and_triage_still_works(tmp_path):
    cat = read_catalog(str(tmp_path))
    assert cat.size == 0 and not cat.knows("DIVIDE_BY_ZERO") and "not found" in cat.origin
    assert cat.describe("DIVIDE_BY_ZERO").meaning is None


def test_every_condition_the_curated_catalog_names_exists_in_spark():
    cat = spark_catalog()
    missing = [(e.id, c) for e in builtin_catalog() for c in e.conditions if not cat.knows(c)]
    assert not missing, f"conditions not in Spark's catalog (typos?): {missing}"


def test_sqlstate_classes_are_real_and_cover_spark():
    cat, classes = spark_catalog(), load_classes()
    for key in classes.sqlstate:
        state = key if len(key) == 5 else key + "000"
        assert state in cat.states, f"classes.yaml names {key}, which error-states.json does not have"
    states = [raw.get("sqlState") for raw in cat.conditions.values() if raw.get("sqlState")]
    mapped = [s for s in states if classes.for_state(s)]
    assert len(mapped) / len(states) > 0.99, sorted({s[:2] for s in states} - {s[:2] for s in mapped})
    for rule in list(classes.sqlstate.values()) + list(classes.grpc.values()):
        assert rule.root_cause in ROOT_CAUSES and rule.reason
    for name, cls in classes.exceptions.items():
        assert classes.for_state(cls), name


def _uncurated_condition_per_class():
    """For each SQLSTATE class in Spark's catalog, one condition no curated entry names."""
    named = {c.split(".")[0] for e in builtin_catalog() for c in e.conditions}
    cat, out = spark_catalog(), {}
    for name, raw in sorted(cat.conditions.items()):
        state = raw.get("sqlState")
        if state and name not in named and not name.startswith("_") and state[:2] not in out:
            out[state[:2]] = (name, state, " ".join(raw["message"]))
    return sorted(out.items())


@pytest.mark.parametrize("cls,cond", _uncurated_condition_per_class(), ids=lambda v: v if isinstance(v, str) else v[0])
def test_a_condition_without_entry_is_decided_by_its_sqlstate_class(cls, cond):
    name, state, template = cond
    rule = load_classes().for_state(state)
    text = (f"Traceback (most recent call last):\n  File \"job.py\", line 3, in <module>\n    df.collect()\n"
            f"pyspark.errors.exceptions.captured.SparkRuntimeException: [{name}] {template} SQLSTATE: {state}\n")
    r = triage_text(text)
    assert [c.condition for c in r.conditions] == [name] and r.conditions[0].meaning
    if rule is None:
        assert r.outcome == "unknown"
        return
    assert (r.outcome, r.node_id, r.decided_by) == (rule.root_cause, rule.node, "sqlstate")
    assert f"SQLSTATE {state}" in r.why and rule.reason in r.why and r.catalog_id is None


def test_grpc_status_decides_a_connect_error_no_entry_knows():
    text = ("pyspark.errors.exceptions.connect.SparkConnectGrpcException: <_InactiveRpcError of RPC that terminated "
            "with:\n\tstatus = StatusCode.UNIMPLEMENTED\n\tdetails = \"Method not found: spark.connect.Foo/Bar\"\n>\n")
    r = triage_text(text)
    assert (r.outcome, r.decided_by, r.exception_class) == ("framework_state", "grpc_status", "_InactiveRpcError")
    assert r.levels[-1].status == "UNIMPLEMENTED" and "UNIMPLEMENTED" in r.why


# ------------------------------------------------------------------ the curated catalog
def test_curated_catalog_is_consistent_with_runbook_and_technique():
    from runbook.loader import load_builtin

    entries = builtin_catalog()
    check_nodes(entries, set(load_builtin().nodes))
    tech = registry.get("triage")
    assert set(tech.outcomes) == set(OUTCOMES)
    for e in entries:
        assert e.root_cause in ROOT_CAUSES and e.recovery and e.cause and e.family
        for key, _ in e.conf:
            assert any(key in step for step in e.recovery), (e.id, key)
    families = {e.family for e in entries}
    assert {"version_skew", "exponential", "memory", "stopped_context", "slowness"} <= families


def test_the_decision_says_why():
    r = triage_text("java.lang.OutOfMemoryError: Java heap space\n\tat java.util.Arrays.copyOf(Arrays.java:3236)\n")
    assert r.why == ("catalog entry 'jvm_out_of_memory' (builtin) matched the exception class 'OutOfMemoryError' of "
                     "the innermost exception (OutOfMemoryError)")
    r = triage_text("24/01/01 10:00:00 WARN WindowExec: No Partition Defined for Window operation! Moving all data "
                    "to a single partition, this can cause serious performance degradation.\n")
    assert (r.outcome, r.symptom, r.decided_by) == ("heavy_load", "slow", "log")
    assert r.why.endswith("in the log text; the text has no exception")
    r = triage_text("com.acme.widgets.FrobnicationException: the widget would not frobnicate\n")
    assert (r.outcome, r.catalog_id, r.decided_by, r.node_id) == ("unknown", None, "none", "t_take")
    assert r.exception_qualname == "com.acme.widgets.FrobnicationException"


def test_a_slowness_warning_does_not_override_an_exception():
    text = ("24/01/01 10:00:00 WARN WindowExec: No Partition Defined for Window operation! Moving all data to a "
            "single partition, this can cause serious performance degradation.\n"
            "Traceback (most recent call last):\n  File \"job.py\", line 9, in <module>\n    df.show()\n"
            "ValueError: bad literal\n")
    assert triage_text(text).catalog_id == "python_data_error"


def test_a_panic_caused_by_load_is_load():
    oom = "24/01/01 10:00:00 ERROR Utils: Uncaught exception in thread x\njava.lang.OutOfMemoryError: Java heap space\n"
    panic = "py4j.protocol.Py4JNetworkError: Answer from Java side is empty\n"
    assert triage_text(panic).outcome == "toolchain_panic"
    r = triage_text(oom + panic)
    assert (r.outcome, r.catalog_id, r.decided_by) == ("heavy_load", "jvm_out_of_memory", "explained_by")
    assert "py4j_gateway" in r.why and "that is the cause" in r.why


# ------------------------------------------------------------------ a user's catalog
USER = """
extends: builtin
entries:
  - id: widget_frobnication
    family: ours
    title: The widget service is down
    exceptions: [FrobnicationException]
    symptom: toolchain_panic
    root_cause: toolchain_panic
    node: t_spark_ui
    cause: Our widget service was unreachable.
    recovery: [Page the widget team.]
  - id: python_data_error
    title: Our own wording for data errors
    exceptions: [ValueError]
    symptom: crash
    root_cause: data_variance
    node: t_naughty_rows
    cause: A row broke the function.
    recovery: [Run naughty_rows on the input.]
"""


def test_user_catalog_extends_the_builtin_one(tmp_path, monkeypatch):
    p = tmp_path / "ours.yaml"
    p.write_text(USER)
    entries = load_catalog(p)
    assert entries[0].id == "widget_frobnication" and entries[0].source == "ours.yaml"
    assert len(entries) == len(builtin_catalog()) + 1  # python_data_error replaced, not added
    r = triage_text("com.acme.widgets.FrobnicationException: down\n", catalog=p)
    assert (r.catalog_id, r.outcome, r.family) == ("widget_frobnication", "toolchain_panic", "ours")
    assert "(ours.yaml)" in r.why
    monkeypatch.setenv(ENV_VAR, str(p))
    r = triage_text("Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nValueError: bad\n")
    assert (r.catalog_id, r.node_id) == ("python_data_error", "t_naughty_rows")
    assert triage_text("java.lang.OutOfMemoryError: Java heap space\n").catalog_id == "jvm_out_of_memory"


def test_user_catalog_without_extends_replaces_the_builtin_one(tmp_path):
    p = tmp_path / "only.yaml"
    p.write_text(USER.replace("extends: builtin\n", ""))
    assert [e.id for e in load_catalog(p)] == ["widget_frobnication", "python_data_error"]
    assert triage_text("java.lang.OutOfMemoryError: Java heap space\n", catalog=p).outcome == "unknown"


@pytest.mark.parametrize("text,message", [
    ("entries:\n  - {id: x, title: t, symptom: crash, root_cause: bad_luck, node: n, cause: c, recovery: [r]}\n",
     "[DCS302] cat.yaml → entry 'x' → root_cause: invalid value; expected one of data_variance, framework_state, "
     "control_flow, exponential, heavy_load, toolchain_panic; found 'bad_luck'. Fix: use one of the allowed values "
     "for 'root_cause'"),
    ("entries: []\n", "[DCS302] cat.yaml: no entries; expected a mapping with a non-empty 'entries' list; found list. "
     "Fix: start from dcs_engine/triage/catalog.yaml"),
    ("entries:\n  - {id: x, title: t}\n", "[DCS302] cat.yaml → entry 'x': missing key(s); expected symptom, "
     "root_cause, node, cause, recovery; found nothing. Fix: add symptom, root_cause, node, cause, recovery"),
    ("entries:\n  - {id: x, title: t, symptom: crash, root_cause: heavy_load, node: n, cause: c, recovery: [r],"
     " txt: [a]}\n", "[DCS302] cat.yaml → entry 'x' → txt: unknown key"),
    ("entries:\n  - {id: x, title: t, symptom: crash, root_cause: heavy_load, node: n, cause: c, recovery: [r],"
     " text: ['a(b']}\n", "[DCS302] cat.yaml → entry 'x' → text[0]: bad pattern; expected a Python regular "
     "expression; found 'a(b'"),
    ("entries:\n  - {id: x, title: t, symptom: crash, root_cause: heavy_load, node: n, cause: c, recovery: [r]}\n"
     "  - {id: x, title: t, symptom: crash, root_cause: heavy_load, node: n, cause: c, recovery: [r]}\n",
     "[DCS302] cat.yaml → entry 'x': duplicate id"),
    ("extends: builtin\nentries:\n  - {id: x, title: t, symptom: crash, root_cause: heavy_load, node: n, cause: c,"
     " recovery: [r], explained_by: [nope]}\n", "[DCS302] cat.yaml → entry 'x' → explained_by: unknown entry"),
    ("entries:\n  - id: x\n   title: t\n", "[DCS302] cat.yaml line 3, column"),
    ("extends: mine\nentries:\n  - {id: x, title: t, symptom: crash, root_cause: heavy_load, node: n, cause: c,"
     " recovery: [r]}\n", "[DCS302] cat.yaml → extends: invalid value; expected 'builtin' or nothing"),
])
def test_catalog_errors_are_breadcrumbs(text, message):
    with pytest.raises(CatalogError) as e:
        parse_catalog(text, "cat.yaml")
    assert e.value.message.startswith(message), e.value.message


def test_catalog_file_errors(tmp_path):
    with pytest.raises(CatalogError) as e:
        load_catalog(tmp_path / "missing.yaml")
    assert "missing.yaml: file not found" in e.value.message and ENV_VAR in e.value.message
    with pytest.raises(CatalogError) as e:
        check_nodes(parse_catalog(USER, "ours.yaml"), {"t_spark_ui"}, "ours.yaml")
    assert e.value.message.startswith("[DCS302] ours.yaml → entry 'python_data_error' → node: unknown runbook node")
