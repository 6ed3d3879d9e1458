"""The evidence log: every step, answer, run and error of one diagnosis,
rendered as a Markdown report for an incident ticket."""
from __future__ import annotations

import json
import time
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


def report(entries: list[Entry], runbook_title: str, path: tuple[str, ...], titles: dict[str, str]) -> str:
    """Markdown: the path through the tree, then every entry in order."""
    lines = ["# dcs-doctor evidence report", "",
             f"- Runbook: {runbook_title}",
             f"- Generated: {_ts(time.time())}",
             f"- Entries: {len(entries)}", "", "## Path through the tree", ""]
    if path:
        lines += [f"{i + 1}. {titles.get(n, n)} (`{n}`)" for i, n in enumerate(path)]
    else:
        lines.append("_No step taken yet._")
    lines += ["", "## Log", ""]
    for i, e in enumerate(entries, 1):
        head = f"### {i}. [{_ts(e.at)}] {e.kind}: {e.title} (`{e.node_id}`)"
        lines += [head, ""]
        if e.detail:
            lines += [e.detail, ""]
        if e.params:
            lines += ["Parameters:", "", "```json", json.dumps(e.params, indent=2, default=str, sort_keys=True), "```", ""]
        if e.outcome:
            lines.append(f"Outcome: `{e.outcome}`")
        if e.elapsed_s is not None:
            lines.append(f"Time: {e.elapsed_s:.2f} s")
        if e.outcome or e.elapsed_s is not None:
            lines.append("")
        if e.result_md:
            lines += [e.result_md, ""]
    return "\n".join(lines).rstrip() + "\n"
