"""Limits as configuration with safe defaults: runbooks (size, nodes, nesting, aliases), uploads,
rows brought to the driver, runs per session."""
from __future__ import annotations

import io

import pytest

from dcs_engine import access, config, limits, service
from dcs_engine.errors import DcsError, LimitExceeded, RunbookError
from runbook import loads

OPERATOR = access.User("ops", "operator", "test")


def test_defaults_and_env_overrides(tmp_path):
    cfg = config.load(env={})
    assert cfg.limits == config.Limits()
    assert cfg.limits.upload_mb > 0 and cfg.limits.runbook_nodes >= 200 and cfg.limits.runs_per_session > 0
    cfg = config.load(env={"DCS_UPLOAD_MB": "3", "DCS_RUNBOOK_NODES": "12", "DCS_DATA_DIR": str(tmp_path)})
    assert cfg.limits.upload_mb == 3 and cfg.limits.runbook_nodes == 12 and cfg.data_dir == tmp_path


def test_config_file(tmp_path):
    f = tmp_path / "dcs-doctor.toml"
    f.write_text('[limits]\ndriver_rows = 77\n[paths]\nroots = ["/srv/data"]\n[auth]\noperators = ["a@b.c"]\n')
    cfg = config.load(env={"DCS_CONFIG": str(f), "DCS_DATA_DIR": str(tmp_path)})
    assert cfg.limits.driver_rows == 77 and cfg.path_roots == ("/srv/data",) and cfg.auth.operators == ("a@b.c",)
    assert config.load(env={"DCS_CONFIG": str(f), "DCS_DRIVER_ROWS": "5"}).limits.driver_rows == 5  # env wins


@pytest.mark.parametrize("env, key", [({"DCS_UPLOAD_MB": "lots"}, "DCS_UPLOAD_MB"),
                                      ({"DCS_RUNBOOK_DEPTH": "0"}, "DCS_RUNBOOK_DEPTH"),
                                      ({"DCS_SHARED_SECRET_ROLE": "admin"}, "DCS_SHARED_SECRET_ROLE")])
def test_bad_config_names_the_key(env, key):
    with pytest.raises(DcsError) as err:
        config.load(env=env)
    assert err.value.condition == "CONFIG_INVALID" and key in err.value.message


def test_unknown_config_key(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[limits]\nuplod_mb = 3\n")
    with pytest.raises(DcsError) as err:
        config.load(env={"DCS_CONFIG": str(f)})
    assert "uplod_mb" in err.value.message and "upload_mb" in err.value.message


# --- runbooks --------------------------------------------------------------------------------

BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
title: bomb
nodes: *i
"""


def test_alias_bomb_is_refused():
    with pytest.raises(RunbookError) as err:
        loads(BOMB, "bomb.yaml")
    assert err.value.condition == "RUNBOOK_INVALID"
    assert err.value.params["limit"] == "yaml_expansion"
    assert "bomb.yaml line" in err.value.message and "DCS_YAML_EXPANSION" in err.value.message


def test_bomb_inside_params_is_refused_too():
    """The same bomb where today's loader would hand it on (a node's params)."""
    head = BOMB.split("title: bomb")[0]
    text = head + ("title: bomb\nnodes:\n- id: s\n  kind: symptom\n  title: S\n  text: t\n"
                   "  edges: [{to: t, label: go}]\n- id: t\n  kind: technique\n  technique: take\n"
                   "  title: T\n  text: t\n  params: {n: 3, x: *i}\n")
    with pytest.raises(RunbookError) as err:
        loads(text, "bomb2.yaml")
    assert err.value.params["limit"] == "yaml_expansion"


def test_a_few_aliases_are_fine():
    text = ("title: t\nnodes:\n- id: s\n  kind: symptom\n  title: S\n  text: &t Some text\n  edges:\n"
            "  - {to: c, label: go}\n- id: c\n  kind: cause\n  title: C\n  text: *t\n")
    assert loads(text, "ok.yaml").nodes["c"].text == "Some text"


DEEP_MAPS = "a:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(900))


@pytest.mark.parametrize("deep", ["[" * 3000 + "]" * 3000, DEEP_MAPS])
def test_deep_nesting_is_a_breadcrumb_not_a_recursion_error(deep):
    with pytest.raises(RunbookError) as err:
        loads(deep, "deep.yaml")
    assert err.value.params["limit"] == "runbook_depth"
    assert err.value.message.startswith("[DCS301] deep.yaml line ")
    assert "DCS_RUNBOOK_DEPTH" in err.value.message


def _tree(n: int) -> str:
    lines = ["title: big", "nodes:", "- {id: s, kind: symptom, title: S, text: t, edges: [{to: n0, label: go}]}"]
    for i in range(n):
        nxt = f", edges: [{{to: n{i + 1}, label: go}}]" if i + 1 < n else ""
        lines.append(f"- {{id: n{i}, kind: cause, title: N{i}, text: t{nxt}}}")
    return "\n".join(lines) + "\n"


def test_a_60000_node_tree_is_refused_before_parsing():
    text = _tree(60_000)
    with pytest.raises(RunbookError) as err:
        loads(text, "huge.yaml")
    assert err.value.params["limit"] == "runbook_kb" and "DCS_RUNBOOK_KB" in err.value.message


def test_node_count_limit(monkeypatch):
    monkeypatch.setenv("DCS_RUNBOOK_NODES", "40")
    assert len(loads(_tree(30), "ok.yaml").nodes) == 31
    with pytest.raises(RunbookError) as err:
        loads(_tree(60), "many.yaml")
    assert err.value.params["limit"] == "runbook_nodes"
    assert "many.yaml → nodes" in err.value.message and "61" in err.value.message


def test_a_long_chain_within_limits_does_not_recurse(monkeypatch):
    monkeypatch.setenv("DCS_RUNBOOK_NODES", "3000")
    monkeypatch.setenv("DCS_RUNBOOK_KB", "4096")
    assert len(loads(_tree(2500), "chain.yaml").nodes) == 2501


# --- uploads ---------------------------------------------------------------------------------

def test_upload_streamed_to_disk_and_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_DATA_DIR", str(tmp_path))
    data = b"line\n" * 100_000
    with limits.saved_upload(io.BytesIO(data), "big.log") as path:
        assert path.read_bytes() == data and path.parent == tmp_path / "uploads"
    assert not path.exists()


def test_upload_over_the_limit_refused_and_cleaned(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DCS_UPLOAD_MB", "1")
    with pytest.raises(LimitExceeded) as err:
        with limits.saved_upload(io.BytesIO(b"x" * (1024 * 1024 + 1)), "huge.log"):
            pass
    assert err.value.params["limit"] == "upload_mb" and "DCS_UPLOAD_MB" in err.value.message
    assert list((tmp_path / "uploads").iterdir()) == []


# --- runs --------------------------------------------------------------------------------

def test_rows_to_the_driver(monkeypatch):
    monkeypatch.setenv("DCS_DRIVER_ROWS", "100")
    with pytest.raises(LimitExceeded) as err:
        service.start_run_as(OPERATOR, "owner-rows", "take", {"n": 500})
    assert dict(err.value.params) == {"limit": "driver_rows", "value": 500, "maximum": 100, "param": "n"}
    assert "DCS_DRIVER_ROWS" in err.value.message


def test_runs_per_session(monkeypatch):
    monkeypatch.setenv("DCS_RUNS_PER_SESSION", "2")
    owner = "owner-budget"
    for _ in range(2):
        service.start_run_as(OPERATOR, owner, "triage", {"text": "ValueError: x"}).wait()
    with pytest.raises(LimitExceeded) as err:
        service.start_run_as(OPERATOR, owner, "triage", {"text": "ValueError: x"})
    assert err.value.params["limit"] == "runs_per_session" and "DCS_RUNS_PER_SESSION" in err.value.message
    service.start_run_as(OPERATOR, "another-session", "triage", {"text": "ValueError: x"}).wait()
