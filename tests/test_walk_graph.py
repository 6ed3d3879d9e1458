"""The walk model, its URL form, and the DOT drawing."""
import shutil
import subprocess

import pytest

from runbook import load_builtin
from runbook.graph import to_dot
from runbook.walk import Walk, from_query, route_to, validate


@pytest.fixture(scope="module")
def book():
    return load_builtin()


def test_every_path_round_trips_through_the_url(book):
    for path in book.leaves_paths():
        w = Walk(path)
        back, problem = from_query(book, w.to_query())
        assert problem is None and back == w


def test_bad_links_keep_the_valid_prefix(book):
    w, problem = from_query(book, {"path": "crash.t_naughty_rows.t_spend", "node": "t_spend"})
    assert w.path == ("crash", "t_naughty_rows")
    assert problem == "there is no edge from 't_naughty_rows' to 't_spend'"
    w, problem = from_query(book, {"path": "crash.nope"})
    assert w.path == ("crash",) and problem == "step 2 'nope' is not a node of this runbook"
    w, problem = from_query(book, {"path": "c_data_variance"})
    assert w.path == () and problem == "a path must start at a symptom, not 'c_data_variance'"
    w, problem = from_query(book, {"path": "crash.t_naughty_rows", "node": "crash"})
    assert w.path == ("crash", "t_naughty_rows") and "not the end of its path" in problem


def test_back_jump_restart():
    w = Walk().start("crash").go("c_data_variance").go("t_take")
    assert w.back().current == "c_data_variance"
    assert w.jump(0).path == ("crash",)
    assert w.restart().path == ()


def test_loop_walk_is_valid(book):
    path = ("develop", "p_edit", "p_run", "p_observe", "p_expected", "p_edit", "p_run")
    w, problem = validate(book, path)
    assert problem is None and w.path == path


def test_route_to(book):
    assert route_to(book, "f_kryo").path == ("crash", "q_panic_kind", "f_kryo")
    assert route_to(book, "c_data_variance", prefer="wrong_results").path[0] == "wrong_results"
    assert route_to(book, "nope") is None


def _attrs(dot: str, node_id: str) -> str:
    line = next(l for l in dot.splitlines() if l.strip().startswith(f"{node_id} ["))
    return line


def test_dot_highlights_path_current_and_dims_the_rest(book):
    w = Walk(("crash", "t_naughty_rows", "c_data_variance", "t_profile"))
    dot = to_dot(book, w, suggested="f_normalize")
    assert 'class="current"' in _attrs(dot, "t_profile") and "penwidth=3" in _attrs(dot, "t_profile")
    assert 'class="visited"' in _attrs(dot, "crash") and 'class="visited"' in _attrs(dot, "c_data_variance")
    assert 'class="suggested"' in _attrs(dot, "f_normalize")
    assert 'class="dimmed"' in _attrs(dot, "slow") and 'class="dimmed"' in _attrs(dot, "f_kryo")
    taken = [l for l in dot.splitlines() if 'class="taken"' in l]
    assert sorted(l.split("[")[0].strip() for l in taken) == ["c_data_variance -> t_profile", "crash -> t_naughty_rows",
                                                                "t_naughty_rows -> c_data_variance"]
    assert sum('class="dimmed"' in l for l in dot.splitlines()) == len(book.nodes) - 5


def test_dot_is_valid_graphviz(book):
    dot = to_dot(book, Walk(("develop", "p_edit", "p_run", "p_observe", "p_expected", "p_edit")))
    if shutil.which("dot") is None:
        pytest.skip("graphviz 'dot' binary not installed")
    out = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('class="node current"') == 1
