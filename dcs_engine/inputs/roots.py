"""The path source reads only under the roots the operator configures (``[paths] roots`` or
``DCS_PATH_ROOTS``; default: the data dir and the working directory).

A local path is resolved (symlinks followed) before it is compared; ``..`` is refused outright (a glob
such as ``root/*/../../etc`` cannot be resolved before Spark expands it).  A remote root
(``s3a://bucket/prefix``) admits the paths below it, segment by segment."""
from __future__ import annotations

import glob
import os

from dcs_engine import config
from dcs_engine.errors import SourceError


def configured() -> tuple[str, ...]:
    return config.current().roots


def _local(path: str) -> str | None:
    if path.startswith("file://"):
        return path[len("file://"):]
    return None if "://" in path else path


def _resolved(local: str) -> str:
    """Resolve the part of ``local`` before any glob character (the rest is only names below it)."""
    local = os.path.abspath(os.path.expanduser(local))
    head, tail = local, ""
    while glob.has_magic(head):
        head, last = os.path.split(head)
        tail = os.path.join(last, tail) if tail else last
    real = os.path.realpath(head)
    return os.path.join(real, tail) if tail else real


def _under(path: str, root: str) -> bool:
    root = root.rstrip("/") or "/"
    return path == root or path.startswith(root if root.endswith("/") else root + "/")


def _refuse(path: str, allowed: tuple[str, ...], found: str) -> SourceError:
    return SourceError(f"path {path!r}", expected="a path under one of the configured roots: " + ", ".join(allowed),
                       found=found, fix="copy the data under a root, or ask the operator to add its folder to "
                       "[paths] roots (DCS_PATH_ROOTS)", condition="SOURCE_REFUSED",
                       params={"reason": "outside_roots", "path": path, "roots": list(allowed)})


def check_path(path: str) -> None:
    """Refuse ``path`` unless it lies under a configured root."""
    allowed = configured()
    parts = path.replace("\\", "/").split("/")
    if ".." in parts:
        raise _refuse(path, allowed, "'..' in the path")
    local = _local(path)
    if local is None:
        ok = any("://" in r and _under(path, r) for r in allowed)
        if not ok:
            raise _refuse(path, allowed, "a remote path outside them")
        return
    real = _resolved(local)
    for root in allowed:
        if "://" in root and not root.startswith("file://"):
            continue
        if _under(real, os.path.realpath(_local(root) or root)):
            return
    raise _refuse(path, allowed, f"{real}, outside them" if real != path else "a path outside them")
