"""The user-code techniques on a real Spark Connect server (tests/connect_fixture.py), against the same
runs on the suite's local classic session.

One Connect client process makes every run (a client costs seconds to start); each test reads its
part.  The server's Python workers have neither this checkout nor dcs_engine on their path (the
fixture strips PYTHONPATH), as on a real server: the engine's task code must travel by value and
the user's module with ``spark.addArtifacts``.
"""
import uuid

import pytest

from dcs_engine.errors import SparkJobError, TechniqueUnavailable
from tests import usercode_remote as remote

pytestmark = pytest.mark.connect


def client_only_module(tmp_path_factory, prefix: str) -> tuple[str, str]:
    """A helper module in a directory only the client has on sys.path (each test its own: a module
    once shipped stays in the session)."""
    where = tmp_path_factory.mktemp("client-only")
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    (where / f"{name}.py").write_text("def is_e10s_experiment(row):\n"
                                      "    return row['active_experiment_id'].startswith('e10s')\n"
                                      "\n\ndef is_e10s(row):\n"
                                      "    return row['active_experiment_id'].startswith('e10s')\n")
    return str(where), name


@pytest.fixture(scope="module")
def helper(tmp_path_factory):
    return client_only_module(tmp_path_factory, "my_local_utilities")


@pytest.fixture(scope="module")
def naughty_module(tmp_path_factory):
    return client_only_module(tmp_path_factory, "naughty_helpers")


@pytest.fixture(scope="module")
def on_connect(connect_server, helper, naughty_module):
    where, name = helper
    calls = [("tests.usercode_remote:framework_state", {"helper_dir": where, "helper": name}),
             ("tests.usercode_remote:branch_parity", {"rows": 1500}),
             ("tests.usercode_remote:naughty_runs", {"module_dir": naughty_module[0], "module": naughty_module[1]}),
             ("tests.usercode_remote:branch_printing", {}),
             ("tests.usercode_remote:counters", {}),
             ("tests.usercode_remote:take_rows", {}),
             ("tests.usercode_remote:notebook_runs", {})]
    results = connect_server.call(calls, timeout=900)
    for (fn, _), (status, value, _) in zip(calls, results):
        assert status == "ok", f"{fn}: {value}"
    keys = ("framework", "branch", "naughty", "printing", "counters", "take", "notebook")
    return dict(zip(keys, (value for _, value, _ in results)))


def test_env_check_compares_the_client_with_the_servers_workers(on_connect, helper):
    where, name = helper
    rep = on_connect["framework"]
    env = rep["env"]
    assert rep["kind"] == "connect" and env.kind == "connect" and env.here == "client"
    assert env.outcome == "differences" and env.executors_seen >= 1 and env.tasks >= 2
    mods = {m.module: m for m in env.modules}
    assert mods[name].driver == "ok" and mods[name].executors == f"ModuleNotFoundError: No module named '{name}'"
    assert mods[name].fix.startswith(f"ship your module to the executors: spark.addArtifacts('{where}/{name}.py', "
                                     "pyfile=True)")
    # the engine is not installed on the server: its probe went by value
    assert mods["dcs_engine"].executors == "ModuleNotFoundError: No module named 'dcs_engine'"
    assert env.headline.startswith("Client and executors differ (missing on executors: ")
    after = rep["env_after"]
    assert after.outcome == "same" and [(m.module, m.executors) for m in after.modules] == [(name, "ok")]


def test_scale_out_local_is_the_client_distributed_is_the_server(on_connect, helper):
    _, name = helper
    rep = on_connect["framework"]
    failed, fixed = rep["unshipped"], rep["shipped"]
    assert (failed.outcome, failed.kind, failed.here, failed.there) == ("failed", "connect", "client",
                                                                        "server's workers")
    assert failed.triage.exception_class == "ModuleNotFoundError" and name in failed.triage.message
    assert fixed.outcome == "same" and fixed.shipped == (f"{helper[0]}/{name}.py",)
    assert fixed.local == fixed.distributed == rep["expected_kept"] and 0 < len(fixed.local) < 10


def test_branch_counts_on_connect_equal_one_process(on_connect):
    b = on_connect["branch"]
    res = b["result"]
    assert (res.outcome, res.kind, res.grouped_by) == ("surprise", "connect", "client_id")
    assert res.calls == b["local_calls"] > 100 and b["remote_lines"] == b["local_lines"]


def test_naughty_rows_takes_the_arrow_path_on_connect_with_nested_rows(spark, on_connect):
    rep = on_connect["naughty"]
    nested = rep["nested"]
    assert (nested.kind, nested.engine) == ("connect", "arrow")
    from dcs_engine import registry

    here = registry.run_technique("naughty_rows", spark, {"source": {**remote.PINGS, "rows": 800}, "examples": 2,
                                                          "code": "def info_counter(row):\n    return row['payload']"
                                                                  "['info']['profileSubsessionCounter'] + 1\n"})
    assert here.engine == "rdd"   # classic keeps Spark's own Rows for nested schemas
    assert [(s.exc_type, s.message, s.count, s.lineno) for s in nested.signatures] == \
        [(s.exc_type, s.message, s.count, s.lineno) for s in here.signatures]
    assert nested.signatures[0].message == "'NoneType' object is not subscriptable"
    assert nested.signatures[0].examples == here.signatures[0].examples   # the same rows, as Row objects
    assert [s.count for s in rep["nested_dict"].signatures] == [s.count for s in here.signatures]


def test_naughty_rows_early_stop_on_connect_is_per_task(on_connect):
    stopped = on_connect["naughty"]["stopped"]
    assert stopped.raised >= 5 and not stopped.complete
    assert any("Spark Connect runs no partial jobs" in n for n in stopped.notes)


def test_naughty_rows_ships_a_file_module_with_add_artifacts(on_connect, naughty_module):
    where, name = naughty_module
    rep = on_connect["naughty"]
    err = rep["unshipped"]
    assert isinstance(err, SparkJobError) and err.condition == "USER_MODULE_NOT_ON_EXECUTORS"
    assert dict(err.params) == {"module": name, "function": "is_e10s", "file": f"{where}/{name}.py"}
    shipped = rep["shipped"]
    assert shipped.shipped == f"module '{name}' shipped with spark.addArtifacts('{where}/{name}.py', pyfile=True)"
    assert shipped.outcome == "problems_found" and shipped.signatures[0].exc_type == "AttributeError"
    rdd = rep["rdd"]
    assert isinstance(rdd, TechniqueUnavailable) and rdd.condition == "TECHNIQUE_NOT_SUPPORTED"
    assert (rdd.params["kind"], rdd.params["capability"]) == ("connect", "rdd")


def test_worker_logs_show_what_the_function_printed_on_connect(on_connect):
    printed = on_connect["naughty"]["printed"]
    bad = printed.raised
    assert bad > 0 and printed.logs.lines == 2 * bad   # one print and one warning per bad row
    assert sum(p.count for p in printed.logs.patterns if p.logger == "stdout") == bad
    assert sum(p.count for p in printed.logs.patterns if p.logger == "user.check" and p.level == "WARNING") == bad
    top = {}
    for p in printed.logs.patterns:   # most frequent first
        top.setdefault(p.logger, p.pattern)
    assert (top["stdout"], top["user.check"]) == ("no experiment for <hex>", "skipped row <hex>")
    branch = on_connect["printing"]
    assert branch.logs.lines == 2 * branch.raised and branch.raised == bad


def test_counting_without_accumulators_on_connect(on_connect):
    c = on_connect["counters"]
    assert c["tasks"] == {"almost_every_time": 100, "once_in_a_blue_moon": 600}
    assert c["observed"] == {"none": 600, "some": 100}
    err = c["accumulators"]
    assert isinstance(err, TechniqueUnavailable) and err.params["capability"] == "accumulators"


def test_take_on_connect(spark, on_connect):
    from dcs_engine import registry

    remote_take = on_connect["take"]
    local = registry.run_technique("take", spark, {"source": {**remote.PINGS, "rows": 30}, "n": 4})
    assert remote_take.rows == local.rows and remote_take.columns == local.columns


def test_notebook_api_on_the_users_own_dataframe_on_connect(on_connect):
    """dcs.naughty_rows / branch_count / scale_out / env_check / take on Spark Connect, with functions from a
    notebook cell that only the client has (they travel by value)."""
    from tests.test_usercode_api import check_notebook_runs

    check_notebook_runs(on_connect["notebook"], "connect")
