"""Getting the user's code onto the executors: the one way every technique ships it.

A pasted function travels by value inside each task (cloudpickle does that for code that no module
holds).  A function from a file or module is pickled by reference (``module.func``): executors must
import the module.  :func:`ship` sends the module's file with the run's context --
``sc.addPyFile`` on classic Spark, ``spark.addArtifacts(..., pyfile=True)`` on Spark Connect
(:meth:`dcs_engine.runtime.context.Context.ship_file`) -- a package as a zip of its top directory.
With ``imports=True`` the user's own local modules that the function needs go too (what
:func:`needed_modules` finds: its imports, the modules of its global names, its own module).

Modes: ``auto`` ships files outside the installed packages and leaves installed ones to the
executors' own installation; ``addpyfile`` ships the file whatever it is; ``none`` ships nothing
(executors must import it themselves -- on a real cluster that reproduces the framework-state trap,
``ModuleNotFoundError`` on executors while the driver imports it fine).
"""
from __future__ import annotations

import ast
import importlib.util
import os
import sys
import sysconfig
import tempfile
import types
from dataclasses import dataclass
from pathlib import Path

SHIP_MODES = ("auto", "addpyfile", "none")
SKIP_MODULES = {"__main__", "__dcs_pasted__", "builtins"}


@dataclass(frozen=True)
class Shipped:
    text: str                  # one line for the report: what was done and how
    files: tuple[str, ...]     # the files sent to the executors


def _context(target):
    if target is None:
        return None
    from dcs_engine.runtime.context import Context, context_for

    return target if isinstance(target, Context) else context_for(target)


def installed(path: str) -> bool:
    """Is ``path`` part of the installed packages or the standard library?"""
    parts = Path(path).parts
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    roots = [sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    real = str(Path(path).resolve())
    return any(r and real.startswith(str(Path(r).resolve()) + os.sep) for r in roots)


def _zip_dir(pkg_dir: Path, top: str) -> str:
    """A zip of a package directory under its top name (compiled caches left out)."""
    import zipfile

    out = Path(tempfile.mkdtemp(prefix="dcs-ship-")) / f"{top}.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(pkg_dir.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                zf.write(f, str(Path(top) / f.relative_to(pkg_dir)))
    return str(out)


def module_file(uf) -> str:
    """The file to ship for a function's own module: the .py file, or a zip of its top package."""
    module = uf.module or ""
    if "." not in module:
        return uf.module_path
    parts = module.split(".")
    path = Path(uf.module_path).resolve()
    depth = len(parts) - (1 if path.name == "__init__.py" else 2)
    return _zip_dir(path.parents[depth], parts[0])


def _send(ctx, path: str) -> str:
    """Ship one file; re-shipping a name already shipped in this session is not an error."""
    try:
        return ctx.ship_file(path)
    except Exception as exc:
        if "already" not in str(exc).lower():
            raise
        return f"{os.path.basename(path)} (already shipped in this session: restart it to ship a changed copy)"


def ship(target, uf, mode: str = "auto", imports: bool = False) -> Shipped:
    """Make ``uf`` callable on executors; say how.  ``target``: a Context, a SparkSession, or None
    (then only what needs no Spark: pasted code, mode ``none``, installed modules)."""
    if mode not in SHIP_MODES:
        from dcs_engine.errors import ParameterError

        raise ParameterError("ship mode", condition="PARAM_NOT_A_CHOICE",
                             params={"param": "ship", "found": mode, "choices": list(SHIP_MODES)},
                             expected="one of " + ", ".join(SHIP_MODES), found=repr(mode),
                             fix="choose auto, addpyfile or none")
    own = None
    if uf.pasted or not uf.module_path:
        text = "pasted code: shipped by value inside each task"
    elif mode == "none":
        text = f"module '{uf.module}' not shipped: executors import it on their own"
    elif mode == "auto" and installed(uf.module_path):
        text = f"module '{uf.module}' is installed: executors import their own copy"
    else:
        own = module_file(uf)
    paths = [own] if own else []
    if imports and mode != "none":
        for mod, _ in needed_modules(uf):
            path = local_module_file(mod)
            if path and path not in paths and path != uf.module_path:
                paths.append(_zip_dir(Path(path), os.path.basename(path)) if os.path.isdir(path) else path)
    if not paths:
        return Shipped(text, ())
    ctx = _context(target)
    sent = [_send(ctx, p) for p in paths]
    if own:
        text = f"module '{uf.module}' shipped with {sent.pop(0)}"
    if sent:
        text += "; its local imports shipped with " + ", ".join(sent)
    return Shipped(text, tuple(paths))


# -- which modules the function needs -----------------------------------------------------------
def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _target_def(uf, inner):
    source = getattr(uf, "source", "") or ""
    if not source or not isinstance(inner, types.FunctionType):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = inner.__code__.co_firstlineno
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == inner.__name__ and \
                lines in {node.lineno, *(d.lineno for d in node.decorator_list)}:
            return node
    return None


def needed_modules(uf) -> list[tuple[str, str]]:
    """``[(module, why)]`` for a :class:`~dcs_engine.inputs.usercode.UserFunction` (or a function)."""
    inner = getattr(uf, "func", uf)
    while hasattr(inner, "__wrapped__"):
        inner = inner.__wrapped__
    found: dict[str, str] = {}

    def add(mod: str | None, why: str):
        if mod and mod not in SKIP_MODULES and not mod.startswith("dcs_engine") and mod not in found:
            found[mod] = why

    own = getattr(uf, "module", None)
    if own:
        add(own, "the module your function is defined in (executors import it to unpickle the function)")
    target = _target_def(uf, inner)
    for node in ast.walk(target) if target is not None else ():
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, f"imported inside the function (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            add(node.module, f"imported inside the function (line {node.lineno})")
    if isinstance(inner, types.FunctionType):
        glb = inner.__globals__
        for name in sorted(_code_names(inner.__code__)):
            value = glb.get(name)
            if isinstance(value, types.ModuleType):
                add(value.__name__, f"global name '{name}' is this module")
            elif isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", None) \
                    and value.__module__ != glb.get("__name__"):
                add(value.__module__, f"global name '{name}' is defined there")
    return list(found.items())


def local_module_file(name: str) -> str | None:
    """The driver's file (or package directory) for ``name`` if it is the user's own code --
    not the standard library, not an installed distribution."""
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
    if installed(path):
        return None
    top = name.split(".")[0]
    if os.path.basename(path) == "__init__.py" or "." in name:
        top_file = getattr(sys.modules.get(top), "__file__", None)
        if top_file and os.path.basename(top_file) == "__init__.py":
            return os.path.dirname(os.path.abspath(top_file))
    return path


def ship_hint(module: str, kind: str) -> str:
    """How to ship the user's own module ``module`` by hand on a ``kind`` session ('' if not local)."""
    local = local_module_file(module)
    if not local:
        return ""
    target = local
    if os.path.isdir(local):
        target = f"{os.path.basename(local)}.zip"
        zip_it = (f"zip the package (shutil.make_archive('{os.path.basename(local)}', 'zip', "
                  f"'{os.path.dirname(local)}', '{os.path.basename(local)}')) and ")
    else:
        zip_it = ""
    how = (f"spark.addArtifacts('{target}', pyfile=True)" if kind == "connect" else f"sc.addPyFile('{target}')")
    return (f"ship your module to the executors: {zip_it}{how} in this session (scale_out's 'ship' option does it); "
            f"for spark-submit jobs: --py-files {target} (or spark.submit.pyFiles={target})")


def missing_module_error(exc: BaseException, uf, doing: str):
    """A :class:`SparkJobError` naming the module the executors could not import, when that is
    why ``exc`` (a failed Spark job running the user's code) happened; else None (the job
    runner triages it).  The engine's own modules are not the user's to ship: None for those."""
    import re

    from dcs_engine.errors import SparkJobError
    from dcs_engine.triage import innermost_message, triage_exception

    text = innermost_message(exc)
    found = re.search(r"No module named '([\w.]+)'", text)
    if not found or found.group(1).split(".")[0] == "dcs_engine":
        return None
    missing = found.group(1)
    own = (getattr(uf, "module", None) or "").split(".")[0]
    name = getattr(uf, "name", "your function")
    if own and missing.split(".")[0] == own:
        fix = (f"executors cannot import the module of '{name}' ({uf.filename}): ship it (ship mode auto or "
               "addpyfile), or install it on every executor")
    else:
        fix = (f"executors cannot import '{missing}', which '{name}' needs: ship your own module (scale_out's "
               "'ship' option, or env_check for the exact call), or install the package on every executor")
    return SparkJobError(doing, condition="USER_MODULE_NOT_ON_EXECUTORS",
                         params={"module": missing, "function": name, "file": getattr(uf, "filename", "")},
                         triage=triage_exception(exc), cause=exc,
                         expected="executors that can import what your function needs", found=text, fix=fix)
