"""Runbook loading: exact messages for malformed files, the built-in tree, the schema."""
import json
from pathlib import Path

import pytest
import yaml

from dcs_engine import registry
from dcs_engine.errors import RunbookError
from runbook import load_builtin, load_default, load_path, loads
from runbook.loader import BUILTIN
from runbook.schema import RECORDS, json_schema

CASES = yaml.safe_load((Path(__file__).with_name("runbook_cases.yaml")).read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_malformed_runbook_message(case):
    if case["message"] is None:
        assert loads(case["runbook"], "team.yaml").symptoms
        return
    with pytest.raises(RunbookError) as e:
        loads(case["runbook"], "team.yaml")
    assert e.value.message == case["message"]


def test_at_least_twelve_malformed_cases():
    assert sum(c["message"] is not None for c in CASES) >= 12


def test_builtin_tree_covers_the_talk():
    book = load_builtin()
    kinds = {}
    for n in book.nodes.values():
        kinds.setdefault(n.kind, set()).add(n.id)
    assert {"crash", "slow", "wrong_results", "toolchain_panic"} <= kinds["symptom"]
    assert {"c_data_variance", "c_framework_state", "c_control_flow", "c_exponential", "c_heavy_load"} == kinds["cause"]
    used = {n.technique for n in book.nodes.values() if n.kind == "technique"}
    assert used == set(registry.technique_ids()), "every registered technique has a node, and vice versa"
    loop = [(n.id, e.to) for n in book.nodes.values() for e in n.edges if e.loop]
    assert loop == [("p_expected", "p_edit")], "the print-debugging loop is the only declared cycle"
    panics = " ".join(e.label for e in book.node("q_panic_kind").edges)
    for word in ("Py4JNetworkError", "SparkContext was shut down", "TreeNodeException", "Kryo"):
        assert word in panics


def test_every_technique_outcome_has_an_edge():
    book = load_builtin()
    for n in book.nodes.values():
        if n.kind == "technique" and n.technique != "take" and n.id != "t_spark_ui":
            declared = set(registry.get(n.technique).outcomes)
            assert declared == {e.when for e in n.edges if e.when}, n.id


def test_every_path_ends_at_a_leaf():
    book = load_builtin()
    paths = book.leaves_paths()
    assert len(paths) > 100
    for p in paths:
        assert book.nodes[p[0]].kind == "symptom"
        assert all(book.edge(a, b) for a, b in zip(p, p[1:]))


def test_schema_published_matches_declaration():
    published = json.loads((BUILTIN.parent / "runbook.schema.json").read_text())
    assert published == json_schema(), "regenerate runbook/runbook.schema.json from runbook/schema.py"
    assert set(published["properties"]) == set(RECORDS["runbook"])
    assert published["$defs"]["node"]["properties"]["kind"]["enum"] == list(RECORDS["node"]["kind"].enum)


def test_builtin_tree_validates_against_json_schema_shape():
    # A light structural check with the published schema itself (no jsonschema dependency).
    schema = json_schema()
    data = yaml.safe_load(BUILTIN.read_text())
    assert set(data) <= set(schema["properties"])
    for node in data["nodes"]:
        assert set(schema["$defs"]["node"]["required"]) <= set(node) <= set(schema["$defs"]["node"]["properties"])


def test_extends_builtin(tmp_path):
    text = """title: team tree
extends: builtin
nodes:
  - id: crash
    kind: symptom
    title: Crash (team edition)
    text: Our crashes.
    edges:
      - {to: t_triage, label: "Paste it"}
      - {to: team_oncall, label: "Page the data team"}
  - id: team_oncall
    kind: fix
    title: Page the data team
    text: Call the on-call data engineer.
"""
    book = loads(text, "team.yaml", base=load_builtin())
    assert book.node("crash").title == "Crash (team edition)"
    assert "team_oncall" in book.nodes and "slow" in book.nodes
    assert book.source == "tree.yaml + team.yaml"


def test_env_var_runbook(tmp_path, monkeypatch):
    f = tmp_path / "mine.yaml"
    f.write_text("title: mine\nnodes:\n  - {id: only, kind: symptom, title: Only, text: t}\n")
    monkeypatch.setenv("DCS_RUNBOOK", str(f))
    assert load_default().title == "mine"
    monkeypatch.setenv("DCS_RUNBOOK", str(tmp_path / "missing.yaml"))
    with pytest.raises(RunbookError) as e:
        load_default()
    assert e.value.message == (f"[DCS301] {tmp_path / 'missing.yaml'}: file not found; expected a readable runbook "
                               "YAML file; found no such file. Fix: check the path, or unset DCS_RUNBOOK")


def test_load_path_reports_file_name(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("title: x\nnodes:\n  - {id: a, kind: symptom, title: A, text: t, edges: [{to: zz, label: go}]}\n")
    with pytest.raises(RunbookError) as e:
        load_path(f)
    assert e.value.message.startswith("[DCS301] broken.yaml → node 'a' → edges[0] → to: unknown target")
