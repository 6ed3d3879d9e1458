"""The evidence log: every step, answer, run and error of one diagnosis,
rendered as a Markdown report for an incident ticket.

The log itself is stored (:mod:`dcs_engine.incidents`); :class:`Log` is the sequence view of one
stored incident that the pages read and append to."""
from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    kind: str                 # "step", "run", "error", "note"
    node_id: str
    title: str
    detail: str = ""
    params: dict = field(default_factory=dict, compare=False)
    result_md: str = ""
    outcome: str | None = None
    elapsed_s: float | None = None
    at: float = field(default_factory=time.time)
    author: str = ""

    def with_author(self, author: str) -> Entry:
        return dataclasses.replace(self, author=author)


def step(from_id: str | None, to_id: str, label: str, to_title: str) -> Entry:
    detail = f"from '{from_id}' by answer: {label}" if from_id else f"started at symptom: {to_title}"
    return Entry("step", to_id, to_title, detail)


def run(node_id: str, technique_id: str, params: dict, result, elapsed_s: float) -> Entry:
    return Entry("run", node_id, f"ran {technique_id}", getattr(result, "headline", str(result)), params,
                 result.to_markdown() if hasattr(result, "to_markdown") else str(result),
                 getattr(result, "outcome", None), elapsed_s)


def error(node_id: str, title: str, message: str, params: dict | None = None, elapsed_s: float | None = None) -> Entry:
    return Entry("error", node_id, title, message, dict(params or {}), elapsed_s=elapsed_s)


def _ts(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


class Log(Sequence):
    """The entries of one stored incident, read from the store at every access (so every session that
    opens the incident sees the same steps); ``append`` commits at once.

    With no incident yet, the first ``append`` calls ``starter()`` for one (an incident exists from
    its first entry on)."""

    def __init__(self, store, incident_id: str | None, starter: Callable[[], str] | None = None):
        self.store = store
        self.incident_id = incident_id
        self._starter = starter

    def append(self, entry: Entry) -> None:
        if self.incident_id is None:
            if self._starter is None:
                raise RuntimeError("this evidence log has no incident and no way to start one")
            self.incident_id = self._starter()
        self.store.append(self.incident_id, entry)

    def _all(self) -> list[Entry]:
        return self.store.entries(self.incident_id) if self.incident_id else []

    def __len__(self) -> int:
        return self.store.count(self.incident_id) if self.incident_id else 0

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self):
        return iter(self._all())

    def __repr__(self) -> str:
        return f"Log(incident={self.incident_id!r}, entries={len(self)})"


def report(entries: Sequence[Entry], runbook_title: str, path: tuple[str, ...], titles: dict[str, str],
           incident=None, link: str = "") -> str:
    """Markdown: the incident, the path through the tree, then every entry in order."""
    entries = list(entries)
    lines = ["# dcs-doctor evidence report", ""]
    if incident is not None:
        lines.append(f"- Incident: `{incident.id}` — {incident.title}")
        lines.append(f"- Opened: {_ts(incident.created_at)} by {incident.created_by}")
    if link:
        lines.append(f"- Link: {link}")
    lines += [f"- Runbook: {runbook_title}",
              f"- Generated: {_ts(time.time())}",
              f"- Entries: {len(entries)}", "", "## Path through the tree", ""]
    if path:
        lines += [f"{i + 1}. {titles.get(n, n)} (`{n}`)" for i, n in enumerate(path)]
    else:
        lines.append("_No step taken yet._")
    lines += ["", "## Log", ""]
    for i, e in enumerate(entries, 1):
        head = f"### {i}. [{_ts(e.at)}] {e.kind}: {e.title} (`{e.node_id}`)" + (f" by {e.author}" if e.author else "")
        lines += [head, ""]
        if e.detail:
            lines += [e.detail, ""]
        if e.params:
            shown = json.dumps(e.params, indent=2, default=str, sort_keys=True)
            lines += ["Parameters:", "", "```json", shown, "```", ""]
        if e.outcome:
            lines.append(f"Outcome: `{e.outcome}`")
        if e.elapsed_s is not None:
            lines.append(f"Time: {e.elapsed_s:.2f} s")
        if e.outcome or e.elapsed_s is not None:
            lines.append("")
        if e.result_md:
            lines += [e.result_md, ""]
    return "\n".join(lines).rstrip() + "\n"
