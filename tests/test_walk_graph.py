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
    line = next(x for x in dot.splitlines() if x.strip().startswith(f"{node_id} ["))
    return line


def test_dot_highlights_path_current_and_dims_the_rest(book):
    w = Walk(("crash", "t_naughty_rows", "c_data_variance", "t_profile"))
    dot = to_dot(book, w, suggested="f_normalize")
    assert 'class="current"' in _attrs(dot, "t_profile") and "penwidth=3" in _attrs(dot, "t_profile")
    assert 'class="visited"' in _attrs(dot, "crash") and 'class="visited"' in _attrs(dot, "c_data_variance")
    assert 'class="suggested"' in _attrs(dot, "f_normalize")
    assert 'class="dimmed"' in _attrs(dot, "slow") and 'class="dimmed"' in _attrs(dot, "f_kryo")
    taken = [x for x in dot.splitlines() if 'class="taken"' in x]
    assert sorted(x.split("[")[0].strip() for x in taken) == ["c_data_variance -> t_profile", "crash -> t_naughty_rows",
                                                                "t_naughty_rows -> c_data_variance"]
    assert sum('class="dimmed"' in x for x in dot.splitlines()) == len(book.nodes) - 5


def test_dot_is_valid_graphviz(book):
    dot = to_dot(book, Walk(("develop", "p_edit", "p_run", "p_observe", "p_expected", "p_edit")))
    if shutil.which("dot") is None:
        pytest.skip("graphviz 'dot' binary not installed")
    out = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('class="node current"') == 1


# -- the neighbourhood drawing: what matters at this step, large enough to read ---------------------

from runbook.graph import ANSWER_PT, EDGE_PT, NODE_PT, neighbourhood, neighbourhood_dot, render_svg  # noqa: E402
from runbook.walk import code_from_query, code_to_query, data_from_query, data_to_query, is_link_key  # noqa: E402

COLUMN_PX = 880   # the Diagnose page's main column in a 1280-px window with the sidebar open


def test_neighbourhood_is_the_path_the_current_node_its_choices_and_the_suggestion(book):
    w = Walk(("crash", "t_naughty_rows", "c_data_variance"))
    ids, edges = neighbourhood(book, w, suggested="t_profile")
    assert ids == ["crash", "t_naughty_rows", "c_data_variance", "t_profile", "f_guard_values"]
    assert [(a, b, role) for a, b, _, role in edges] == [
        ("crash", "t_naughty_rows", "taken"), ("t_naughty_rows", "c_data_variance", "taken"),
        ("c_data_variance", "t_profile", "suggested"), ("c_data_variance", "f_guard_values", "choice")]
    dot = neighbourhood_dot(book, w, suggested="t_profile")
    assert 'class="current"' in _attrs(dot, "c_data_variance") and 'class="suggested"' in _attrs(dot, "t_profile")
    assert "f_kryo" not in dot and "slow" not in dot          # the rest of the tree is a click away
    # each way on carries the answer that leads there
    assert "<i>See what the values look<br/>like, column by column</i>" in _attrs(dot, "t_profile")


def test_neighbourhood_before_a_symptom_and_a_suggestion_off_the_choices(book):
    ids, edges = neighbourhood(book, Walk())
    assert ids == [n.id for n in book.symptoms] and edges == []
    ids, edges = neighbourhood(book, Walk(("crash", "t_take")), suggested="c_heavy_load")
    assert ids[-1] == "c_heavy_load" and edges[-1] == ("t_take", "c_heavy_load", "suggested by the last result",
                                                         "suggested")


def test_a_loop_back_up_the_path_is_labelled_not_re_ranked(book):
    w = Walk(("develop", "p_edit", "p_run", "p_observe", "p_expected"))
    dot = neighbourhood_dot(book, w)
    back = next(line for line in dot.splitlines() if line.strip().startswith("p_expected -> p_edit"))
    assert "constraint=false" in back and "label=" in back


def _svg_size_px(svg: str) -> tuple[float, float]:
    import re

    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3


def test_every_step_is_drawn_readable_at_page_width(book):
    """For every node (reached by its shortest walk) and the start: drawn in the page's column, the
    smallest text of the drawing is at least 11 px (a drawing wider than the column is scaled down)."""
    import re

    smallest_pt = min(NODE_PT, EDGE_PT, ANSWER_PT)
    walks = [Walk()] + [route_to(book, n) for n in book.nodes]
    worst = None
    for w in walks:
        svg = render_svg(neighbourhood_dot(book, w, suggested=None))
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
        assert min(sizes) >= smallest_pt
        width, _ = _svg_size_px(svg)
        px = smallest_pt * 4 / 3 * min(1.0, COLUMN_PX / width)
        worst = min(worst or px, px)
        assert px >= 11, (w.current, width, px)
    assert worst >= 11
    # the whole tree at page width would not be: that is why it is not the default drawing
    width, _ = _svg_size_px(render_svg(to_dot(book, Walk(("crash",)))))
    assert 10 * 4 / 3 * COLUMN_PX / width < 11


def test_render_svg_zooms_and_fits(book):
    dot = to_dot(book, Walk(("crash",)))
    w1, h1 = _svg_size_px(render_svg(dot, 1.0))
    w2, h2 = _svg_size_px(render_svg(dot, 2.0))
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2
    fit = render_svg(dot, None)
    assert fit.startswith('<svg width="100%"') and "viewBox" in fit
    assert fit.count('class="node current"') == 1


# -- the data under investigation and the user's code in the link ---------------------------------

def test_data_travels_in_the_link():
    src = {"kind": "path", "path": "/data/x y.parquet", "format": "parquet", "where": "a = 'b'", "columns": ["a", "b"]}
    q = data_to_query(src)
    assert q == {"data": "path", "data_path": "/data/x y.parquet", "data_format": "parquet", "data_where": "a = 'b'",
                 "data_columns": "a,b"}
    assert data_from_query(q) == {**src, "columns": "a,b"}
    demo = {"kind": "demo", "demo": "pings", "rows": 500, "seed": 1, "path": "ignored", "where": ""}
    assert data_to_query(demo) == {"data": "demo", "data_demo": "pings", "data_rows": "500", "data_seed": "1"}
    assert data_from_query({"data": ["table"], "data_table": ["db.t"]}) == {"kind": "table", "table": "db.t"}
    assert data_to_query(None) == {} and data_from_query({"path": "crash"}) is None
    assert all(is_link_key(k) for k in q) and not is_link_key("path") and not is_link_key("node")


def test_code_travels_in_the_link_unless_too_long():
    codes = {"function": {"code": "def f(row):\n    return row['a']\n", "function": "f", "ref": ""},
             "job": {"code": "x" * 5000, "function": "", "ref": "jobs.py:run"}}
    q = code_to_query(codes)
    assert q == {"code.function": "def f(row):\n    return row['a']", "code.function.function": "f",
                 "code.job.ref": "jobs.py:run"}
    assert code_from_query({**q, "path": "crash"}) == {"function": {"code": "def f(row):\n    return row['a']",
                                                                      "function": "f"}, "job": {"ref": "jobs.py:run"}}
    assert all(is_link_key(k) for k in q)
