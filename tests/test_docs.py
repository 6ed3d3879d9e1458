"""Tests that keep the README honest."""
import re
from pathlib import Path

from dcs_engine import registry

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_commands_exist():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    for cmd in re.findall(r"`make ([a-z-]+)", README) + re.findall(r"^make ([a-z-]+)", README, re.M):
        assert cmd in targets, f"README mentions `make {cmd}`, which the Makefile lacks"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_lists_every_technique():
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", README, re.M))
    assert listed == set(registry.technique_ids())


def test_readme_lists_every_bench_script():
    for script in (ROOT / "bench").glob("*.py"):
        assert f"bench/{script.name}" in README, script.name


def test_readme_error_example_is_real():
    import pytest

    from dcs_engine.errors import RunbookError
    from runbook import loads

    example = next(line for line in README.splitlines() if line.startswith("[DCS301] team.yaml"))
    with pytest.raises(RunbookError) as e:
        loads("title: x\nnodes:\n  - {id: a, kind: symptom, title: A, text: t, edges: [{to: nowhere, label: go}]}\n",
              "team.yaml")
    assert e.value.message == example


def test_readme_python_example_runs(spark):
    code = README.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code.replace("print(", "_ = ("), "README", "exec"), namespace)
    assert len(namespace["result"].rows) == 3
    assert namespace["result"].columns == ("id", "day")
