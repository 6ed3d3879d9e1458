"""Draw a runbook as Graphviz DOT, with the walk highlighted.

Path nodes are filled, the current node is bold and red-bordered, edges taken
are thick, a result-suggested edge is dashed blue, and everything not visited is
dimmed.  Plain text: the UI hands it to ``st.graphviz_chart``; tests read it.
"""
from __future__ import annotations

from .model import Runbook
from .walk import Walk

SHAPES = {"symptom": "doubleoctagon", "question": "diamond", "cause": "ellipse",
          "technique": "box", "fix": "note"}
FILL = {"symptom": "#fde2e2", "question": "#fff4cc", "cause": "#e6dcf5", "technique": "#d9ecff",
        "fix": "#dcf5e3"}
DIM = "#c8c8c8"
PATH_EDGE = "#d62728"
SUGGEST = "#1f77b4"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _wrap(text: str, width: int = 22) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return "\\n".join(l.replace("\\", "\\\\").replace('"', '\\"') for l in lines)


def to_dot(book: Runbook, walk: Walk, suggested: str | None = None, focus: str | None = None) -> str:
    """DOT for the whole tree.  ``suggested`` is a node id the last result points to."""
    visited = walk.visited
    taken = set(walk.edges())
    current = walk.current
    out = ["digraph runbook {", '  graph [rankdir=LR, nodesep=0.15, ranksep=0.35, fontname="Helvetica"];',
           '  node [fontname="Helvetica", fontsize=10, style="filled", margin="0.08,0.04"];',
           '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.6];']
    for node in book.nodes.values():
        attrs = {"shape": SHAPES[node.kind], "label": '"' + _wrap(node.title) + '"', "id": _q(f"n-{node.id}"),
                 "tooltip": _q(f"{node.kind}: {node.title}")}
        if node.id == current:
            attrs.update(fillcolor=_q(FILL[node.kind]), color=_q(PATH_EDGE), penwidth="3",
                         fontcolor='"black"', fontname='"Helvetica-Bold"', **{"class": '"current"'})
        elif node.id in visited:
            attrs.update(fillcolor=_q(FILL[node.kind]), color='"black"', penwidth="2", fontcolor='"black"',
                         **{"class": '"visited"'})
        elif node.id == suggested:
            attrs.update(fillcolor='"white"', color=_q(SUGGEST), penwidth="2", fontcolor=_q(SUGGEST),
                         style='"filled,dashed"', **{"class": '"suggested"'})
        else:
            attrs.update(fillcolor='"#f7f7f7"', color=_q(DIM), fontcolor='"#9a9a9a"', **{"class": '"dimmed"'})
        out.append(f"  {node.id} [" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "];")
    for node in book.nodes.values():
        for edge in node.edges:
            label = edge.label if len(edge.label) <= 40 else edge.label[:38] + "…"
            attrs = {"label": _q(label)}
            if (node.id, edge.to) in taken:
                attrs.update(color=_q(PATH_EDGE), penwidth="2.5", fontcolor=_q(PATH_EDGE), **{"class": '"taken"'})
            elif node.id == current and edge.to == suggested:
                attrs.update(color=_q(SUGGEST), penwidth="2", style='"dashed"', fontcolor=_q(SUGGEST),
                             **{"class": '"suggested"'})
            else:
                attrs.update(color=_q(DIM), fontcolor='"#b0b0b0"')
            if edge.loop:
                attrs["constraint"] = "false"
            out.append(f"  {node.id} -> {edge.to} [" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "];")
    out.append("}")
    return "\n".join(out)
