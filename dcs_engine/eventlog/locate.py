"""Find the event log of one application in what the user points at.

Accepted: a single log file (``<app>[.codec][.inprogress]``); a rolled log
directory ``eventlog_v2_<app>/`` with ``events_<N>_<app>[.codec]`` files (read in
N order from the last one the History Server compacted, ``events_<N>_<app>[.codec].compact``)
and ``appstatus_<app>[.inprogress]``;
one file of a rolled directory (its directory is read); a directory holding many
applications (pick one with ``app``: its id, or its name as the application
recorded it); a ``.zip`` of any of these (the History Server's ``/logs``
download).  Checksums (``.crc``) and hidden files are skipped.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .codecs import codec_from_name, detect, sniff
from .errors import EventLogError

_EVENTS = re.compile(r"^events_(\d+)_(.+)$")
_ROLLED_DIR = "eventlog_v2_"
HEAD_LIMIT = 8 << 20   # how far into a log to look for its ApplicationStart when listing


@dataclass(frozen=True)
class LogFile:
    name: str
    size: int
    opener: Callable[[], BinaryIO]

    def open(self) -> BinaryIO:
        return self.opener()

    def codec(self) -> str:
        with self.opener() as f:
            return detect(self.name, f.read(8))


@dataclass(frozen=True)
class LogSource:
    label: str
    app_key: str
    files: tuple[LogFile, ...]
    rolled: bool
    in_progress: bool

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class AppEntry:
    key: str          # file or directory name without codec / in-progress suffixes
    app_id: str
    name: str
    source: LogSource


def _plain_name(name: str) -> str:
    base = name[: -len(".inprogress")] if name.endswith(".inprogress") else name
    if codec_from_name(base):
        base = base.rsplit(".", 1)[0]
    return base


def _is_candidate(name: str) -> bool:
    return not (name.startswith(".") or name.endswith(".crc") or name.startswith("appstatus_")
                or name.startswith("_"))


# --------------------------------------------------------------------- local files

def _file(path: Path) -> LogFile:
    return LogFile(path.name, path.stat().st_size, lambda p=path: open(p, "rb"))


def _rolled(label: str, names: list[str], make: Callable[[str], LogFile], dir_name: str) -> LogSource:
    events = []
    for n in names:
        m = _EVENTS.match(n)
        if m and not n.endswith(".compact.inprogress"):   # a compaction being written: its sources remain
            events.append((int(m.group(1)), n.endswith(".compact"), n))
    if not events:
        raise EventLogError(f"rolled event log {label}", expected="events_<N>_<app> files in it",
                            found=", ".join(sorted(names)[:8]) or "an empty directory",
                            fix="point at the eventlog_v2_<app> directory Spark wrote",
                            condition="EVENTLOG_NOT_FOUND", params={"input": label})
    events.sort()
    start = max((i for i, (_, compact, _) in enumerate(events) if compact), default=0)
    status = [n for n in names if n.startswith("appstatus_")]
    in_progress = any(n.endswith(".inprogress") for n in status) or events[-1][2].endswith(".inprogress")
    key = dir_name[len(_ROLLED_DIR):] if dir_name.startswith(_ROLLED_DIR) else dir_name
    return LogSource(label, key, tuple(make(n) for _, _, n in events[start:]), True, in_progress)


def _dir_sources(path: Path) -> list[LogSource]:
    names = [p.name for p in path.iterdir()]
    if path.name.startswith(_ROLLED_DIR) or any(_EVENTS.match(n) for n in names):
        return [_rolled(str(path), names, lambda n: _file(path / n), path.name)]
    found = [_local_entry(path / n) for n in sorted(names) if _is_candidate(n)]
    return [e for e in found if e is not None]


def _local_entry(p: Path) -> LogSource | None:
    if p.is_dir():
        if not p.name.startswith(_ROLLED_DIR):
            return None
        return _rolled(str(p), [c.name for c in p.iterdir()], lambda n, d=p: _file(d / n), p.name)
    if p.is_file():
        return LogSource(str(p), _plain_name(p.name), (_file(p),), False, p.name.endswith(".inprogress"))
    return None


# --------------------------------------------------------------------- zip archives

def _zip_sources(path: Path) -> list[LogSource]:
    zf = zipfile.ZipFile(path)
    infos = [i for i in zf.infolist() if not i.is_dir()]

    def member(info: zipfile.ZipInfo) -> LogFile:
        return LogFile(info.filename.rsplit("/", 1)[-1], info.file_size, lambda i=info: zf.open(i))

    by_dir: dict[str, list[zipfile.ZipInfo]] = {}
    for info in infos:
        folder = info.filename.rsplit("/", 1)[0] if "/" in info.filename else ""
        by_dir.setdefault(folder, []).append(info)
    sources: list[LogSource] = []
    for folder, members in sorted(by_dir.items()):
        names = [m.filename.rsplit("/", 1)[-1] for m in members]
        base = folder.rsplit("/", 1)[-1]
        if base.startswith(_ROLLED_DIR) or any(_EVENTS.match(n) for n in names):
            lookup = {m.filename.rsplit("/", 1)[-1]: m for m in members}
            sources.append(_rolled(f"{path}!{folder}", names, lambda n, lk=lookup: member(lk[n]), base or path.stem))
        else:
            sources += [LogSource(f"{path}!{m.filename}", _plain_name(n), (member(m),), False,
                                  n.endswith(".inprogress")) for m, n in zip(members, names) if _is_candidate(n)]
    return sources


# --------------------------------------------------------------------- choosing one application

def read_head(src: LogSource, limit: int = HEAD_LIMIT) -> dict:
    """App id, name and Spark version from the first events of a log (reads at most ``limit`` bytes)."""
    from .codecs import decoded

    out: dict = {}
    with src.files[0].open() as raw:
        head = raw.read(8)
        codec = detect(src.files[0].name, head)
    with src.files[0].open() as raw:
        stream = decoded(raw, codec)
        seen = 0
        for line in stream:
            seen += len(line)
            if b'"SparkListenerLogStart"' in line[:40]:
                out["spark_version"] = _safe(line).get("Spark Version")
            elif b'"SparkListenerApplicationStart"' in line[:50]:
                ev = _safe(line)
                out.update(app_id=ev.get("App ID"), name=ev.get("App Name"), attempt=ev.get("App Attempt ID"))
                break
            if seen > limit:
                break
    return out


def _safe(line: bytes) -> dict:
    try:
        return json.loads(line)
    except ValueError:
        return {}


def entries(sources: list[LogSource]) -> list[AppEntry]:
    out = []
    for s in sources:
        try:
            head = read_head(s)
        except Exception:  # noqa: BLE001 - an unreadable neighbour must not hide the others
            head = {}
        out.append(AppEntry(s.app_key, head.get("app_id") or s.app_key, head.get("name") or "?", s))
    return out


def _pick(sources: list[LogSource], app: str | None, where: str) -> LogSource:
    if not sources:
        raise EventLogError(f"event-log directory {where}", expected="event log files or eventlog_v2_* folders",
                            found="none", fix="point at spark.eventLog.dir or at one application's log",
                            condition="EVENTLOG_NOT_FOUND", params={"input": str(where)})
    if app is None and len(sources) == 1:
        return sources[0]
    found = entries(sources)
    if app is None:
        listing = "; ".join(f"{e.app_id} ({e.name})" for e in found[:20])
        raise EventLogError(f"event-log directory {where}", expected="one application, or an app id or name to pick",
                            found=f"{len(found)} applications: {listing}",
                            fix="pass the application's id or name (CLI: --app ID_OR_NAME)", condition="APP_AMBIGUOUS",
                            params={"at": str(where), "apps": [e.app_id for e in found[:20]]})
    hits = [e for e in found if app in (e.app_id, e.key)] or [e for e in found if e.app_id.startswith(app)] or \
        [e for e in found if e.name == app]
    if not hits:
        raise EventLogError(f"application {app!r} in {where}", expected="an app id or name recorded there",
                            found=", ".join(f"{e.app_id} ({e.name})" for e in found[:20]),
                            fix="use one of the ids or names listed", condition="APP_NOT_FOUND",
                            params={"app": app, "at": str(where)})
    return hits[-1].source   # several attempts or runs of one name: the last one


def _sources(path) -> tuple[Path, list[LogSource]]:
    p = Path(os.path.expanduser(str(path).removeprefix("file://")))
    if not p.exists():
        raise EventLogError(f"event log {path}", expected="an existing file or directory", found="nothing there",
                            fix="check the path (spark.eventLog.dir holds one log per application)",
                            condition="EVENTLOG_NOT_FOUND", params={"input": str(path)})
    if p.is_dir():
        return p, _dir_sources(p)
    with open(p, "rb") as f:
        head = f.read(8)
    if sniff(head) is None and zipfile.is_zipfile(p):
        return p, _zip_sources(p)
    if _EVENTS.match(p.name) and p.parent.name.startswith(_ROLLED_DIR):
        return p, _dir_sources(p.parent)
    return p, [LogSource(str(p), _plain_name(p.name), (_file(p),), False, p.name.endswith(".inprogress"))]


def resolve(path, app: str | None = None) -> LogSource:
    """The log of one application at ``path`` (see the module docstring for what is accepted)."""
    p, sources = _sources(path)
    return _pick(sources, app, str(p))


def list_applications(path) -> list[AppEntry]:
    """Every application in a directory (or zip) of event logs, with its recorded id and name."""
    return entries(_sources(path)[1])
