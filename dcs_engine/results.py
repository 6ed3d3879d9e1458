"""Shared pieces of technique results.

Every technique returns a frozen dataclass with at least ``outcome`` (which the
runbook's edges match on), ``headline`` and ``to_markdown()`` (used by the
evidence report).  :func:`md_table` renders rows for those reports.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class Result(Protocol):
    outcome: str

    @property
    def headline(self) -> str: ...

    def to_markdown(self) -> str: ...


def cell(value: Any, width: int = 60) -> str:
    text = "null" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def md_table(columns: Iterable[str], rows: Iterable[Iterable[Any]], width: int = 60) -> str:
    cols = list(columns)
    lines = ["| " + " | ".join(cell(c, width) for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell(v, width) for v in row) + " |")
    return "\n".join(lines)


class Reportable:
    """Mixin of every result: shows itself in Jupyter and Databricks notebooks (HTML) and in text."""

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return markdown_to_html(self.to_markdown())


def _inline(text: str) -> str:
    import html
    import re

    out = html.escape(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


def markdown_to_html(text: str) -> str:
    """The small Markdown the results write (paragraphs, pipe tables, fenced code, bullets) as HTML."""
    import html

    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre>" + html.escape("\n".join(lines[i + 1:j])) + "</pre>")
            i = j + 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not set(lines[i]) <= set("|-: "):
                    rows.append([c.strip().replace("\\|", "|") for c in lines[i].strip()[1:-1].split(" | ")])
                i += 1
            head, *body = rows or [[]]
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead><tbody>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
                       + "</tbody></table>")
        elif line.startswith(("- ", "* ")):
            items = []
            while i < len(lines) and lines[i].startswith(("- ", "* ")):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
        else:
            if line.strip():
                out.append(f"<p>{_inline(line)}</p>")
            i += 1
    return "\n".join(out)
