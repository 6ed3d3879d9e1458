"""Production evidence: diagnose a finished, failed or running Spark application from what it recorded.

``analyze(target)`` reads an event log (a file, a rolled ``eventlog_v2_*``
directory, a directory of many applications with ``app=`` to pick one, a zip;
plain or zstd / lz4 / snappy / lzf) or a History Server / live driver UI URL
(``http://host:18080``, ``…/api/v1``, optionally ``…/applications/<id>``), and
returns an :class:`EventLogReport`: failures grouped by signature and triaged
to a runbook node, where the time went, findings against ``thresholds.yaml``,
plan findings and the configuration.  ``compare(a, b)`` puts two runs side by
side.  Both take ``progress`` (called with ``(fraction, text)``) and ``cancel``
(a ``threading.Event``) so an app can show progress and stop a long read.
"""
from __future__ import annotations

from .errors import EventLogError
from .locate import AppEntry, list_applications
from .model import ReadStats
from .report import EventLogReport
from .thresholds import Thresholds
from .thresholds import load as load_thresholds


def is_url(target) -> bool:
    return isinstance(target, str) and target.startswith(("http://", "https://"))


def analyze(target, *, app: str | None = None, thresholds=None, progress=None, cancel=None) -> EventLogReport:
    """The report of one application recorded at ``target`` (a path or an http(s) URL)."""
    th = thresholds if isinstance(thresholds, Thresholds) else load_thresholds(thresholds)
    if is_url(target):
        from .rest import analyze_url

        return analyze_url(target, app=app, thresholds=th, progress=progress, cancel=cancel)
    return analyze_log(target, app=app, thresholds=th, progress=progress, cancel=cancel)


def analyze_log(target, *, app=None, thresholds=None, progress=None, cancel=None) -> EventLogReport:
    from .collect import Collector
    from .locate import resolve
    from .reader import ReadState, lines
    from .report import build

    th = thresholds if isinstance(thresholds, Thresholds) else load_thresholds(thresholds)
    source = resolve(target, app)
    col = Collector(th.value("executor_loss", "benign_reasons"))
    state = ReadState()
    feed = col.feed
    for line in lines(source, state, progress, cancel):
        feed(line)
    parts = col.finish(source.app_key)
    if not parts["events"]:
        raise EventLogError(f"event log {source.label}", expected="Spark listener events, one JSON object a line",
                            found=f"{state.lines} line(s) without any 'Event' field",
                            fix="point at a file Spark wrote to spark.eventLog.dir",
                            params={"input": source.label, "lines": state.lines})
    notes, skipped = _notes(source, state, parts)
    read = ReadStats(source=source.label, files=tuple(state.files), codec="/".join(sorted(state.codecs)),
                     bytes_read=source.total_bytes, lines=state.lines,
                     events=tuple(sorted(((k.decode(errors="replace"), v) for k, v in parts["events"].items()),
                                         key=lambda kv: -kv[1])),
                     bad_lines=parts["bad_lines"], truncated=state.truncated or bool(state.cut_files),
                     seconds=state.seconds, notes=tuple(notes), skipped_events=skipped,
                     cut_files=tuple(state.cut_files))
    if progress is not None:
        progress(1.0, f"read {state.lines:,} lines")
    return build(parts, read, th)


def _notes(source, state, parts) -> tuple[list[str], tuple]:
    """What the reader could not vouch for: a running or killed app, a cut-off log, events it does not use."""
    notes = []
    if source.in_progress:
        notes.append("The log is marked in progress: the application was running when it was read, or its "
                     "driver died without closing the log (the figures cover what was written until then).")
    elif not parts["app"].completed:
        notes.append("No ApplicationEnd event: the application was still running, or its driver died.")
    if state.truncated:
        notes.append("The compressed stream ends mid-block: the last events are missing.")
    if state.cut_files:
        notes.append(f"The last line of {', '.join(state.cut_files)} is cut off mid-event (the writer stopped "
                     "while writing it): that event is missing.")
    running = [j for j in parts["jobs"] if j.status == "running"]
    if running and not parts["app"].completed:
        ids = ", ".join(str(j.job_id) for j in running[:5]) + ("…" if len(running) > 5 else "")
        notes.append(f"{len(running)} job(s) never ended in the log (job {ids}): shown as running.")
    handled = parts.get("handled") or set()
    skipped = tuple(sorted(((k.decode(errors="replace"), v) for k, v in parts["events"].items() if k not in handled),
                           key=lambda kv: -kv[1]))
    if skipped:   # event types this reader does not know: another Spark version, a platform's or a library's own
        n = sum(v for _, v in skipped)
        names = ", ".join(f"{k.rsplit('.', 1)[-1]} ({v})" for k, v in skipped[:6])
        notes.append(f"{n:,} event(s) of {len(skipped)} type(s) this reader does not know were skipped: {names}"
                     f"{', …' if len(skipped) > 6 else ''}.")
    return notes, skipped


def compare(a, b, *, app_a=None, app_b=None, thresholds=None, progress=None, cancel=None):
    """Two runs side by side (each a path or URL, or an :class:`EventLogReport` already read)."""
    from .comparison import compare_reports

    th = thresholds if isinstance(thresholds, Thresholds) else load_thresholds(thresholds)

    def part(lo, hi):
        if progress is None:
            return None
        return lambda f, text: progress(lo + (hi - lo) * f, text)

    ra = a if isinstance(a, EventLogReport) else analyze(a, app=app_a, thresholds=th, progress=part(0, 0.5),
                                                         cancel=cancel)
    rb = b if isinstance(b, EventLogReport) else analyze(b, app=app_b, thresholds=th, progress=part(0.5, 1),
                                                         cancel=cancel)
    return compare_reports(ra, rb, th)


__all__ = ["analyze", "analyze_log", "compare", "list_applications", "AppEntry", "EventLogReport",
           "EventLogError", "ReadStats", "load_thresholds", "is_url"]
