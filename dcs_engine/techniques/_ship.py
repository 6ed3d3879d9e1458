"""Make the user's function runnable where its tasks run: executors of a cluster and a Spark Connect
server's Python workers have neither this repository nor the user's file on their path.

Pasted code already travels by value (its module is not importable, so cloudpickle sends the code
itself).  A function from the user's own file or package is pickled *by reference* unless its module
is registered to go by value: :meth:`Context.ship_module_by_value` does that on both kinds of
session.  By value rather than as a file (``addPyFile`` / ``addArtifacts(pyfile=True)``) because a
Connect server refuses a second artifact of the same name (``ARTIFACT_ALREADY_EXISTS``) and a
classic driver ignores a re-added path: the user's next edit would never reach the executors.
"""
from __future__ import annotations

import sys
import sysconfig
from pathlib import Path


def _installed(path: str) -> bool:
    parts = Path(path).parts
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    stdlib = sysconfig.get_paths().get("stdlib")
    return bool(stdlib) and str(Path(path).resolve()).startswith(str(Path(stdlib).resolve()))


def ship_user_function(ctx, uf) -> str:
    """Ship ``uf`` (a UserFunction) with the tasks of ``ctx``'s session; one line saying how."""
    if uf.pasted or not uf.module:
        return "pasted code: it travels by value inside each task"
    if uf.module_path and _installed(uf.module_path):
        return f"module '{uf.module}' is installed: executors import their own copy"
    top = uf.module.split(".")[0]
    module = sys.modules.get(top) or sys.modules.get(uf.module)
    if module is None or ctx is None:
        return f"module '{uf.module}' not shipped: it is not loaded here"
    ctx.ship_module_by_value(module)
    return (f"module '{top}' shipped by value with each task (cloudpickle); modules it imports from "
            "elsewhere must be installed on the executors")
