"""The data under investigation (issue 14), in AppTest: chosen once, carried to every technique node,
its schema read through the service, column parameters prefilled from it and checked before Run,
kept in the evidence and in the link.  Real data: the Palmer penguins (``palmerpenguins``), written
to parquet here."""
from __future__ import annotations

import pytest

from tests.test_app import new_app

PENGUIN_COLUMNS = ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
                   "sex", "year"]
RATIO = "def mass_per_bill(row):\n    return row['body_mass_g'] / row['bill_length_mm']"


@pytest.fixture(scope="module")
def penguins(tmp_path_factory):
    import palmerpenguins

    frame = palmerpenguins.load_penguins()
    folder = tmp_path_factory.mktemp("penguins")
    frame.to_parquet(folder / "penguins.parquet")
    flagged = frame.assign(heavy=frame.body_mass_g > 4500)   # a true/false column, for the measure
    flagged.to_parquet(folder / "flagged.parquet")
    return folder, frame


def link(path: str, data: dict, **extra) -> object:
    at = new_app()
    at.query_params.update({"path": path, "node": path.split(".")[-1], **data, **extra})
    return at.run()


def data_of(folder, name="penguins.parquet", **more) -> dict:
    return {"data": "path", "data_path": str(folder / name), "data_format": "parquet", **more}


def qp(at, key: str):
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def keys(at, prefix: str) -> list[str]:
    return [w.key for w in at.main if getattr(w, "key", None) and str(w.key).startswith(prefix)]


def test_chosen_once_carried_to_every_technique_and_kept(spark, penguins):
    folder, frame = penguins
    path = str(folder / "penguins.parquet")
    at = new_app().run()
    at.radio(key="data_kind").set_value("path").run()
    at.text_input(key="data_path").set_value(path)
    at.text_input(key="data_where").set_value("island = 'Biscoe'")
    at.button(key="data_use").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["dui_schema"].columns == tuple(PENGUIN_COLUMNS)
    first = [e for e in at.session_state["evidence"] if e.kind == "data"]
    assert len(first) == 1 and first[0].params["source"]["path"] == path and "8 column(s)" in first[0].detail
    # walk: Unexpected results → What looks wrong? → take; nothing about the source is asked again
    at.button(key="sym_wrong_results").click().run()
    at.button(key="edge_0").click().run()
    at.button(key="edge_0").click().run()
    assert at.session_state["walk"].current == "t_take"
    assert keys(at, "p_t_take_source") == [] and keys(at, "data_path") == ["data_path"]
    assert qp(at, "data_path") == path and qp(at, "data_where") == "island = 'Biscoe'"
    at.button(key="run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rows = at.dataframe[0].value
    assert list(rows.columns) == PENGUIN_COLUMNS and set(rows.island) == {"Biscoe"}
    # the next technique has the same data, and so does its run
    at.button(key="edge_0").click().run()
    assert at.session_state["walk"].current == "t_profile" and keys(at, "p_t_profile_source") == []
    assert any("penguins.parquet where island = 'Biscoe'" in i.value for i in at.info)
    runs = [e for e in at.session_state["evidence"] if e.kind == "run"]
    assert runs[0].params["source"] == {"kind": "path", "path": path, "format": "parquet", "where": "island = 'Biscoe'"}
    assert [e.kind for e in at.session_state["evidence"]].count("data") == 1   # chosen once
    # the link reopens the same data (and reads its schema again) in a new browser session
    again = link("wrong_results.q_unexpected.t_take.t_profile", {k: qp(at, k) for k in at.query_params
                                                                   if k.startswith("data")})
    assert again.session_state["dui"] == at.session_state["dui"]
    assert again.session_state["dui_schema"] == at.session_state["dui_schema"]
    assert "(from the link)" in next(e.detail for e in again.session_state["evidence"] if e.kind == "data")


def test_column_parameters_are_pick_lists_prefilled_from_the_schema(spark, penguins):
    folder, _ = penguins
    at = link("slow.t_skew", data_of(folder))
    assert list(at.multiselect(key="p_t_skew_keys").options) == PENGUIN_COLUMNS
    assert at.multiselect(key="p_t_skew_keys").value == ["species"]          # the demo's client_id is not there
    at = link("slow.c_exponential.t_divide_conquer", data_of(folder))
    assert at.selectbox(key="p_t_divide_conquer_column").value == "bill_length_mm"   # a number to combine
    at = link("slow.c_exponential.t_repartition", data_of(folder))
    assert at.selectbox(key="p_t_repartition_key").value == "species"
    at = link("wrong_results.q_unexpected.t_sample", data_of(folder))
    assert at.selectbox(key="p_t_sample_column").value == "species"
    assert at.text_input(key="p_t_sample_measure").value == ""             # no true/false column here
    assert at.text_input(key="p_t_sample_numerator").value == ""           # the demo's categories 'a', 'b, c' gone
    at = link("wrong_results.q_unexpected.t_sample", data_of(folder, "flagged.parquet"))
    assert at.text_input(key="p_t_sample_measure").value == "heavy"        # a measure that type-checks
    at = link("wrong_results.q_unexpected.c_control_flow.t_branch_count", data_of(folder), **{"code.function": RATIO})
    assert at.selectbox(key="p_t_branch_count_group_by").value == ""       # optional, and client_id is not there
    assert at.text_area(key="fn_function_code").value == RATIO            # the user's function from the link
    assert at.text_area(key="p_t_branch_count_expectations").value == ""   # the demo function's expectations gone
    assert not at.error and at.button(key="run").disabled is False


def test_unreadable_data_is_refused_before_any_spark_job(spark, penguins):
    folder, _ = penguins
    at = link("crash.t_take", data_of(folder, data_where="no_such_column > 1"))
    assert not at.exception
    assert any("This data cannot be read" in e.value and "no_such_column" in e.value for e in at.error)
    assert at.button(key="run").disabled is True
    assert not [e for e in at.session_state["evidence"] if e.kind == "run"]
    # fixing the where clause in the box at the top unblocks every technique
    at.text_input(key="data_where").set_value("year > 2007")
    at.button(key="data_use").click().run()
    assert not at.error and at.button(key="run").disabled is False
    assert at.session_state["dui"]["where"] == "year > 2007"


def test_the_users_function_is_typed_once_for_every_technique_that_takes_it(spark, penguins):
    folder, _ = penguins
    at = link("crash.t_naughty_rows", data_of(folder))
    assert at.text_area(key="fn_function_code").value == ""                # not the demo's function
    at.text_area(key="fn_function_code").set_value(RATIO).run()
    assert qp(at, "code.function") == RATIO
    for to in ("q_not_data", "c_framework_state", "t_scale_out"):
        edge = next(i for i, e in enumerate(at.session_state["runbook"].node(at.session_state["walk"].current).edges)
                    if e.to == to)
        at.button(key=f"edge_{edge}").click().run()
    assert at.session_state["walk"].current == "t_scale_out"
    assert at.text_area(key="fn_function_code").value == RATIO
    # a technique that takes another kind of code keeps its own
    at = link("slow.c_exponential.t_divide_conquer", data_of(folder), **{"code.function": RATIO})
    assert at.text_area(key="fn_combining-function_code").value == ""


def test_back_to_the_demo_data_restores_each_steps_own(spark, penguins):
    folder, _ = penguins
    at = link("crash.t_take", data_of(folder))
    assert keys(at, "p_t_take_source") == []
    at.radio(key="data_kind").set_value("steps").run()
    at.button(key="data_use").click().run()
    assert at.session_state["dui"] is None
    assert at.number_input(key="p_t_take_source_rows").value == 10_000
    assert "data_path" not in at.query_params and qp(at, "node") == "t_take"
    assert [e.title for e in at.session_state["evidence"] if e.kind == "data"][-1] == \
        "data under investigation: each step's own demo data"


def test_describe_reads_the_schema_with_where_and_columns(spark, penguins):
    from dcs_engine.errors import SourceError
    from dcs_engine.inputs.sources import SourceSpec, describe

    folder, frame = penguins
    frame.to_csv(folder / "penguins.csv", index=False)
    spec = SourceSpec(kind="path", path=str(folder / "penguins.csv"), format="csv", where="year = 2009",
                      columns=("species", "bill_length_mm", "year"))
    schema = describe(spark, spec)
    assert schema.columns == ("species", "bill_length_mm", "year")
    assert schema.types == ("string", "double", "int") and schema.type_of("year") == "int"
    with pytest.raises(SourceError) as err:
        describe(spark, SourceSpec(kind="path", path=str(folder / "penguins.parquet"), where="nope = 1"))
    assert "nope" in err.value.message


def test_the_whole_runbook_is_one_toggle_away(spark):
    at = new_app()
    at.query_params.update({"path": "crash.t_take", "node": "t_take"})
    at.run()
    assert "f_kryo" not in at.get("graphviz_chart")[0].proto.spec      # the neighbourhood only
    at.toggle(key="tree_all").set_value(True).run()
    assert not at.exception
    assert at.select_slider(key="tree_zoom").value == 1.0
    (frame,) = at.get("iframe")                                          # drawn on the server by dot
    page = frame.proto.srcdoc
    assert page.count("<svg") == 1 and page.count('class="node current"') == 1
    assert 'id="n&#45;f_kryo"' in page                                   # every node
    width = float(page.split('<svg width="', 1)[1].split("pt", 1)[0])
    at.select_slider(key="tree_zoom").set_value(2.0).run()
    zoomed = at.get("iframe")[0].proto.srcdoc
    assert abs(float(zoomed.split('<svg width="', 1)[1].split("pt", 1)[0]) - 2 * width) <= 1
    at.select_slider(key="tree_zoom").set_value("fit").run()
    assert '<svg width="100%"' in at.get("iframe")[0].proto.srcdoc
