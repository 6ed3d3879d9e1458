"""The talk's framework-state failure on a real standalone cluster (1 master, 2 workers).

A helper module that the driver imports from its own directory is not on the
executors (they run in the workers' work dirs): env_check names it, scale_out
fails with the triaged ModuleNotFoundError, and shipping it with addPyFile makes
scale_out pass.  Branch counting gives the same counts on the cluster as in one
process -- and the engine's executor-side code travels by value (executors cannot
import dcs_engine).
"""
import uuid

import pytest


@pytest.fixture(scope="module")
def driver_report(standalone_cluster, tmp_path_factory):
    helper_dir = tmp_path_factory.mktemp("driver-only")
    helper = f"my_local_utilities_{uuid.uuid4().hex[:6]}"
    (helper_dir / f"{helper}.py").write_text(
        "def is_e10s_experiment(row):\n    return row['active_experiment_id'].startswith('e10s')\n")
    report = standalone_cluster.run_driver({"helper_dir": str(helper_dir), "helper": helper, "rows": 1500})
    print("cluster driver timings:", {k: v for k, v in report.items() if k.endswith("_s")})
    return helper, helper_dir, report


@pytest.mark.cluster
def test_env_check_names_the_module_missing_on_executors(driver_report):
    helper, helper_dir, rep = driver_report
    env = rep["env"]
    assert env["outcome"] == "differences" and env["executors_seen"] == 2
    driver, executors, fix = env["modules"][helper]
    assert driver == "ok" and executors == f"ModuleNotFoundError: No module named '{helper}'"
    assert fix.startswith(f"ship your module to the executors: sc.addPyFile('{helper_dir}/{helper}.py')")
    # the engine itself is not installed on the executors: its probes were shipped by value
    assert env["modules"]["dcs_engine"][1] == "ModuleNotFoundError: No module named 'dcs_engine'"
    assert env["environments"] == []   # spark.pyspark.python points executors at the driver's venv


@pytest.mark.cluster
def test_scale_out_fails_unshipped_and_passes_shipped(driver_report):
    helper, helper_dir, rep = driver_report
    assert rep["unshipped"]["outcome"] == "failed"
    assert rep["unshipped"]["exception_class"] == "ModuleNotFoundError"
    assert helper in rep["unshipped"]["triage"]
    shipped = rep["shipped"]
    assert shipped["outcome"] == "same" and shipped["shipped"] == [f"{helper_dir}/{helper}.py"]
    assert shipped["local"] == shipped["distributed"] and 0 < len(shipped["local"]) < 10
    assert rep["env_after"]["outcome"] == "same" and rep["env_after"]["modules"] == {helper: "ok"}


@pytest.mark.cluster
def test_branch_counts_on_the_cluster_equal_one_process(driver_report):
    _, _, rep = driver_report
    b = rep["branch"]
    assert b["outcome"] == "surprise"
    assert b["calls"] == b["local_calls"] > 100
    assert b["cluster_lines"] == b["local_lines"]
