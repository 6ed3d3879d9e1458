"""The user-code techniques on a real standalone cluster (1 master, 2 workers; tests/cluster_fixture.py).

A helper module that the driver imports from its own directory is not on the executors (they run
in the workers' work dirs, without this checkout or dcs_engine): env_check names it, scale_out
fails with the triaged ModuleNotFoundError, and shipping it with addPyFile makes scale_out pass.
Branch counting gives the same counts on the cluster as in one process, naughty rows finds the
same rows, and what the function prints on the executors comes back through the worker logs --
the engine's task code travelling by value.  One driver process makes every run (a driver costs
~20 s to start); each test reads its part.
"""
import pytest

from dcs_engine.errors import SparkJobError
from tests.test_usercode_connect import client_only_module

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def helper(tmp_path_factory):
    return client_only_module(tmp_path_factory, "my_local_utilities")


@pytest.fixture(scope="module")
def naughty_module(tmp_path_factory):
    return client_only_module(tmp_path_factory, "naughty_helpers")


@pytest.fixture(scope="module")
def on_cluster(standalone_cluster, helper, naughty_module):
    calls = [("tests.usercode_remote:framework_state", {"helper_dir": helper[0], "helper": helper[1]}),
             ("tests.usercode_remote:branch_parity", {"rows": 1500}),
             ("tests.usercode_remote:naughty_runs", {"module_dir": naughty_module[0], "module": naughty_module[1]}),
             ("tests.usercode_remote:branch_printing", {}),
             ("tests.usercode_remote:counters", {}),
             ("tests.usercode_remote:take_rows", {}),
             ("tests.usercode_remote:notebook_runs", {})]
    results = standalone_cluster.call(calls, timeout=900)
    for (fn, _), (status, value, _) in zip(calls, results):
        assert status == "ok", f"{fn}: {value}"
    keys = ("framework", "branch", "naughty", "printing", "counters", "take", "notebook")
    return dict(zip(keys, (value for _, value, _ in results)))


def test_env_check_names_the_module_missing_on_executors(on_cluster, helper):
    where, name = helper
    rep = on_cluster["framework"]
    env = rep["env"]
    assert rep["kind"] == "classic" and env.outcome == "differences" and env.executors_seen == 2
    mods = {m.module: m for m in env.modules}
    assert mods[name].driver == "ok" and mods[name].executors == f"ModuleNotFoundError: No module named '{name}'"
    assert mods[name].fix.startswith(f"ship your module to the executors: sc.addPyFile('{where}/{name}.py')")
    # the engine itself is not installed on the executors: its probes were shipped by value
    assert mods["dcs_engine"].executors == "ModuleNotFoundError: No module named 'dcs_engine'"
    # spark.pyspark.python points executors at the driver's venv
    assert not [d for d in env.differences if d.topic == "Python environment"]
    assert rep["env_after"].outcome == "same"
    assert [(m.module, m.executors) for m in rep["env_after"].modules] == [(name, "ok")]


def test_scale_out_fails_unshipped_and_passes_shipped(on_cluster, helper):
    where, name = helper
    rep = on_cluster["framework"]
    failed, fixed = rep["unshipped"], rep["shipped"]
    assert failed.outcome == "failed" and failed.triage.exception_class == "ModuleNotFoundError"
    assert name in failed.triage.headline and failed.partitions == 2
    assert fixed.outcome == "same" and fixed.shipped == (f"{where}/{name}.py",)
    assert fixed.local == fixed.distributed == rep["expected_kept"] and 0 < len(fixed.local) < 10


def test_branch_counts_on_the_cluster_equal_one_process(on_cluster):
    b = on_cluster["branch"]
    res = b["result"]
    assert (res.outcome, res.kind) == ("surprise", "classic")
    assert res.calls == b["local_calls"] > 100 and b["remote_lines"] == b["local_lines"]


def test_naughty_rows_on_the_cluster(spark, on_cluster, naughty_module):
    where, name = naughty_module
    rep = on_cluster["naughty"]
    from dcs_engine import registry
    from tests import usercode_remote as remote

    here = registry.run_technique("naughty_rows", spark, {"source": {**remote.PINGS, "rows": 800}, "examples": 2,
                                                          "code": "def info_counter(row):\n    return row['payload']"
                                                                  "['info']['profileSubsessionCounter'] + 1\n"})
    nested = rep["nested"]
    assert nested.engine == here.engine == "rdd"
    assert [(s.message, s.count, s.examples) for s in nested.signatures] == \
        [(s.message, s.count, s.examples) for s in here.signatures]
    stopped = rep["stopped"]
    assert not stopped.complete and stopped.raised >= 5 and stopped.scanned < 2000
    err = rep["unshipped"]
    assert isinstance(err, SparkJobError) and err.condition == "USER_MODULE_NOT_ON_EXECUTORS"
    assert err.params["module"] == name
    assert rep["shipped"].shipped == f"module '{name}' shipped with sc.addPyFile('{where}/{name}.py')"
    assert rep["rdd"].engine == "rdd" and rep["rdd"].outcome == "problems_found"   # classic keeps the RDD path


def test_worker_logs_come_back_from_the_cluster_executors(on_cluster):
    printed = on_cluster["naughty"]["printed"]
    bad = printed.raised
    assert bad > 0 and printed.logs.lines == 2 * bad
    assert sum(p.count for p in printed.logs.patterns if p.logger == "stdout") == bad
    assert sum(p.count for p in printed.logs.patterns if p.logger == "user.check") == bad
    branch = on_cluster["printing"]
    assert branch.raised == bad and branch.logs.lines == 2 * bad


def test_counting_three_ways_on_the_cluster(on_cluster):
    c = on_cluster["counters"]
    assert c["tasks"] == {"almost_every_time": 100, "once_in_a_blue_moon": 600}
    assert c["observed"] == {"none": 600, "some": 100}
    assert c["accumulators"] == ("a",)   # accumulators exist on classic Spark


def test_take_on_the_cluster(spark, on_cluster):
    from dcs_engine import registry
    from tests import usercode_remote as remote

    local = registry.run_technique("take", spark, {"source": {**remote.PINGS, "rows": 30}, "n": 4})
    assert on_cluster["take"].rows == local.rows


def test_notebook_api_on_the_users_own_dataframe_on_the_cluster(on_cluster):
    """dcs.naughty_rows / branch_count / scale_out / env_check / take on the cluster, with functions from a
    notebook cell that only the client has (they travel by value)."""
    from tests.test_usercode_api import check_notebook_runs

    check_notebook_runs(on_cluster["notebook"], "classic")
