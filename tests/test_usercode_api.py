"""The notebook API (``import dcs_engine as dcs``) on a user's own DataFrame and functions from a
notebook cell, on the suite's local session; the same runs on Spark Connect are in
tests/test_usercode_connect.py (``notebook`` part), on the cluster in tests/test_cluster.py."""
import pytest

from dcs_engine.errors import SourceError
from tests import usercode_remote as remote


def check_notebook_runs(out: dict, kind: str) -> None:
    """What every kind must show for tests.usercode_remote:notebook_runs."""
    assert out["kind"] == kind
    nb = out["naughty"]
    assert (nb.outcome, nb.scanned, nb.raised, nb.kind) == ("problems_found", out["rows"], out["nulls"], kind)
    (sig,) = nb.signatures
    assert sig.exc_type == "AttributeError" and sig.count == out["nulls"] and sig.lineno == 2
    assert sig.where == "<dcs-notebook-cell-1>:2" and len(sig.examples) == 2
    assert sig.line.strip() == "return row['exp'].startswith('e10s')"
    bc = out["branches"]
    # the demo's default expectations are about the demo function: not applied to the user's own
    assert (bc.calls, bc.raised, bc.grouped_by, bc.kind, bc.outcome, bc.checks) == (
        out["clients"], 0, "client", kind, "as_expected", ())
    hits = {lc.line: lc.hits for lc in bc.lines}
    assert hits[5] == out["clients"] and hits[9] == out["rows"] and hits[10] == out["nulls"]
    assert out["scale_out"].outcome == "same"
    assert out["env"].outcome in ("same", "differences")
    assert out["take"].columns == ("id", "client", "exp") and len(out["take"].rows) == 3
    err = out["missing_group"]
    assert isinstance(err, SourceError)
    assert (err.condition, err.params["param"], err.params["column"]) == ("COLUMN_NOT_FOUND", "group_by", "clientid")


def test_notebook_api_on_the_users_own_dataframe_locally(spark):
    check_notebook_runs(remote.notebook_runs(spark), "classic")


def test_column_parameters_are_refused_before_any_job(spark):
    """A DataFrame whose every job fails: a wrong column name is reported, not the job's failure."""
    from pyspark.sql import functions as F

    import dcs_engine as dcs

    boom = F.udf(lambda v: 1 // 0, "int")
    df = spark.range(10).withColumn("x", boom("id"))
    with pytest.raises(SourceError) as e:
        dcs.branch_count(df, remote.notebook_cell()["per_client"], group_by="idd")
    assert (e.value.condition, e.value.params["param"], e.value.params["available"]) == (
        "COLUMN_NOT_FOUND", "group_by", ["id", "x"])
    with pytest.raises(SourceError) as e:
        dcs.naughty_rows(df, remote.notebook_cell()["has_e10s"], arguments="id, y")
    assert (e.value.condition, e.value.params["param"], e.value.params["column"]) == (
        "COLUMN_NOT_FOUND", "arguments", "y")
