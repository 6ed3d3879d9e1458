"""In-memory runbook: frozen nodes and edges."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Edge:
    to: str
    label: str
    when: str | None = None
    loop: bool = False


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    title: str
    text: str
    question: str | None = None
    technique: str | None = None
    params: dict = field(default_factory=dict, hash=False, compare=False)
    edges: tuple[Edge, ...] = ()


@dataclass(frozen=True)
class Runbook:
    title: str
    source: str
    nodes: dict = field(hash=False)  # id -> Node, in file order

    @property
    def symptoms(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "symptom"]

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def edge(self, src: str, dst: str) -> Edge | None:
        for e in self.nodes[src].edges:
            if e.to == dst:
                return e
        return None

    def suggested_edge(self, node_id: str, outcome: str | None) -> Edge | None:
        if outcome is None:
            return None
        return next((e for e in self.nodes[node_id].edges if e.when == outcome), None)

    def leaves_paths(self) -> list[tuple[str, ...]]:
        """Every path from a symptom to a leaf, not following declared loops."""
        out: list[tuple[str, ...]] = []

        def walk(path):
            node = self.nodes[path[-1]]
            nxt = [e.to for e in node.edges if not e.loop and e.to not in path]
            if not nxt:
                out.append(tuple(path))
            for to in nxt:
                walk(path + [to])

        for s in self.symptoms:
            walk([s.id])
        return out
