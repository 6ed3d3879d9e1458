"""Shared pieces of technique results.

Every technique returns a frozen dataclass with at least ``outcome`` (which the
runbook's edges match on), ``headline`` and ``to_markdown()`` (used by the
evidence report).  :func:`md_table` renders rows for those reports.
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol


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
