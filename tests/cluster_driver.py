"""Driver program for the cluster tests (run in a subprocess by tests/cluster_fixture.py).

argv[1] is JSON: {"master": "spark://...", "helper_dir": ..., "helper": module name, "rows": N}.
Runs the engine's env_check, scale_out (unshipped, then shipped) and branch_count
against the standalone cluster and prints one JSON line with what it saw.
"""
import copy
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    task = json.loads(sys.argv[1])
    from dcs_engine import registry
    from dcs_engine.runtime.session import MANAGER, SparkSettings

    t0 = time.time()
    spark = MANAGER.session(SparkSettings(master=task["master"], app_name="dcs-cluster-test", conf=(
        ("spark.executor.memory", "512m"), ("spark.pyspark.python", sys.executable),
        ("spark.cores.max", "2"), ("spark.task.maxFailures", "2"))))
    out = {"startup_s": round(time.time() - t0, 1), "executors": MANAGER.info().executors}

    def run(tid, **params):
        tech = registry.get(tid)
        return registry.run_technique(tech, spark, params)

    sys.path.insert(0, task["helper_dir"])
    helper = task["helper"]
    code = f"import {helper}\n\ndef pick(row):\n    return {helper}.is_e10s_experiment(row)\n"
    e10s = {"kind": "demo", "rows": 3000, "seed": 42, "where": "active_experiment_id is not null"}

    env = run("env_check", code=code, function="pick", modules="dcs_engine")
    out["env"] = {"outcome": env.outcome, "executors_seen": env.executors_seen,
                  "modules": {m.module: [m.driver, m.executors, m.fix] for m in env.modules},
                  "environments": sorted({d.executors for d in env.differences if d.topic == "Python environment"}),
                  "s": round(time.time() - t0, 1)}
    failed = run("scale_out", source=e10s, code=code, function="pick", n=10)
    out["unshipped"] = {"outcome": failed.outcome, "triage": failed.triage.headline if failed.triage else None,
                        "exception_class": failed.triage.exception_class if failed.triage else None,
                        "s": round(time.time() - t0, 1)}
    fixed = run("scale_out", source=e10s, code=code, function="pick", n=10, ship=True)
    out["shipped"] = {"outcome": fixed.outcome, "local": list(fixed.local), "distributed": list(fixed.distributed),
                      "shipped": list(fixed.shipped)}
    after = run("env_check", code=code, function="pick")
    out["env_after"] = {"outcome": after.outcome, "modules": {m.module: m.executors for m in after.modules}}
    out["before_branch_s"] = round(time.time() - t0, 1)

    # branch counting across executor processes == the same instrumented function run here
    from dcs_engine.inputs.demo import build
    from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo
    from dcs_engine.inputs.usercode import from_code
    from dcs_engine.techniques.branch_count.instrument import instrument

    rows = task.get("rows", 1500)
    res = run("branch_count", source={"kind": "demo", "demo": "pings", "rows": rows, "seed": 42})
    groups = defaultdict(list)
    for r in build(spark, "pings", rows, 42).collect():
        groups[r["client_id"]].append(r.asDict(recursive=True))
    inst = instrument(from_code(demo.SOURCE, demo.FUNCTION))
    local = inst.run_local([(k, copy.deepcopy(v)) for k, v in groups.items()])
    out["branch"] = {"outcome": res.outcome, "calls": res.calls,
                     "cluster": {str(p.id): 0 for p in inst.probes}, "local": {}}
    from dcs_engine.techniques.branch_count import tally

    lines, _, _ = tally(inst, local)
    out["branch"]["local_lines"] = {str(lc.line): lc.hits for lc in lines if lc.hits is not None}
    out["branch"]["cluster_lines"] = {str(lc.line): lc.hits for lc in res.lines if lc.hits is not None}
    out["branch"]["local_calls"] = local["calls"]
    out["total_s"] = round(time.time() - t0, 1)
    MANAGER.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
