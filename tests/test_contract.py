"""The technique contract: typed parameters, column checks before any job, the outcome check,
errors with conditions, and the same technique running on classic Spark and on Spark Connect."""
import dataclasses
import pickle

import pytest

from dcs_engine import registry
from dcs_engine.contract import Param, Technique, check_outcome
from dcs_engine.errors import ParameterError, SourceError, TechniqueError


def test_coerce_gives_frozen_typed_params_with_the_source_parsed():
    from dcs_engine.inputs.sources import SourceSpec

    p = registry.coerce_params(registry.get("take"), {"n": "7", "source": {"kind": "demo", "rows": "20"}})
    assert p.n == 7 and isinstance(p.n, int)
    assert isinstance(p.source, SourceSpec) and p.source.rows == 20
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.n = 8
    assert p.to_dict()["source"]["rows"] == 20


@pytest.mark.parametrize("raw,condition,params", [
    ({"nn": 3}, "PARAM_UNKNOWN", {"param": "nn"}),
    ({"n": "three"}, "PARAM_INVALID", {"param": "n", "kind": "int"}),
    ({"n": 0}, "PARAM_OUT_OF_RANGE", {"param": "n", "min": 1}),
    ({"n": 10_001}, "PARAM_OUT_OF_RANGE", {"param": "n", "max": 10_000}),
])
def test_bad_parameters_carry_a_condition_and_its_parameters(raw, condition, params):
    with pytest.raises(ParameterError) as e:
        registry.coerce_params(registry.get("take"), raw)
    assert e.value.condition == condition
    assert {k: e.value.params[k] for k in params} == params


def test_errors_keep_condition_and_parameters_across_processes():
    err = ParameterError("parameter 'n'", condition="PARAM_OUT_OF_RANGE", params={"param": "n", "max": 5},
                         expected="at most 5", found="9", fix="lower it")
    back = pickle.loads(pickle.dumps(err))
    assert (back.condition, dict(back.params), back.message) == (err.condition, dict(err.params), err.message)
    assert back.message == "[DCS101] parameter 'n'; expected at most 5; found 9. Fix: lower it"


_FAKE = Technique(id="fake", title="Fake", summary="", snippet="",
                  params=(Param("source", "source", default={"kind": "demo", "rows": 5}),
                          Param("key", "column", default="client_id")),
                  outcomes=("good", "bad"))


def test_a_result_with_an_undeclared_outcome_is_refused():
    @dataclasses.dataclass(frozen=True)
    class R:
        outcome: str

    assert check_outcome(_FAKE, R("good")).outcome == "good"
    with pytest.raises(TechniqueError) as e:
        check_outcome(_FAKE, R("Balanced"))
    assert e.value.condition == "UNDECLARED_OUTCOME" and e.value.params["outcome"] == "'Balanced'"


def test_column_parameters_are_checked_against_the_schema_before_any_job():
    params = registry.coerce_params(_FAKE, {"key": "clientid"})
    registry.check_columns(params.replace(key="client_id"), ["client_id", "x"])
    with pytest.raises(SourceError) as e:
        registry.check_columns(params, ["client_id", "x"])
    assert e.value.condition == "COLUMN_NOT_FOUND"
    assert dict(e.value.params) == {"param": "key", "column": "clientid", "available": ["client_id", "x"]}


def test_notebook_api_runs_on_the_users_own_dataframe(spark):
    import dcs_engine as dcs

    df = spark.createDataFrame([(1, "a"), (2, None)], "id int, s string")
    result = dcs.take(df, n=1)
    assert result.columns == ("id", "s") and len(result.rows) == 1
    assert "<table>" in result._repr_html_() and result.source == "your DataFrame"


def _take_twice(spark):
    from dcs_engine.runtime.context import context_for

    ctx = context_for(spark)
    result = registry.run_technique("take", ctx, {"source": {"kind": "demo", "rows": 30}, "n": 4})
    return ctx.kind, result


@pytest.mark.connect
def test_take_runs_the_same_on_spark_connect(spark, connect_server):
    [(status, value, _)] = connect_server.call([("tests.test_contract:_take_twice", {})])
    assert status == "ok", value
    kind, remote = value
    local_kind, local = _take_twice(spark)
    assert (kind, local_kind) == ("connect", "classic")
    assert remote.rows == local.rows and remote.columns == local.columns
