"""Runs of the user-code techniques made in a Spark Connect client or a cluster driver process.

Called by ``connect_server.call`` / ``standalone_cluster.call`` (tests/spark_call.py) as
``fn(spark, **kwargs)``; each returns plain data and the techniques' frozen results, pickled back.
The same functions run on both kinds, so a test compares like with like.  Errors a run is meant to
raise come back as values (``_raised``), so one process serves several checks.
"""
from __future__ import annotations

import copy
import sys
from collections import defaultdict

PINGS = {"kind": "demo", "demo": "pings", "seed": 42}
E10S = {"kind": "demo", "rows": 3000, "seed": 42, "where": "active_experiment_id is not null"}
PRINTS = ("def noisy(row):\n"
          "    if row['active_experiment_id'] is None:\n"
          "        print(f\"no experiment for {row['client_id']}\")\n"
          "        import logging\n"
          "        logging.getLogger('user.check').warning('skipped row %s', row['client_id'])\n"
          "        raise ValueError('no experiment')\n"
          "    return True\n")


def _run(spark, technique: str, **params):
    from dcs_engine import registry

    return registry.run_technique(technique, spark, params)


def _raised(fn):
    try:
        return fn()
    except Exception as exc:  # the test reads the condition and params
        from tests.spark_call import _portable

        return _portable(exc)


def kind_of(spark) -> str:
    from dcs_engine.runtime.context import context_for

    return context_for(spark).kind


def framework_state(spark, helper_dir: str, helper: str) -> dict:
    """The talk's trap: a helper module only the driver/client imports; env_check names it,
    scale_out fails, shipping fixes scale_out, env_check agrees afterwards."""
    sys.path.insert(0, helper_dir)
    code = f"import {helper}\n\ndef pick(row):\n    return {helper}.is_e10s_experiment(row)\n"
    out = {"kind": kind_of(spark)}
    out["env"] = _run(spark, "env_check", code=code, function="pick", modules="dcs_engine")
    out["unshipped"] = _run(spark, "scale_out", source=E10S, code=code, function="pick", n=10)
    out["shipped"] = _run(spark, "scale_out", source=E10S, code=code, function="pick", n=10, ship=True)
    out["env_after"] = _run(spark, "env_check", code=code, function="pick")
    from dcs_engine.inputs.sources import SourceSpec, load

    sample = load(spark, SourceSpec.from_dict(E10S)).take(10)
    out["expected_kept"] = tuple(repr(r) for r in sample if r["active_experiment_id"].startswith("e10s"))
    return out


def branch_parity(spark, rows: int = 1500) -> dict:
    """branch_count on this Spark against the same instrumented function run here in one process."""
    from dcs_engine.inputs.demo import build
    from dcs_engine.inputs.demo.datasets import to_sessions_demo as demo
    from dcs_engine.inputs.usercode import from_code
    from dcs_engine.techniques.branch_count import tally
    from dcs_engine.techniques.branch_count.instrument import instrument

    res = _run(spark, "branch_count", source={**PINGS, "rows": rows}, group_by="client_id")
    groups = defaultdict(list)
    for r in build(spark, "pings", rows, 42).collect():
        groups[r["client_id"]].append(r.asDict(recursive=True))
    inst = instrument(from_code(demo.SOURCE, demo.FUNCTION))
    local = inst.run_local([(k, copy.deepcopy(v)) for k, v in groups.items()])
    lines, _, _ = tally(inst, local)
    return {"result": res, "local_calls": local["calls"],
            "local_lines": {lc.line: lc.hits for lc in lines if lc.hits is not None},
            "remote_lines": {lc.line: lc.hits for lc in res.lines if lc.hits is not None}}


def naughty_runs(spark, module_dir: str, module: str) -> dict:
    """naughty_rows over nested rows (Arrow path everywhere on Connect), early stop, printing code,
    and a file module, unshipped then shipped."""
    sys.path.insert(0, module_dir)
    nested = ("def info_counter(row):\n"
              "    return row['payload']['info']['profileSubsessionCounter'] + 1\n")
    out = {"kind": kind_of(spark)}
    out["nested"] = _run(spark, "naughty_rows", source={**PINGS, "rows": 800}, code=nested, examples=2)
    out["nested_dict"] = _run(spark, "naughty_rows", source={**PINGS, "rows": 800}, code=nested, row_type="dict",
                              examples=2)
    out["stopped"] = _run(spark, "naughty_rows", source={"kind": "demo", "rows": 2000}, max_problems=5)
    out["printed"] = _run(spark, "naughty_rows", source={"kind": "demo", "rows": 400, "seed": 3}, code=PRINTS)
    ref = f"{module_dir}/{module}.py:is_e10s"
    out["unshipped"] = _raised(lambda: _run(spark, "naughty_rows", source={"kind": "demo", "rows": 300},
                                            code="", ref=ref, ship="none"))
    out["shipped"] = _run(spark, "naughty_rows", source={"kind": "demo", "rows": 300}, code="", ref=ref)
    out["rdd"] = _raised(lambda: _run(spark, "naughty_rows", source={"kind": "demo", "rows": 50}, engine="rdd"))
    return out


def branch_printing(spark) -> object:
    """branch_count of a function that prints on some rows: the worker logs are read back."""
    return _run(spark, "branch_count", source={"kind": "demo", "rows": 400, "seed": 3}, code=PRINTS,
                function="noisy", row_type="row", expectations="")


def counters(spark) -> dict:
    """The three counting mechanisms on this kind of session."""
    from dcs_engine.runtime.counters import Counters, count_in_tasks, observe_counts

    df = spark.createDataFrame([(i, None if i % 7 else "e10s") for i in range(700)], "id int, exp string")

    def process(row, counts):
        counts.add("almost_every_time" if row["exp"] is not None else "once_in_a_blue_moon")

    return {"tasks": count_in_tasks(df, process, "almost_every_time", "once_in_a_blue_moon"),
            "observed": observe_counts(df, none="exp is null", some="exp is not null"),
            "accumulators": _raised(lambda: Counters(spark, "a").names)}


def take_rows(spark) -> object:
    return _run(spark, "take", source={**PINGS, "rows": 30}, n=4)


# A notebook cell as Jupyter keeps it: compiled under its own file name, its text in linecache,
# its functions in __main__ (so cloudpickle sends them by value; the executors and a Connect server
# have neither this cell nor this checkout).
CELL = ("def has_e10s(row):\n"
        "    return row['exp'].startswith('e10s')\n"
        "\n\n"
        "def per_client(client_rows):\n"
        "    client, rows = client_rows\n"
        "    seen = 0\n"
        "    for row in rows:\n"
        "        if row['exp'] is None:\n"
        "            seen += 1\n"
        "    return client, seen\n")


def notebook_cell(cell: str = CELL, name: str = "<dcs-notebook-cell-1>") -> dict:
    import linecache

    linecache.cache[name] = (len(cell), None, cell.splitlines(keepends=True), name)
    namespace = {"__name__": "__main__"}
    exec(compile(cell, name, "exec"), namespace)
    return namespace


def users_frame(spark, rows: int = 600):
    """The user's own DataFrame (no demo data): a null ``exp`` every 50 rows, 7 clients."""
    data = [(i, f"c{i % 7}", None if i % 50 == 7 else f"e10s-{i % 3}") for i in range(rows)]
    return spark.createDataFrame(data, "id long, client string, exp string"), data


def notebook_runs(spark, rows: int = 600) -> dict:
    """The notebook API (``import dcs_engine as dcs``) on the user's own DataFrame and cell functions;
    with what plain Python computes from the same rows, to compare."""
    import dcs_engine as dcs

    cell = notebook_cell()
    df, data = users_frame(spark, rows)
    out = {"kind": kind_of(spark), "rows": len(data),
           "nulls": sum(1 for r in data if r[2] is None), "clients": len({r[1] for r in data})}
    out["naughty"] = dcs.naughty_rows(df, cell["has_e10s"], examples=2)
    out["branches"] = dcs.branch_count(df, cell["per_client"], group_by="client")
    out["scale_out"] = dcs.scale_out(df.where("exp is not null"), cell["has_e10s"], n=5)
    out["env"] = dcs.env_check(spark)
    out["take"] = dcs.take(df, n=3)
    out["missing_group"] = _raised(lambda: dcs.branch_count(df, cell["per_client"], group_by="clientid"))
    return out
