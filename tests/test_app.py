"""AppTest: every page renders; the Diagnose page walks the whole tree and runs take."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from runbook import load_builtin
from runbook.walk import route_to

PAGES = ["app_pages/diagnose.py", "app_pages/triage.py", "app_pages/evidence.py",
         "app_pages/runbook.py", "app_pages/connection.py"]


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=180)


def dot(at) -> str:
    charts = at.get("graphviz_chart")
    assert len(charts) == 1
    return charts[0].proto.spec


def current_in_dot(at) -> str:
    line = next(x for x in dot(at).splitlines() if 'class="current"' in x)
    return line.strip().split(" ", 1)[0]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page, spark):
    at = new_app().run()
    assert not at.exception
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, f"{page} has no title"


def edge_cover_paths(book) -> list[tuple[str, ...]]:
    """Root-to-leaf paths that together take every edge at least once."""
    todo = {(n.id, e.to) for n in book.nodes.values() for e in n.edges}
    paths = []
    for src, dst in sorted(todo):
        if (src, dst) not in todo:
            continue
        head = route_to(book, src).path
        edge = book.edge(src, dst)
        path = list(head) + [dst]
        if edge.loop:  # walk once round the loop, then leave it
            path += list(route_to(book, "p_expected").path[route_to(book, "p_expected").path.index(dst) + 1:])
        while book.nodes[path[-1]].edges:
            outs = [e for e in book.nodes[path[-1]].edges if not e.loop and e.to not in path]
            if not outs:
                break
            pick = next((e for e in outs if (path[-1], e.to) in todo), outs[0])
            path.append(pick.to)
        todo -= set(zip(path, path[1:]))
        paths.append(tuple(path))
    assert not todo
    return paths


def test_edge_cover_walks_in_the_app(spark):
    """Click through root-to-leaf paths that take every edge; check the DOT and the URL at each step."""
    book = load_builtin()
    paths = edge_cover_paths(book)
    at = new_app().run()
    for path in paths:
        if at.session_state["walk"].path:
            at.button(key="nav_restart").click().run()
        at.button(key=f"sym_{path[0]}").click().run()
        for a, b in zip(path, path[1:]):
            j = next(i for i, e in enumerate(book.nodes[a].edges) if e.to == b)
            at.button(key=f"edge_{j}").click().run()
            assert not at.exception, (path, at.exception)
            assert not at.error, (path[: path.index(b) + 1], [e.value for e in at.error])
        assert current_in_dot(at) == path[-1]
        assert at.query_params["path"] == [".".join(path)] or at.query_params["path"] == ".".join(path)
        assert at.session_state["walk"].path == path
        assert book.nodes[path[-1]].edges == () or any(b.key == "edge_0" for b in at.button)
    assert len(paths) >= 30


def test_back_jump_restart_and_evidence(spark):
    at = new_app().run()
    at.button(key="sym_slow").click().run()
    at.button(key="edge_0").click().run()      # → c_exponential
    at.button(key="edge_0").click().run()      # → t_repartition
    assert at.session_state["walk"].path == ("slow", "c_exponential", "t_repartition")
    assert "snippet" in " ".join(e.value for e in at.info) or at.code  # snippet-only or runnable
    at.button(key="nav_back").click().run()
    assert at.session_state["walk"].current == "c_exponential"
    at.button(key="jump_0").click().run()
    assert at.session_state["walk"].path == ("slow",)
    at.button(key="nav_restart").click().run()
    assert at.session_state["walk"].path == ()
    kinds = [e.kind for e in at.session_state["evidence"]]
    assert kinds.count("step") == 6


def test_deep_link_reopens_the_step(spark):
    at = new_app()
    at.query_params["path"] = "wrong_results.q_unexpected.t_take"
    at.query_params["node"] = "t_take"
    at.run()
    assert not at.exception
    assert at.session_state["walk"].path == ("wrong_results", "q_unexpected", "t_take")
    assert current_in_dot(at) == "t_take"


def test_broken_deep_link_warns_and_keeps_prefix(spark):
    at = new_app()
    at.query_params["path"] = "crash.t_spend"
    at.run()
    assert at.session_state["walk"].path == ("crash",)
    assert "there is no edge from 'crash' to 't_spend'" in at.warning[0].value


def test_take_runs_on_demo_data_and_suggests_next_step(spark):
    at = new_app()
    at.query_params["path"] = "crash.t_take"
    at.run()
    at.number_input(key="p_t_take_source_rows").set_value(300)
    at.text_input(key="p_t_take_source_where").set_value("active_experiment_id is not null")
    at.button(key="run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.dataframe) == 1
    frame = at.dataframe[0].value
    assert len(frame) == 10 and frame["active_experiment_id"].str.contains("experiments").all()
    assert 'class="suggested"' in next(x for x in dot(at).splitlines() if x.strip().startswith("t_profile ["))
    run = [e for e in at.session_state["evidence"] if e.kind == "run"]
    assert len(run) == 1 and run[0].outcome == "rows"
    assert run[0].params["source"]["where"] == "active_experiment_id is not null"
    at.run()  # a rerun shows the result again without running Spark again
    assert len([e for e in at.session_state["evidence"] if e.kind == "run"]) == 1
    assert len(at.dataframe) == 1


def test_take_error_is_shown_and_app_survives(spark, tmp_path):
    """A path that is not there is refused when it is chosen, before any technique runs; the input is kept."""
    at = new_app()
    at.query_params["path"] = "crash.t_take"
    at.run()
    at.radio(key="data_kind").set_value("path").run()
    at.text_input(key="data_path").set_value(str(tmp_path / "absent"))
    at.button(key="data_use").click().run()
    assert not at.exception
    assert any("[DCS102] path" in e.value for e in at.error)
    assert "dui" not in at.session_state or at.session_state["dui"] is None   # nothing half-chosen
    assert any(e.kind == "error" for e in at.session_state["evidence"])
    # the user's input is still there
    assert at.text_input(key="data_path").value == str(tmp_path / "absent")


def test_connection_page_bad_master_then_good(spark):
    at = new_app().run()
    at.switch_page("app_pages/connection.py").run()
    at.text_input(key="conn_master").set_value("spark://127.0.0.1:1")
    at.button(key="conn_test").click().run()
    assert not at.exception
    assert any("[DCS201] Spark master" in e.value for e in at.error)
    assert at.text_input(key="conn_master").value == "spark://127.0.0.1:1"
    at.text_input(key="conn_master").set_value("local[2]")
    at.text_input(key="conn_app_name").set_value("dcs-doctor-tests")
    at.text_area(key="conn_conf").set_value("spark.sql.shuffle.partitions=4")
    at.button(key="conn_test").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("Connected: Spark" in s.value for s in at.success)


def test_evidence_page_lists_steps(spark):
    at = new_app().run()
    at.button(key="sym_crash").click().run()
    at.switch_page("app_pages/evidence.py").run()
    assert any("Crash (a traceback) (`crash`)" in m.value for m in at.markdown)


def test_failed_run_is_triaged_and_the_tree_moves(spark):
    at = new_app()
    at.query_params["path"] = "wrong_results.q_unexpected.t_take"
    at.run()
    at.number_input(key="p_t_take_source_rows").set_value(200)
    at.text_input(key="p_t_take_source_where").set_value("cast(field as int) > 0")
    at.button(key="run").click().run()
    assert not at.exception
    assert at.session_state["walk"].path == ("wrong_results", "q_unexpected", "c_data_variance")
    banner = at.error[0].value
    assert "was triaged; the runbook moved here" in banner and "CAST_INVALID_INPUT" in banner
    kinds = [e.kind for e in at.session_state["evidence"]]
    assert kinds[-2:] == ["error", "step"]
    assert "triage of the failed take run → c_data_variance" in at.session_state["evidence"][-1].detail
    at.button(key="edge_0").click().run()   # moving on clears the banner
    assert not at.error


def test_demo_list_has_every_dataset_and_the_lessons(spark):
    from dcs_engine.inputs import demo

    at = new_app()
    at.query_params["path"] = "crash.t_take"
    at.run()
    options = list(at.selectbox(key="p_t_take_source_demo").options)
    assert {"telemetry", "pings", "pairs", "hotkey", "categories", "lesson-l03_dcs_prompt"} <= set(options)
    assert options == demo.names()
