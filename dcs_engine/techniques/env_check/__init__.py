"""env_check: is the executors' Python the driver's (or, on Spark Connect, the client's) Python?

Heterogeneous framework state (the talk's root cause #2): the driver imports a helper module, the
executors cannot; or the executors start another ``python3`` than the driver's venv.  This runs a
tiny job -- a Python function over ``2 x`` the session's task slots, one partition each, through
``mapInArrow``, so every executor slot runs at least one probe in practice -- and compares what it
sees with this process: Python version and implementation, executable, OS/machine, ``sys.path``,
installed distributions and versions, and whether each module the user's function needs imports
there.  On Spark Connect "here" is the client and "there" the server's Python workers: the user's
code is pickled here and run there.

Modules the function needs (:func:`dcs_engine.inputs.shipping.needed_modules`): imports inside its
code, global names of its code that are modules or objects defined in another module, and -- for a
function loaded from a file -- that file's module itself.

Decisive differences (outcome ``differences``): a needed module that does not import on an
executor; the Python version or implementation; on classic Spark also the environment
(``sys.prefix``: another venv or interpreter; ``python`` vs ``python3`` of one venv is not a
difference), OS/machine, and a distribution missing or at another version.  On Spark Connect a
client and a server always differ in environment and packages: those are listed, not decisive.
``sys.path`` and the full platform string are shown for information only.
"""
from __future__ import annotations

from dataclasses import dataclass

from dcs_engine.contract import Param, Technique
from dcs_engine.inputs.shipping import local_module_file, needed_modules, ship_hint  # noqa: F401 - re-exported
from dcs_engine.results import Reportable, md_table
from dcs_engine.techniques._common import user_function


# --------------------------------------------------------------------------- the probe (runs on executors)
def make_probe(modules: tuple[str, ...]):
    """A task function (``ctx.tally``) describing the Python it runs in. Builtins and stdlib only."""

    def probe(batches):
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
        for _ in batches:
            pass
        return {"host": socket.gethostname(), "pid": os.getpid(), "cwd": os.getcwd(),
               "python_version": platform.python_version(), "implementation": platform.python_implementation(),
               "executable": sys.executable, "prefix": sys.prefix,
               "system": f"{platform.system()} {platform.machine()}",
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
    decisive: bool = True   # False: listed for information (a Connect client and server always differ here)


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
    kind: str = "classic"   # "connect": 'driver' is the client, 'executors' the server's Python workers

    @property
    def here(self) -> str:
        return "client" if self.kind == "connect" else "driver"

    @property
    def decisive(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.decisive)

    @property
    def missing(self) -> tuple[ModuleCheck, ...]:
        return tuple(m for m in self.modules if m.failing)

    @property
    def headline(self) -> str:
        there = "server's Python worker(s)" if self.kind == "connect" else "executor(s)"
        if self.outcome == "same":
            extra = "; packages and environment differ, as they do between a client and a server" \
                if self.differences else ""
            mods = (f", and all {len(self.modules)} module(s) your function needs import there"
                    if self.modules else "")
            return (f"The {self.executors_seen} {there} seen run the same Python as the {self.here}{mods}{extra}."
                    if self.kind == "connect" else
                    f"The {self.executors_seen} executor(s) seen run the same Python and packages as the driver"
                    + (mods + "." if mods else "."))
        parts = []
        if self.missing:
            parts.append("missing on executors: " + ", ".join(m.module for m in self.missing))
        others = [d.topic for d in self.decisive]
        if others:
            parts.append("differs: " + ", ".join(dict.fromkeys(others)))
        return f"{self.here.capitalize()} and executors differ ({'; '.join(parts)})."

    def to_markdown(self) -> str:
        here = self.here
        keys = ("python_version", "implementation", "executable", "prefix", "system", "platform")
        out = [self.headline, "", f"Master `{self.master}`, {self.tasks} probe task(s), "
                                  f"{self.executors_seen} executor(s) seen.", "",
               md_table(["", here], [(k, self.driver.get(k)) for k in keys])]
        if self.modules:
            out += ["", "Modules your function needs:", "",
                    md_table(["module", "why", here, "executors", "fix"],
                             [(m.module, m.why, m.driver, m.executors, m.fix or "") for m in self.modules], width=90)]
        if self.differences:
            out += ["", "Differences:", "",
                    md_table(["what", here, "executors", "where", "decisive"],
                             [(d.topic, d.driver, d.executors, d.where, "yes" if d.decisive else "no")
                              for d in self.differences], width=80)]
        if self.path_only_executors or self.path_only_driver:
            only_here = ", ".join(f"`{p}`" for p in self.path_only_driver) or "none"
            only_there = ", ".join(f"`{p}`" for p in self.path_only_executors) or "none"
            out += ["", f"sys.path entries only on the {here}: {only_here}",
                    "", f"sys.path entries only on executors: {only_there}"]
        return "\n".join(out)


# --------------------------------------------------------------------------- fixes
def fix_for_module(module: str, driver_status: str, uf=None, executor_python: str = "", driver_python: str = "",
                   kind: str = "classic") -> str:
    """The fix that fits: the user's own file, an installed package, or a function to ship by value."""
    if driver_status != "ok":
        where = "client" if kind == "connect" else "driver"
        return f"'{module}' does not import on the {where} either: install it, or correct the import"
    text = ship_hint(module, kind)
    if text:
        if uf is not None and getattr(uf, "module", None) == module:
            text += "; or paste the function itself, which is then shipped by value"
        return text
    if kind == "connect":
        return (f"install '{module}' on the Spark Connect server's Python (its workers import it when they "
                f"unpickle your function), or ship a pure-Python module with spark.addArtifacts(path, pyfile=True)")
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


def _env_of(info: dict) -> str:   # the interpreter's environment; python vs python3 in one venv is the same
    return f"{info['prefix']} ({info['executable']})"


def _python_differences(driver: dict, execs: list[dict], kind: str) -> list[Difference]:
    diffs = []
    minor = lambda v: ".".join(str(v).split(".")[:2])  # noqa: E731
    for key, topic, show in (("python_version", "Python version", None),
                             ("implementation", "Python implementation", None),
                             ("prefix", "Python environment", _env_of), ("system", "OS / machine", None)):
        others: dict[str, list[str]] = {}
        for e in execs:
            if e[key] != driver[key]:
                others.setdefault(show(e) if show else e[key], []).append(_where(e))
        for value, where in others.items():
            decisive = kind != "connect" or key == "implementation" or (
                key == "python_version" and minor(value) != minor(driver[key]))
            diffs.append(Difference(topic, show(driver) if show else driver[key], value, ", ".join(where), decisive))
    return diffs


def _package_differences(driver: dict, execs: list[dict], kind: str) -> list[Difference]:
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
    decisive = kind != "connect"
    return ([Difference(f"package {n}", dd[n], "not installed", ", ".join(w), decisive)
             for n, w in sorted(missing.items())]
            + [Difference(f"package {n}", dd[n], v, ", ".join(w), decisive) for (n, v), w in sorted(changed.items())]
            + [Difference(f"package {n}", "not installed", v, ", ".join(w), decisive)
               for (n, v), w in sorted(extra.items())])


def compare(driver: dict, executors: list[dict], modules: list[tuple[str, str]], uf=None,
            master: str = "", tasks: int = 0, kind: str = "classic") -> EnvCheckResult:
    by_exec: dict[str, dict] = {}
    for info in executors:
        by_exec.setdefault(_where(info), info)
    execs = list(by_exec.values())
    diffs = _python_differences(driver, execs, kind) + _package_differences(driver, execs, kind)
    checks = []
    exe_python = next((e["executable"] for e in execs if e["prefix"] != driver["prefix"]), "")
    for mod, why in modules:
        d_status = driver["modules"].get(mod, "not checked")
        fails = [e["modules"].get(mod, "not checked") for e in execs if e["modules"].get(mod) != "ok"]
        fix = fix_for_module(mod, d_status, uf, exe_python, driver["executable"], kind) if fails else ""
        checks.append(ModuleCheck(mod, why, d_status, fails[0] if fails else "ok", len(fails), fix))
    d_path = [p for p in driver["sys_path"] if p]
    e_path = {p for e in execs for p in e["sys_path"] if p}
    only_d = tuple(p for p in d_path if p not in e_path)
    only_e = tuple(sorted(e_path - set(d_path)))
    outcome = "differences" if any(d.decisive for d in diffs) or any(c.failing for c in checks) else "same"
    return EnvCheckResult(master, len(execs), tasks, driver, tuple(diffs), tuple(checks), only_d, only_e, outcome,
                          kind)


def env_check(ctx, uf=None, extra_modules: tuple[str, ...] = ()) -> EnvCheckResult:
    """Probe the executors (``2 x`` the task slots) and compare them with this process."""
    from dcs_engine.runtime import tasks

    modules = needed_modules(uf) if uf is not None else []
    for m in extra_modules:
        if m and m not in dict(modules):
            modules.append((m, "asked for"))
    probe = make_probe(tuple(m for m, _ in modules))
    here = probe(iter(()))
    n = 2 * tasks.slots(ctx)
    infos = ctx.tally(ctx.spark.range(0, n, 1, n), probe)
    master = ctx.spark.sparkContext.master if ctx.has("spark_context") else ctx.spark.conf.get("spark.master", "")
    return compare(here, infos, modules, uf, master, n, ctx.kind)


def run(ctx, params) -> EnvCheckResult:
    from dcs_engine.inputs.userjob import load_job, user_code_given

    uf = load_job(params) if user_code_given(params) else None
    extra = tuple(m.strip() for m in (params.modules or "").replace("\n", ",").split(",") if m.strip())
    return env_check(ctx, uf, extra)


TECHNIQUE = Technique(
    id='env_check',
    title='Compare driver and executor environments',
    summary=("Heterogeneous framework state: run a tiny job on every executor and compare its Python, packages, "
             "sys.path and importable modules with the driver's (on Spark Connect: with the client's)."),
    snippet=('import sys, importlib.util\n'
             'def probe(_):\n'
             '    import sys, socket, importlib.util\n'
             '    yield (socket.gethostname(), sys.executable, sys.version.split()[0],\n'
             "           importlib.util.find_spec('my_local_utilities') is not None)\n"
             'n = sc.defaultParallelism\n'
             "print('driver', sys.executable, sys.version.split()[0])\n"
             'for r in set(sc.parallelize(range(n), n).mapPartitions(probe).collect()):\n'
             "    print('executor', r)\n"),
    params=(
        *user_function("", "Your function (pasted, optional)",
                       code_help="The modules it needs are checked on every executor."),
        Param("modules", "str", default="", label="More modules to check",
              help="Comma-separated module names, e.g. my_local_utilities, pyarrow"),
    ),
    outcomes=('differences', 'same'),
    run=run,
)
