"""Load the user's own function: from a file/module (``path/to/mod.py:func`` or
``package.module:func``) or from pasted code (``code`` + function name).

Pasted code is compiled under a stable pseudo file name (``<pasted>``) in a
module that is not registered in ``sys.modules``, so cloudpickle ships its
function *by value* (code, helper functions and globals travel with the task).
A file's function is pickled *by reference* (``module.func``): executors must
import the module themselves: :func:`dcs_engine.inputs.shipping.ship` sends it
(or deliberately does not) through the run's context.

Syntax and import errors become :class:`UserCodeError` messages naming the
file and line and what to fix.
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

from dcs_engine.errors import UserCodeError

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


    @property
    def user_files(self) -> tuple[str, ...]:
        """File names whose traceback frames are the user's own code."""
        names = {self.filename}
        code = getattr(self.func, "__code__", None)
        if code is not None:
            names.add(code.co_filename)
        return tuple(sorted(names))

    def source_line(self, lineno: int) -> str:
        """The stripped text of line ``lineno`` of the user's source ('' if unknown)."""
        lines = self.source.splitlines()
        return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def _syntax_error(exc: SyntaxError, filename: str) -> UserCodeError:
    line = (exc.text or "").strip()
    where = f"{filename}, line {exc.lineno}"
    if exc.offset:
        where += f", column {exc.offset}"
    return UserCodeError(
        where, condition="USER_CODE_SYNTAX",
        params={"file": filename, "line": exc.lineno, "column": exc.offset, "error": exc.msg},
        expected="valid Python",
        found=f"{exc.__class__.__name__}: {exc.msg}" + (f" in {line!r}" if line else ""),
        fix=f"correct line {exc.lineno} of {filename} and load it again")


def _raising_line(exc: BaseException, filename: str) -> str:
    """', line N' of the innermost traceback frame in ``filename`` ('' if none)."""
    import traceback

    hits = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return f", line {hits[-1].lineno}" if hits else ""


def from_code(code: str, name: str) -> UserFunction:
    """Compile pasted ``code`` and return its function ``name``."""
    if not (code or "").strip():
        raise UserCodeError("pasted code", condition="USER_CODE_NO_FUNCTION", params={"file": PASTED, "found": ""},
                            expected="a Python function definition", found="nothing",
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
        raise UserCodeError(f"pasted code{_raising_line(exc, PASTED)}", condition="USER_CODE_IMPORT",
                            params={"file": PASTED, "error": exc.__class__.__name__},
                            expected="code that runs when defined",
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
            raise UserCodeError("function name", condition="USER_CODE_NO_FUNCTION",
                                params={"file": filename, "function": "", "functions": funcs},
                                expected="the name of one function",
                                found="one of " + ", ".join(funcs) if funcs else "no function",
                                fix="say which function to run")
    func = namespace.get(name)
    if not callable(func):
        raise UserCodeError(f"function '{name}' in {filename}", condition="USER_CODE_NO_FUNCTION",
                            params={"file": filename, "function": name, "functions": funcs},
                            expected="a function defined there",
                            found=("functions " + ", ".join(funcs)) if funcs else "no functions",
                            fix="check the function name")
    return UserFunction(func, name, source, filename, module, module_path)


def from_reference(ref: str) -> UserFunction:
    """Load ``path/to/file.py:func`` or ``package.module:func``."""
    ref = (ref or "").strip()
    if ":" not in ref:
        raise UserCodeError("function reference", condition="USER_CODE_NO_FUNCTION", params={"ref": ref},
                            expected="path/to/file.py:function or module:function",
                            found=repr(ref), fix="add ':' and the function name")
    target, name = ref.rsplit(":", 1)
    if target.endswith(".py") or os.sep in target:
        path = Path(target).expanduser().resolve()
        if not path.exists():
            raise UserCodeError(f"file {target!r}", condition="USER_CODE_IMPORT",
                                params={"file": target, "error": "FileNotFoundError"},
                                expected="an existing Python file", found="no such file",
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
        if mod_name in sys.modules and getattr(sys.modules[mod_name], "__file__", None) not in (None, str(path)):
            raise UserCodeError(f"file {target!r}", condition="USER_CODE_IMPORT",
                                params={"file": target, "error": "module name in use", "module": mod_name},
                                expected="a module name not already in use",
                                found=f"module '{mod_name}' is already loaded from "
                                      f"{sys.modules[mod_name].__file__}",
                                fix="rename your file so it does not shadow another module")
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
        raise UserCodeError(f"importing {shown}{_raising_line(exc, shown)}", condition="USER_CODE_IMPORT",
                            params={"file": shown, "error": exc.__class__.__name__, "module": exc.name or ""},
                            expected="a module whose imports are installed",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="install the missing package in the app's environment, or fix the import") from None
    except Exception as exc:
        raise UserCodeError(f"importing {shown}{_raising_line(exc, shown)}", condition="USER_CODE_IMPORT",
                            params={"file": shown, "error": exc.__class__.__name__},
                            expected="a module that imports cleanly",
                            found=f"{exc.__class__.__name__}: {exc}",
                            fix="fix the top-level code of the module") from None


def from_callable(func) -> UserFunction:
    """A function handed over in a notebook: its own code, its file (if any) for tracebacks.

    A function defined in a notebook cell or a ``__main__`` script travels by value in each task
    (cloudpickle does that for such functions); one imported from a module is shipped the way a
    file reference is."""
    import inspect

    if isinstance(func, UserFunction):
        return func
    if not callable(func):
        raise UserCodeError("your function", condition="USER_CODE_NO_FUNCTION", params={"found": repr(func)},
                            expected="a Python callable", found=repr(func)[:80],
                            fix="pass the function itself, e.g. dcs.naughty_rows(df, my_function)")
    code = getattr(func, "__code__", None)
    filename = code.co_filename if code is not None else "<callable>"
    # the text of the function's own file or cell: linecache has both (Jupyter/IPython registers each
    # cell there); the module's text only where that is missing (the module may be another file)
    source = "".join(linecache.getlines(filename)) if code is not None else ""
    if not source:
        try:
            source = inspect.getsource(inspect.getmodule(func) or func)
        except (OSError, TypeError):
            source = ""
    mod = getattr(func, "__module__", None)
    module = mod if mod and mod != "__main__" and filename.endswith(".py") and mod in sys.modules else None
    return UserFunction(func, getattr(func, "__name__", "function"), source, filename, module,
                        filename if module else None)


def load(code="", name: str = "", ref: str = "") -> UserFunction:
    """Pasted ``code`` (with ``name``) wins over ``ref``; ``code`` may also be a callable (notebooks)."""
    if callable(code) or isinstance(code, UserFunction):
        return from_callable(code)
    if (code or "").strip():
        return from_code(code, name)
    if (ref or "").strip():
        return from_reference(ref)
    raise UserCodeError("your function", condition="USER_CODE_NO_FUNCTION", params={"found": ""},
                        expected="pasted code or a reference path/to/file.py:function",
                        found="neither", fix="paste the function or name its file")
