"""Load the user's own function: from a file/module (``path/to/mod.py:func`` or
``package.module:func``) or from pasted code (``code`` + function name).

Pasted code is compiled under a stable pseudo file name (``<pasted>``) and its
function is shipped to executors by value (cloudpickle pickles functions of
``__main__``-like modules by value).  A file's function can be shipped with
``sc.addPyFile`` or deliberately not (to show the framework-state trap).
"""
from __future__ import annotations

import importlib
import importlib.util
import linecache
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from .errors import UserCodeError

PASTED = "<pasted>"


@dataclass(frozen=True)
class UserFunction:
    func: object           # the callable
    name: str              # function name
    source: str            # full source text of the file / pasted code
    filename: str          # real path, or "<pasted>"
    module: str | None     # importable module name for file functions, else None
    module_path: str | None  # the .py file to ship with addPyFile, else None

    @property
    def pasted(self) -> bool:
        return self.filename == PASTED


def _syntax_error(exc: SyntaxError, filename: str) -> UserCodeError:
    line = (exc.text or "").rstrip()
    return UserCodeError(
        f"{filename}, line {exc.lineno}", expected="valid Python", found=f"SyntaxError: {exc.msg}: {line.strip()!r}",
        fix="correct the code at that line")


def from_code(code: str, name: str) -> UserFunction:
    """Compile pasted ``code`` and return its function ``name``."""
    if not (code or "").strip():
        raise UserCodeError("pasted code", expected="a Python function definition", found="nothing",
                            fix="paste the function that crashed, e.g. def f(row): ...")
    try:
        compiled = compile(code, PASTED, "exec")
    except SyntaxError as exc:
        raise _syntax_error(exc, PASTED) from None
    # Keep the source visible to tracebacks and inspect (line numbers in signatures).
    linecache.cache[PASTED] = (len(code), None, code.splitlines(True), PASTED)
    module = types.ModuleType("__dcs_pasted__")
    module.__dict__["__builtins__"] = __builtins__
    try:
        exec(compiled, module.__dict__)
    except Exception as exc:
        raise UserCodeError("pasted code", expected="code that runs when defined",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="remove top-level statements that fail, or install the missing module") from None
    return _pick(module.__dict__, name, code, PASTED, None, None)


def _pick(namespace: dict, name: str, source: str, filename: str, module: str | None,
          module_path: str | None) -> UserFunction:
    name = (name or "").strip()
    funcs = sorted(k for k, v in namespace.items() if isinstance(v, types.FunctionType) and not k.startswith("_"))
    if not name:
        if len(funcs) == 1:
            name = funcs[0]
        else:
            raise UserCodeError("function name", expected="the name of one function",
                                found="one of " + ", ".join(funcs) if funcs else "no function",
                                fix="say which function to run")
    func = namespace.get(name)
    if not callable(func):
        raise UserCodeError(f"function '{name}' in {filename}", expected="a function defined there",
                            found=("functions " + ", ".join(funcs)) if funcs else "no functions",
                            fix="check the function name")
    return UserFunction(func, name, source, filename, module, module_path)


def from_reference(ref: str) -> UserFunction:
    """Load ``path/to/file.py:func`` or ``package.module:func``."""
    ref = (ref or "").strip()
    if ":" not in ref:
        raise UserCodeError("function reference", expected="path/to/file.py:function or module:function",
                            found=repr(ref), fix="add ':' and the function name")
    target, name = ref.rsplit(":", 1)
    if target.endswith(".py") or os.sep in target:
        path = Path(target).expanduser().resolve()
        if not path.exists():
            raise UserCodeError(f"file {target!r}", expected="an existing Python file", found="no such file",
                                fix="check the path (relative paths start at the app's working directory)")
        source = path.read_text(encoding="utf-8")
        try:
            compile(source, str(path), "exec")
        except SyntaxError as exc:
            raise _syntax_error(exc, str(path)) from None
        mod_name = path.stem
        parent = str(path.parent)
        if parent not in sys.path:
            sys.path.insert(0, parent)
        module = _import(mod_name, str(path))
        return _pick(vars(module), name, source, str(path), mod_name, str(path))
    module = _import(target, target)
    filename = getattr(module, "__file__", None) or target
    try:
        source = Path(filename).read_text(encoding="utf-8")
    except OSError:
        source = ""
    return _pick(vars(module), name, source, filename, target, filename if filename.endswith(".py") else None)


def _import(mod_name: str, shown: str):
    try:
        if mod_name in sys.modules:
            return importlib.reload(sys.modules[mod_name])
        return importlib.import_module(mod_name)
    except SyntaxError as exc:
        raise _syntax_error(exc, exc.filename or shown) from None
    except ImportError as exc:
        raise UserCodeError(f"importing {shown}", expected="a module whose imports are installed",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="install the missing package in the app's environment, or fix the import") from None
    except Exception as exc:
        raise UserCodeError(f"importing {shown}", expected="a module that imports cleanly",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="fix the top-level code of the module") from None


def load(code: str = "", name: str = "", ref: str = "") -> UserFunction:
    """Pasted ``code`` (with ``name``) wins over ``ref``."""
    if (code or "").strip():
        return from_code(code, name)
    if (ref or "").strip():
        return from_reference(ref)
    raise UserCodeError("your function", expected="pasted code or a reference path/to/file.py:function",
                        found="neither", fix="paste the function or name its file")
