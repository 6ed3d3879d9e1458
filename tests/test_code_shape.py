"""The code keeps the shape DEVELOPERS.md asks for: modules under ~400 lines, functions under ~60,
no Streamlit in the engine, ruff clean.  These checks read the files; they need no Spark."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dcs_engine", "runbook", "app_pages", "lessons")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sources():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))
    yield ROOT / "app.py"


def test_modules_stay_under_400_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in _sources()}
    long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by what they do): {long}"


def test_functions_stay_under_60_lines():
    long = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = n
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_engine_never_imports_streamlit():
    offenders = []
    for pkg in ("dcs_engine", "runbook", "lessons"):
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


# What a page may import from the engine: the one door (service) and plain values, never the registry,
# the runtime, the inputs or a technique (those run in a diagnosis' worker process).
PAGE_IMPORTS = {"service", "errors", "results", "evidence", "access", "config", "limits", "incidents"}


def test_pages_reach_the_engine_through_one_door():
    offenders = []
    for path in [*(ROOT / "app_pages").rglob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dcs_engine"):
                mods = node.module.split(".")[1:2] or [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                mods = [a.name.split(".")[1] for a in node.names if a.name.startswith("dcs_engine.")]
            else:
                continue
            offenders += [f"{path.relative_to(ROOT)}: dcs_engine.{m}" for m in mods if m not in PAGE_IMPORTS]
    assert not offenders, offenders


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: `make test` installs it from requirements-dev.txt")
    proc = subprocess.run([ruff, "check", "--output-format", "concise", "."], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]


def _error_calls():
    """Every ``SomethingError(...)`` call in the engine: (where, class name, condition given or None)."""
    for path in sorted((ROOT / "dcs_engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id.endswith(("Error", "Unavailable", "Cancelled", "Required", "Denied", "Exceeded")):
                kw = {k.arg: k.value for k in node.keywords}
                cond = kw.get("condition")
                given = cond.value if isinstance(cond, ast.Constant) else ("<computed>" if cond else None)
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.func.id, given


def test_every_error_names_a_declared_condition():
    """Tests and runbooks match on conditions: each one raised is declared once, with its meaning, and no
    engine error falls back to the catch-all ``DCS_ERROR``."""
    import dcs_engine.errors as errors
    from dcs_engine.eventlog.errors import EventLogError
    from dcs_engine.triage.catalog import CatalogError

    classes = {c.__name__: c for c in vars(errors).values() if isinstance(c, type) and
               issubclass(c, errors.DcsError)}
    classes.update(EventLogError=EventLogError, CatalogError=CatalogError)
    undeclared, fallback = [], []
    for where, name, given in _error_calls():
        if name not in classes:
            continue  # Python's own exceptions
        cond = given or classes[name].default_condition
        if cond == "DCS_ERROR":
            fallback.append(f"{where} {name}")
        elif cond != "<computed>" and cond not in errors.CONDITIONS:
            undeclared.append(f"{where} {cond}")
    assert not undeclared, f"conditions raised but not declared in errors.CONDITIONS: {undeclared}"
    assert not fallback, f"errors without a condition of their own: {fallback}"
    for cls in classes.values():
        assert cls.default_condition == "DCS_ERROR" or cls.default_condition in errors.CONDITIONS, cls
