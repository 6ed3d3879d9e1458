"""env_check: is the executors' Python the driver's Python?

Heterogeneous framework state (the talk's root cause #2): the driver imports a
helper module, the executors cannot; or the executors start another ``python3``
than the driver's venv.  This runs a tiny job -- ``2 x defaultParallelism`` tasks,
so every executor slot runs at least one probe in practice -- and compares with
the driver: Python version and implementation, executable, OS/machine,
``sys.path``, installed distributions and versions, and whether each module the
user's function needs imports there.

Modules the function needs: imports inside its code (AST), global names of its
code (nested functions included) that are modules or objects defined in another
module, and -- for a function loaded from a file -- that file's module itself.

Decisive differences (outcome ``differences``): Python version, implementation,
environment (``sys.prefix``: another venv or interpreter; ``python`` vs ``python3``
of one venv is not a difference), OS/machine, a distribution missing or at another version, a needed
module that does not import on an executor.  ``sys.path`` and the full platform
string are shown for information only (they always differ a little).
"""
from __future__ import annotations

import ast
import importlib.util
import os
import sys
import sysconfig
import types
from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.errors import SparkJobError
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import user_function

SKIP_MODULES = {"__main__", "__dcs_pasted__", "builtins"}


# --------------------------------------------------------------------------- which modules
def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def needed_modules(uf) -> list[tuple[str, str]]:
    """``[(module, why)]`` for a :class:`~dcs_engine.inputs.usercode.UserFunction` (or a function)."""
    func = getattr(uf, "func", uf)
    inner = func
    while hasattr(inner, "__wrapped__"):
        inner = inner.__wrapped__
    found: dict[str, str] = {}

    def add(mod: str | None, why: str):
        if mod and mod not in SKIP_MODULES and not mod.startswith("dcs_engine") and mod not in found:
            found[mod] = why

    own = getattr(uf, "module", None)
    if own:
        add(own, "the module your function is defined in (executors import it to unpickle the function)")
    source = getattr(uf, "source", "") or ""
    if source:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = None
        target = None
        if tree is not None and isinstance(inner, types.FunctionType):
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name == inner.__name__ and \
                        inner.__code__.co_firstlineno in {node.lineno, *(d.lineno for d in node.decorator_list)}:
                    target = node
                    break
        for node in ast.walk(target) if target is not None else ():
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, f"imported inside the function (line {node.lineno})")
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                add(node.module, f"imported inside the function (line {node.lineno})")
    if isinstance(inner, types.FunctionType):
        glb = inner.__globals__
        for name in sorted(_code_names(inner.__code__)):
            if name not in glb:
                continue
            value = glb[name]
            if isinstance(value, types.ModuleType):
                add(value.__name__, f"global name '{name}' is this module")
            elif isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", None) \
                    and value.__module__ != glb.get("__name__"):
                add(value.__module__, f"global name '{name}' is defined there")
    return list(found.items())


def local_module_file(name: str) -> str | None:
    """The driver's file (or package directory) for ``name`` if it is the user's own
    code -- not the standard library, not an installed distribution."""
    mod = sys.modules.get(name)
    path = getattr(mod, "__file__", None) if mod else None
    if path is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        path = spec.origin if spec and spec.origin not in (None, "built-in", "frozen") else None
    if not path:
        return None
    path = os.path.abspath(path)
    system = [sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    if any(path.startswith(os.path.abspath(p) + os.sep) for p in system) or "site-packages" in path:
        return None
    top = name.split(".")[0]
    if os.path.basename(path) == "__init__.py" or "." in name:
        # a package: ship its top directory
        top_mod = sys.modules.get(top)
        top_file = getattr(top_mod, "__file__", None) if top_mod else None
        if top_file and os.path.basename(top_file) == "__init__.py":
            return os.path.dirname(os.path.abspath(top_file))
    return path


# --------------------------------------------------------------------------- the probe (runs on executors)
def make_probe(modules: tuple[str, ...]):
    """A ``mapPartitions`` function describing the Python it runs in. Builtins and stdlib only."""

    def probe(_):
        import importlib
        import importlib.metadata as md
        import os
        import platform
        import socket
        import sys

        mods = {}
        for m in modules:
            try:
                importlib.import_module(m)
                mods[m] = "ok"
            except BaseException as exc:  # noqa: BLE001 - report whatever the import does
                mods[m] = f"{exc.__class__.__name__}: {exc}"
        dists = {}
        for d in md.distributions():
            try:
                name = d.metadata["Name"]
            except Exception:
                name = None
            if name:
                dists[name.lower().replace("_", "-")] = d.version
        yield {"host": socket.gethostname(), "pid": os.getpid(), "cwd": os.getcwd(),
               "python_version": platform.python_version(), "implementation": platform.python_implementation(),
               "executable": sys.executable, "prefix": sys.prefix, "system": f"{platform.system()} {platform.machine()}",
               "platform": platform.platform(), "sys_path": list(sys.path), "distributions": dists,
               "modules": mods}

    return probe


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class Difference:
    topic: str
    driver: str
    executors: str          # the value(s) seen on executors
    where: str              # which executors (host:cwd)


@dataclass(frozen=True)
class ModuleCheck:
    module: str
    why: str
    driver: str             # "ok" or the error
    executors: str          # "ok" or the first error seen
    failing: int            # executors where it fails
    fix: str


@dataclass(frozen=True)
class EnvCheckResult(Reportable):
    master: str
    executors_seen: int
    tasks: int
    driver: dict
    differences: tuple[Difference, ...]
    modules: tuple[ModuleCheck, ...]
    path_only_driver: tuple[str, ...]
    path_only_executors: tuple[str, ...]
    outcome: str

    @property
    def missing(self) -> tuple[ModuleCheck, ...]:
        return tuple(m for m in self.modules if m.failing)

    @property
    def headline(self) -> str:
        if self.outcome == "same":
            return (f"The {self.executors_seen} executor(s) seen run the same Python and packages as the driver"
                    + (f", and all {len(self.modules)} module(s) your function needs import there." if self.modules else "."))
        parts = []
        if self.missing:
            parts.append("missing on executors: " + ", ".join(m.module for m in self.missing))
        others = [d.topic for d in self.differences]
        if others:
            parts.append("differs: " + ", ".join(dict.fromkeys(others)))
        return f"Driver and executors differ ({'; '.join(parts)})."

    def to_markdown(self) -> str:
        out = [self.headline, "", f"Master `{self.master}`, {self.tasks} probe task(s), "
                                  f"{self.executors_seen} executor(s) seen.", "",
               md_table(["", "driver"], [(k, self.driver.get(k)) for k in
                                         ("python_version", "implementation", "executable", "prefix", "system", "platform")])]
        if self.modules:
            out += ["", "Modules your function needs:", "",
                    md_table(["module", "why", "driver", "executors", "fix"],
                             [(m.module, m.why, m.driver, m.executors, m.fix or "") for m in self.modules], width=90)]
        if self.differences:
            out += ["", "Differences:", "",
                    md_table(["what", "driver", "executors", "where"],
                             [(d.topic, d.driver, d.executors, d.where) for d in self.differences], width=80)]
        if self.path_only_executors or self.path_only_driver:
            out += ["", "sys.path entries only on the driver: " + (", ".join(f"`{p}`" for p in self.path_only_driver) or "none"),
                    "", "sys.path entries only on executors: " + (", ".join(f"`{p}`" for p in self.path_only_executors) or "none")]
        return "\n".join(out)


# --------------------------------------------------------------------------- fixes
def fix_for_module(module: str, driver_status: str, uf=None, executor_python: str = "", driver_python: str = "") -> str:
    """The fix that fits: the user's own file, an installed package, or a function to ship by value."""
    if driver_status != "ok":
        return f"'{module}' does not import on the driver either: install it, or correct the import"
    local = local_module_file(module)
    if local:
        ship = local
        how = f"sc.addPyFile('{local}')"
        if os.path.isdir(local):
            ship = f"{os.path.basename(local)}.zip"
            how = (f"zip the package (shutil.make_archive('{os.path.basename(local)}', 'zip', "
                   f"'{os.path.dirname(local)}', '{os.path.basename(local)}')) and sc.addPyFile('{ship}')")
        text = (f"ship your module to the executors: {how} in this session (scale_out's 'ship' option does it); "
                f"for spark-submit jobs: --py-files {ship} (or spark.submit.pyFiles={ship})")
        if uf is not None and getattr(uf, "module", None) == module:
            text += "; or paste the function itself, which is then shipped by value"
        return text
    text = (f"install '{module}' on every executor, or ship the driver's environment: pack the venv "
            f"(venv-pack -o env.tar.gz) and start with --archives env.tar.gz#env and "
            f"spark.pyspark.python=./env/bin/python")
    if executor_python and driver_python and executor_python != driver_python:
        text = (f"executors run {executor_python}, the driver {driver_python}: set spark.pyspark.python to the "
                f"driver's Python (Connection page) if it exists on the workers; else " + text)
    return text


# --------------------------------------------------------------------------- compare
def _where(info: dict) -> str:
    return f"{info['host']}:{info['cwd']}"


def compare(driver: dict, executors: list[dict], modules: list[tuple[str, str]], uf=None,
            master: str = "", tasks: int = 0) -> EnvCheckResult:
    by_exec: dict[str, dict] = {}
    for info in executors:
        by_exec.setdefault(_where(info), info)
    execs = list(by_exec.values())
    diffs: list[Difference] = []
    def env_of(info: dict) -> str:   # the interpreter's environment; python vs python3 in one venv is the same
        return f"{info['prefix']} ({info['executable']})"

    for key, topic, show in (("python_version", "Python version", None),
                             ("implementation", "Python implementation", None),
                             ("prefix", "Python environment", env_of), ("system", "OS / machine", None)):
        others = {}
        for e in execs:
            if e[key] != driver[key]:
                others.setdefault(show(e) if show else e[key], []).append(_where(e))
        for value, where in others.items():
            diffs.append(Difference(topic, show(driver) if show else driver[key], value, ", ".join(where)))
    dd = driver["distributions"]
    missing: dict[str, list[str]] = {}
    changed: dict[tuple[str, str], list[str]] = {}
    extra: dict[tuple[str, str], list[str]] = {}
    for e in execs:
        ed = e["distributions"]
        for name, ver in dd.items():
            if name not in ed:
                missing.setdefault(name, []).append(_where(e))
            elif ed[name] != ver:
                changed.setdefault((name, ed[name]), []).append(_where(e))
        for name, ver in ed.items():
            if name not in dd:
                extra.setdefault((name, ver), []).append(_where(e))
    for name, where in sorted(missing.items()):
        diffs.append(Difference(f"package {name}", dd[name], "not installed", ", ".join(where)))
    for (name, ver), where in sorted(changed.items()):
        diffs.append(Difference(f"package {name}", dd[name], ver, ", ".join(where)))
    for (name, ver), where in sorted(extra.items()):
        diffs.append(Difference(f"package {name}", "not installed", ver, ", ".join(where)))
    checks = []
    exe_python = next((e["executable"] for e in execs if e["prefix"] != driver["prefix"]), "")
    for mod, why in modules:
        d_status = driver["modules"].get(mod, "not checked")
        fails = [e["modules"].get(mod, "not checked") for e in execs if e["modules"].get(mod) != "ok"]
        e_status = fails[0] if fails else "ok"
        fix = fix_for_module(mod, d_status, uf, exe_python, driver["executable"]) if fails else ""
        checks.append(ModuleCheck(mod, why, d_status, e_status, len(fails), fix))
    d_path = [p for p in driver["sys_path"] if p]
    e_path = {p for e in execs for p in e["sys_path"] if p}
    only_d = tuple(p for p in d_path if p not in e_path)
    only_e = tuple(sorted(e_path - set(d_path)))
    outcome = "differences" if diffs or any(c.failing for c in checks) else "same"
    return EnvCheckResult(master, len(execs), tasks, driver, tuple(diffs), tuple(checks), only_d, only_e, outcome)


def env_check(spark, uf=None, extra_modules: tuple[str, ...] = ()) -> EnvCheckResult:
    sc = spark.sparkContext
    modules = needed_modules(uf) if uf is not None else []
    for m in extra_modules:
        if m and m not in dict(modules):
            modules.append((m, "asked for"))
    names = tuple(m for m, _ in modules)
    probe = make_probe(names)
    driver = next(probe(None))
    n = max(2, 2 * sc.defaultParallelism)
    try:
        infos = sc.parallelize(range(n), n).mapPartitions(probe).collect()
    except Exception as exc:
        from dcs_engine.triage import triage_exception

        report = triage_exception(exc)
        raise SparkJobError("the environment probe job", triage=report, cause=exc,
                            expected="a tiny job that runs on every executor", found=report.headline,
                            fix="check the Connection page: the executors may not start Python at all "
                                "(spark.pyspark.python pointing at a missing interpreter)") from exc
    return compare(driver, infos, modules, uf, sc.master, n)


def run(ctx, params) -> EnvCheckResult:
    spark = ctx.spark
    from dcs_engine.inputs.userjob import load_job, user_code_given

    uf = load_job(params) if user_code_given(params) else None
    extra = tuple(m.strip() for m in (params.modules or "").replace("\n", ",").split(",") if m.strip())
    return env_check(spark, uf, extra)


TECHNIQUE = Technique(
    id='env_check',
    title='Compare driver and executor environments',
    summary=("Heterogeneous framework state: run a tiny job on every executor and compare its Python, packages, "
             "sys.path and importable modules with the driver's."),
    snippet="import sys, importlib.util\ndef probe(_):\n    import sys, socket, importlib.util\n    yield (socket.gethostname(), sys.executable, sys.version.split()[0],\n           importlib.util.find_spec('my_local_utilities') is not None)\nn = sc.defaultParallelism\nprint('driver', sys.executable, sys.version.split()[0])\nfor r in set(sc.parallelize(range(n), n).mapPartitions(probe).collect()):\n    print('executor', r)\n",
    params=(
        *user_function("", "Your function (pasted, optional)", code_help="The modules it needs are checked on every executor."),
        Param("modules", "str", default="", label="More modules to check",
              help="Comma-separated module names, e.g. my_local_utilities, pyarrow"),
    ),
    outcomes=('differences', 'same'),
    run=run,
)
