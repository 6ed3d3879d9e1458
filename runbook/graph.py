"""Draw a runbook as Graphviz DOT, with the walk highlighted.

Two drawings:

- :func:`neighbourhood_dot` -- what matters at this step, large enough to read at page width:
  the path taken (top to bottom), the current node, its choices (with their answers as edge
  labels) and the node the last result suggests.
- :func:`to_dot` -- the whole tree, left to right, for the "whole runbook" view.

Path nodes are filled, the current node is bold and red-bordered, edges taken are thick, a
result-suggested edge is dashed blue.  Plain text: the UI hands it to ``st.graphviz_chart``
(drawn in the browser) or to :func:`render_svg` (drawn on the server with Graphviz's ``dot``,
for a zoomable view); tests read it.
"""
from __future__ import annotations

import functools
import re
import shutil
import subprocess

from .model import Runbook
from .walk import Walk

SHAPES = {"symptom": "doubleoctagon", "question": "diamond", "cause": "ellipse",
          "technique": "box", "fix": "note"}
FILL = {"symptom": "#fde2e2", "question": "#fff4cc", "cause": "#e6dcf5", "technique": "#d9ecff",
        "fix": "#dcf5e3"}
DIM = "#c8c8c8"
PATH_EDGE = "#d62728"
SUGGEST = "#1f77b4"
# Text sizes of the neighbourhood drawing, in points (1 pt = 1.33 px at its natural size).
NODE_PT = 14
EDGE_PT = 12
ANSWER_PT = 12


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _lines(text: str, width: int) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    return lines


def _wrap(text: str, width: int = 22) -> str:
    return "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in _lines(text, width))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _node_attrs(node, role: str, width: int = 22) -> dict:
    """role: current, visited, suggested, choice (readable, not visited) or dimmed."""
    attrs = {"shape": SHAPES[node.kind], "label": '"' + _wrap(node.title, width) + '"', "id": _q(f"n-{node.id}"),
             "tooltip": _q(f"{node.kind}: {node.title}")}
    if role == "current":
        attrs.update(fillcolor=_q(FILL[node.kind]), color=_q(PATH_EDGE), penwidth="3",
                     fontcolor='"black"', fontname='"Helvetica-Bold"')
    elif role == "visited":
        attrs.update(fillcolor=_q(FILL[node.kind]), color='"black"', penwidth="2", fontcolor='"black"')
    elif role == "suggested":
        attrs.update(fillcolor='"white"', color=_q(SUGGEST), penwidth="2", fontcolor=_q(SUGGEST),
                     style='"filled,dashed"')
    elif role == "choice":
        attrs.update(fillcolor='"white"', color='"#555555"', fontcolor='"#222222"')
    else:
        attrs.update(fillcolor='"#f7f7f7"', color=_q(DIM), fontcolor='"#9a9a9a"')
    attrs["class"] = _q(role)
    return attrs


def _edge_attrs(role: str) -> dict:
    if role == "taken":
        return {"color": _q(PATH_EDGE), "penwidth": "2.5", "fontcolor": _q(PATH_EDGE), "class": '"taken"'}
    if role == "suggested":
        return {"color": _q(SUGGEST), "penwidth": "2", "style": '"dashed"', "fontcolor": _q(SUGGEST),
                "class": '"suggested"'}
    if role == "choice":
        return {"color": '"#555555"', "fontcolor": '"#333333"', "class": '"choice"'}
    return {"color": _q(DIM), "fontcolor": '"#b0b0b0"'}


def _line(head: str, attrs: dict) -> str:
    return f"  {head} [" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "];"


def _role(node_id: str, walk: Walk, suggested: str | None, other: str) -> str:
    if node_id == walk.current:
        return "current"
    if node_id in walk.visited:
        return "visited"
    return "suggested" if node_id == suggested else other


def to_dot(book: Runbook, walk: Walk, suggested: str | None = None, focus: str | None = None) -> str:
    """DOT for the whole tree.  ``suggested`` is a node id the last result points to."""
    taken = set(walk.edges())
    out = ["digraph runbook {", '  graph [rankdir=LR, nodesep=0.15, ranksep=0.35, fontname="Helvetica"];',
           '  node [fontname="Helvetica", fontsize=10, style="filled", margin="0.08,0.04"];',
           '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.6];']
    for node in book.nodes.values():
        out.append(_line(node.id, _node_attrs(node, _role(node.id, walk, suggested, "dimmed"))))
    for node in book.nodes.values():
        for edge in node.edges:
            if (node.id, edge.to) in taken:
                role = "taken"
            elif node.id == walk.current and edge.to == suggested:
                role = "suggested"
            else:
                role = "dimmed"
            attrs = {"label": _q(_short(edge.label, 40)), **_edge_attrs(role)}
            if edge.loop:
                attrs["constraint"] = "false"
            out.append(_line(f"{node.id} -> {edge.to}", attrs))
    out.append("}")
    return "\n".join(out)


def neighbourhood(book: Runbook, walk: Walk, suggested: str | None = None):
    """The nodes and edges worth drawing at this step.

    Returns ``(node_ids, edges)``: node ids in drawing order; edges as ``(src, dst, label, role)``
    with role ``taken`` (on the path), ``suggested`` (from the current node to the suggested one)
    or ``choice`` (another way out of the current node).  Before a symptom is picked, the
    symptoms are the choices."""
    if not walk.path:
        return [n.id for n in book.symptoms], []
    ids = list(dict.fromkeys(walk.path))
    edges, seen = [], set()
    for a, b in walk.edges():
        if (a, b) not in seen:
            seen.add((a, b))
            edges.append((a, b, book.edge(a, b).label, "taken"))
    for e in book.node(walk.current).edges:
        if (walk.current, e.to) in seen:
            continue
        seen.add((walk.current, e.to))
        ids.append(e.to)
        edges.append((walk.current, e.to, e.label, "suggested" if e.to == suggested else "choice"))
    if suggested in book.nodes and suggested not in ids:   # a suggestion that is not one of the choices
        ids.append(suggested)
        edges.append((walk.current, suggested, "suggested by the last result", "suggested"))
    return list(dict.fromkeys(ids)), edges


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _choice_label(answer: str, title: str) -> str:
    """An HTML-like label: the answer that leads here (small, italic), then the node's title."""
    small = "<br/>".join(_html(x) for x in _lines(_short(answer, 70), 26))
    big = "<br/>".join(_html(x) for x in _lines(title, 22))
    return f'<<font point-size="{ANSWER_PT}"><i>{small}</i></font><br/>{big}>'


def _rows(ids: list[str], per_row: int) -> list[str]:
    """Invisible edges that put ``ids`` in rows of ``per_row``, each under the one above."""
    return [f"  {a} -> {b} [style=invis, weight=10];" for a, b in zip(ids, ids[per_row:])]


def neighbourhood_dot(book: Runbook, walk: Walk, suggested: str | None = None, per_row: int = 2) -> str:
    """DOT for the neighbourhood of the current step, top to bottom, with large labels.

    The ways out of the current node are drawn as nodes whose label starts with the answer that
    leads there, at most ``per_row`` side by side (more go to further rows), so the drawing stays
    narrow enough to keep its labels readable at page width."""
    ids, edges = neighbourhood(book, walk, suggested)
    out = ["digraph neighbourhood {",
           '  graph [rankdir=TB, nodesep=0.3, ranksep=0.4, fontname="Helvetica"];',
           f'  node [fontname="Helvetica", fontsize={NODE_PT}, style="filled", margin="0.12,0.06"];',
           f'  edge [fontname="Helvetica", fontsize={EDGE_PT}, arrowsize=0.8];']
    answers = {b: label for a, b, label, role in edges if role != "taken"}
    for nid in ids:
        attrs = _node_attrs(book.node(nid), _role(nid, walk, suggested, "choice"), width=22)
        if nid in answers and nid not in walk.visited:
            attrs["label"] = _choice_label(answers[nid], book.node(nid).title)
        out.append(_line(nid, attrs))
    placed: list[str] = []   # ways out, in order: row r is placed[r * per_row:(r + 1) * per_row]
    for a, b, label, role in edges:
        attrs = dict(_edge_attrs(role))
        if role == "taken" or b in walk.visited:   # on the path, or a way back up it: label the edge
            attrs["label"] = '"' + _wrap(_short(label, 60), 24) + '"'
            if role != "taken":
                attrs["constraint"] = "false"
        else:
            if len(placed) >= per_row:   # a further row: hang it under the node above, not off the current
                attrs["constraint"] = "false"
            placed.append(b)
        out.append(_line(f"{a} -> {b}", attrs))
    out += _rows(placed, per_row)
    if not walk.path:   # the symptoms alone: rows of ``per_row`` as well
        out += _rows(ids, per_row)
    out.append("}")
    return "\n".join(out)


def has_dot() -> bool:
    return shutil.which("dot") is not None


@functools.lru_cache(maxsize=32)
def _svg(dot: str) -> str:
    out = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise ValueError(f"dot refused the drawing: {out.stderr.strip()[:300]}")
    return out.stdout


_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def render_svg(dot: str, zoom: float | None = 1.0) -> str | None:
    """The drawing as SVG from Graphviz's ``dot`` (None if it is not installed), scaled by ``zoom``
    (None: as wide as its box).  Put it in a scrolling box to pan."""
    if not has_dot():
        return None
    svg = _svg(dot)
    svg = svg[svg.index("<svg"):]
    m = _SIZE.search(svg)
    if m:
        w, h = float(m.group(1)), float(m.group(2))
        size = 'width="100%"' if zoom is None else f'width="{w * zoom:.0f}pt" height="{h * zoom:.0f}pt"'
        svg = svg[: m.start()] + f"<svg {size}" + svg[m.end():]
    return svg
