"""env_check and scale_out on the local session: the needed-module analysis, the
missing-module trap (a module found on the driver's sys.path at runtime only),
the addPyFile fix, and result comparison."""
import sys
import uuid

import pytest

from dcs_engine import registry
from dcs_engine.errors import UserCodeError
from dcs_engine.inputs.usercode import from_code
from dcs_engine.techniques.env_check import needed_modules

E10S = {"kind": "demo", "rows": 3000, "seed": 42, "where": "active_experiment_id is not null"}


def run(spark, tid, **params):
    tech = registry.get(tid)
    return registry.run_technique(tech, spark, params)


@pytest.fixture
def helper_module(tmp_path, monkeypatch):
    """A helper module the driver imports from a directory only the driver has on sys.path."""
    name = f"my_local_utilities_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(
        "def is_e10s_experiment(row):\n"
        "    return row['active_experiment_id'].startswith('e10s')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, tmp_path
    sys.modules.pop(name, None)


def test_needed_modules_from_imports_globals_and_own_module(helper_module):
    name, path = helper_module
    code = (f"import json\nimport {name} as mlu\nfrom os.path import join\n\n"
            "def f(row):\n    import csv\n    def inner(x):\n        return join('a', json.dumps(x))\n"
            "    return mlu.is_e10s_experiment(row) and inner(row)\n")
    got = dict(needed_modules(from_code(code, "f")))
    assert set(got) == {"csv", "json", name, "posixpath"}
    assert got[name] == "global name 'mlu' is this module"
    assert got["csv"] == "imported inside the function (line 6)"
    from dcs_engine.inputs.usercode import from_reference

    uf = from_reference(f"{path}/{name}.py:is_e10s_experiment")
    assert needed_modules(uf)[0][0] == name


def test_same_environment_in_local_mode(spark):
    res = run(spark, "env_check", code="import json\ndef f(row):\n    return json.dumps(row)\n", function="f")
    assert res.outcome == "same", res.to_markdown()
    assert [(m.module, m.driver, m.executors) for m in res.modules] == [("json", "ok", "ok")]
    assert res.executors_seen >= 1 and res.tasks == 2 * spark.sparkContext.defaultParallelism
    assert res.headline.endswith("and all 1 module(s) your function needs import there.")


def test_missing_module_is_named_with_its_fix_then_shipping_makes_scale_out_pass(spark, helper_module):
    name, path = helper_module
    code = f"import {name}\n\ndef pick(row):\n    return {name}.is_e10s_experiment(row)\n"
    env = run(spark, "env_check", code=code, function="pick")
    assert env.outcome == "differences"
    [missing] = env.missing
    assert missing.module == name and missing.driver == "ok"
    assert missing.executors == f"ModuleNotFoundError: No module named '{name}'"
    assert missing.fix.startswith(f"ship your module to the executors: sc.addPyFile('{path}/{name}.py')")
    assert f"--py-files {path}/{name}.py" in missing.fix
    assert env.headline == f"Driver and executors differ (missing on executors: {name})."

    failed = run(spark, "scale_out", source=E10S, code=code, function="pick", n=10)
    assert failed.outcome == "failed" and failed.distributed == ()
    assert failed.triage.exception_class == "ModuleNotFoundError"
    assert failed.triage.message == f"No module named '{name}'"
    assert "fails when the same rows are distributed" in failed.headline

    fixed = run(spark, "scale_out", source=E10S, code=code, function="pick", n=10, ship=True)
    assert fixed.outcome == "same" and fixed.shipped == (f"{path}/{name}.py",)
    from dcs_engine.inputs.sources import SourceSpec, load

    sample = load(spark, SourceSpec.from_dict(E10S)).take(10)
    kept = [repr(r) for r in sample if r["active_experiment_id"].startswith("e10s")]
    assert fixed.local == fixed.distributed == tuple(kept) and 0 < len(kept) < 10
    assert "scale up next" in fixed.headline
    assert run(spark, "env_check", code=code, function="pick").outcome == "same"


def test_differs_when_the_function_depends_on_the_process(spark):
    code = "import os\n\ndef where(row):\n    return (row['client_id'], os.getpid())\n"
    res = run(spark, "scale_out", source={"kind": "demo", "rows": 50}, code=code, function="where", n=5, mode="map")
    assert res.outcome == "differs" and len(res.mismatches) == 5
    assert res.mismatches[0].local != res.mismatches[0].distributed


def test_function_failing_locally_is_refused_before_scaling_out(spark):
    code = "def fragile(row):\n    return row['active_experiment_id'].startswith('e10s')\n"
    with pytest.raises(UserCodeError) as e:
        run(spark, "scale_out", source={"kind": "demo", "rows": 200}, code=code, function="fragile", n=50)
    assert e.value.message.startswith("[DCS104] fragile on the local sample; expected the function to work on the "
                                      "small local sample; found AttributeError: 'NoneType' object has no attribute")
    assert (e.value.condition, dict(e.value.params)) == (
        "USER_CODE_FAILED", {"function": "fragile", "where": "local sample", "error": "AttributeError"})


def test_flatmap_mode_and_dict_rows(spark):
    code = "def explode(row):\n    return [row['channel']] * 2\n"
    res = run(spark, "scale_out", source={"kind": "demo", "rows": 100}, code=code, function="explode",
              n=7, mode="flatMap", row_type="dict")
    assert res.outcome == "same" and len(res.local) == 14


def test_on_connect_only_python_itself_and_needed_modules_decide():
    """A client and a server always differ in environment and packages; a minor Python version
    (cloudpickle needs the same) and a needed module that does not import there are decisive."""
    import copy

    from dcs_engine.techniques.env_check import compare, make_probe

    here = make_probe(("json",))(iter(()))
    server = copy.deepcopy(here)
    server.update(prefix="/opt/server-venv", executable="/opt/server-venv/bin/python", cwd="/srv")
    name, version = next(iter(here["distributions"].items()))
    server["distributions"][name] = version + ".post1"
    server["distributions"]["only-on-the-server"] = "1.0"
    same = compare(here, [server], [("json", "asked for")], kind="connect")
    assert same.outcome == "same" and same.differences and not same.decisive
    assert {d.topic for d in same.differences} >= {"Python environment", f"package {name}"}
    assert compare(here, [server], [("json", "asked for")], kind="classic").outcome == "differences"
    major, minor, *_ = here["python_version"].split(".")
    older = dict(server, python_version=f"{major}.{int(minor) - 1}.0")
    assert [d.topic for d in compare(here, [older], [], kind="connect").decisive] == ["Python version"]
    patch = dict(server, python_version=f"{major}.{minor}.999")
    assert compare(here, [patch], [], kind="connect").outcome == "same"
    missing = dict(server, modules={"json": "ModuleNotFoundError: No module named 'json'"})
    res = compare(here, [missing], [("json", "asked for")], kind="connect")
    assert res.outcome == "differences" and res.missing[0].fix.startswith("install 'json' on the Spark Connect server")
