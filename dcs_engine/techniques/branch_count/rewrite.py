"""The AST rewrite behind branch counting: a probe in every branch arm of the user's function.

Each probe is a statement ``_dcs_hits[k] += 1`` (or, inside an expression, ``_dcs_hit(k) and
<expr>``, which always yields ``<expr>``); see :mod:`dcs_engine.techniques.branch_count.instrument`
for what is probed and how the counts are read.  Runs on the driver only.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

HITS = "_dcs_hits"
HIT = "_dcs_hit"


@dataclass(frozen=True)
class Probe:
    id: int
    # call if_true if_false try try_ok except try_else loop_body loop_skipped loop_else case
    # ifexp_true ifexp_false operand segment
    kind: str
    line: int
    label: str
    func: str          # qualified name of the def holding it
    base: tuple[int, ...] = ()   # probes whose summed count is the percentage's denominator
    alias: int | None = None     # counted by another probe (no statement of its own)


def _probe_stmt(k: int, at: ast.AST) -> ast.stmt:
    node = ast.AugAssign(
        target=ast.Subscript(value=ast.Name(HITS, ast.Load()), slice=ast.Constant(k), ctx=ast.Store()),
        op=ast.Add(), value=ast.Constant(1))
    return ast.copy_location(node, at)


def _exits(stmt: ast.stmt) -> bool:
    """Does ``stmt`` contain a return/raise/break/continue (outside nested defs)?"""
    todo = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
            return True
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                todo.append(child)
    return False


def _short(node: ast.AST, width: int = 48) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _Rewriter:
    def __init__(self, source_lines: list[str]):
        self.lines = source_lines
        self.probes: list[Probe] = []
        self.line_probe: dict[int, tuple[int, int]] = {}
        self.returns: list[tuple[int, int]] = []
        self.func_stack: list[tuple[str, int]] = []

    # -- bookkeeping
    def new(self, kind: str, line: int, label: str, base: tuple[int, ...] = ()) -> int:
        k = len(self.probes)
        func = self.func_stack[-1][0] if self.func_stack else ""
        self.probes.append(Probe(k, kind, line, label, func, base))
        return k

    def set_base(self, k: int, base: tuple[int, ...]) -> None:
        self.probes[k] = Probe(**{**self.probes[k].__dict__, "base": base})

    def mark(self, first: int, last: int, seg: int) -> None:
        call = self.func_stack[-1][1]
        for line in range(first, last + 1):
            self.line_probe[line] = (seg, call)

    def mark_keyword(self, word: str, before: ast.stmt, after: ast.stmt, k: int) -> None:
        """Give an ``else:`` line (which has no statement of its own) the count of its arm."""
        for line in range((before.end_lineno or before.lineno) + 1, after.lineno + 1):
            text = self.lines[line - 1].strip() if line <= len(self.lines) else ""
            if text.startswith(word) and text[len(word):].lstrip().startswith(":"):
                self.mark(line, line, k)
                return

    def is_elif(self, node: ast.If) -> bool:
        if len(node.orelse) != 1 or not isinstance(node.orelse[0], ast.If):
            return False
        inner = node.orelse[0]
        text = self.lines[inner.lineno - 1][inner.col_offset:] if inner.lineno <= len(self.lines) else ""
        return text.startswith("elif")

    # -- functions
    def function(self, node: ast.FunctionDef, qual: str) -> ast.FunctionDef:
        self.func_stack.append((qual, -1))
        call = self.new("call", node.lineno, f"{qual}() called")
        self.func_stack[-1] = (qual, call)
        self.mark(node.lineno, max(node.lineno, node.body[0].lineno - 1), call)
        body = list(node.body)
        doc = []
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            doc = [body.pop(0)]
        first = body[0] if body else node
        node.body = doc + [_probe_stmt(call, first)] + self.block(body, call)
        self.func_stack.pop()
        return node

    # -- statements
    def block(self, stmts: list[ast.stmt], seg: int, fresh: bool = True) -> list[ast.stmt]:
        """``fresh``: ``seg``'s probe runs right before the first statement (an arm's own block)."""
        out: list[ast.stmt] = []
        for i, stmt in enumerate(stmts):
            out.extend(self.statement(stmt, seg, first=fresh and i == 0))
            if i + 1 < len(stmts) and _exits(stmt):
                nxt = stmts[i + 1]
                seg = self.new("segment", nxt.lineno, f"after line {stmt.lineno}")
                out.append(_probe_stmt(seg, nxt))
        return out

    def expr(self, node, seg: int):
        if node is None:
            return None
        return _ExprRewriter(self, seg).visit(node)

    def statement(self, stmt: ast.stmt, seg: int, first: bool = False) -> list[ast.stmt]:
        if isinstance(stmt, ast.If):
            return [self.if_(stmt, seg)]
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            return self.loop(stmt, seg)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            return [self.try_(stmt, seg, first)]
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            self.mark(stmt.lineno, max(it.context_expr.end_lineno for it in stmt.items), seg)
            for it in stmt.items:
                it.context_expr = self.expr(it.context_expr, seg)
            stmt.body = self.block(stmt.body, seg, fresh=False)
            return [stmt]
        if isinstance(stmt, ast.Match):
            return [self.match(stmt, seg)]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([d.lineno for d in stmt.decorator_list] + [stmt.lineno])
            self.mark(start, stmt.lineno, seg)
            parent = self.func_stack[-1][0]
            return [self.function(stmt, f"{parent}.{stmt.name}")]
        if isinstance(stmt, ast.ClassDef):
            self.mark(stmt.lineno, stmt.lineno, seg)
            stmt.body = self.block(stmt.body, seg, fresh=False)
            return [stmt]
        # simple statement
        self.mark(stmt.lineno, stmt.end_lineno or stmt.lineno, seg)
        if isinstance(stmt, ast.Return):
            self.returns.append((stmt.lineno, seg))
        for name, value in ast.iter_fields(stmt):
            if isinstance(value, ast.expr):
                setattr(stmt, name, self.expr(value, seg))
            elif isinstance(value, list) and value and all(isinstance(v, ast.expr) for v in value):
                setattr(stmt, name, [self.expr(v, seg) for v in value])
        return [stmt]

    def if_(self, node: ast.If, seg: int) -> ast.If:
        self.mark(node.lineno, node.test.end_lineno, seg)
        cond = _short(node.test)
        t = self.new("if_true", node.lineno, f"if {cond}: true")
        if not node.orelse:
            f_label = f"if {cond}: false (no else)"
        elif self.is_elif(node):
            f_label = f"if {cond}: false → elif (line {node.orelse[0].lineno})"
        else:
            f_label = f"if {cond}: false → else"
        f = self.new("if_false", node.lineno, f_label)
        self.set_base(t, (t, f))
        self.set_base(f, (t, f))
        node.test = self.expr(node.test, seg)
        node.body = [_probe_stmt(t, node.body[0])] + self.block(node.body, t)
        if node.orelse:
            if not self.is_elif(node):
                self.mark_keyword("else", node.body[-1], node.orelse[0], f)
            node.orelse = [_probe_stmt(f, node.orelse[0])] + self.block(node.orelse, f)
        else:
            node.orelse = [_probe_stmt(f, node)]
        return node

    def loop(self, node, seg: int) -> list[ast.stmt]:
        head_end = node.test.end_lineno if isinstance(node, ast.While) else node.iter.end_lineno
        self.mark(node.lineno, head_end, seg)
        what = f"while {_short(node.test)}" if isinstance(node, ast.While) else \
            f"for {_short(node.target)} in {_short(node.iter)}"
        body = self.new("loop_body", node.lineno, f"{what}: body iterations", (seg,))
        skipped = self.new("loop_skipped", node.lineno, f"{what}: body never ran", (seg,))
        flag = f"_dcs_e{body}"
        if isinstance(node, ast.While):
            node.test = self.expr(node.test, seg)
        else:
            node.iter = self.expr(node.iter, seg)
        set_flag = ast.copy_location(ast.Assign(targets=[ast.Name(flag, ast.Store())], value=ast.Constant(1)),
                                     node.body[0])
        node.body = [_probe_stmt(body, node.body[0]), set_flag] + self.block(node.body, body)
        check = ast.copy_location(
            ast.If(test=ast.UnaryOp(ast.Not(), ast.Name(flag, ast.Load())),
                   body=[_probe_stmt(skipped, node)], orelse=[]), node)
        orelse = []
        if node.orelse:
            els = self.new("loop_else", node.orelse[0].lineno, f"{what}: else clause (no break)", (seg,))
            orelse = [_probe_stmt(els, node.orelse[0])] + self.block(node.orelse, els)
        node.orelse = [check] + orelse
        init = ast.copy_location(ast.Assign(targets=[ast.Name(flag, ast.Store())], value=ast.Constant(0)), node)
        return [init, node]

    def try_(self, node, seg: int, first: bool = False):
        entered = self.new("try", node.lineno, "try: body entered", (seg,))
        self.mark(node.lineno, node.lineno, entered)
        if first:   # nothing runs between the block's probe and this try: same count, no extra probe
            self.probes[entered] = Probe(**{**self.probes[entered].__dict__, "alias": seg})
            body = self.block(node.body, entered)
        else:
            body = [_probe_stmt(entered, node.body[0])] + self.block(node.body, entered)
        if not isinstance(node.body[-1], (ast.Return, ast.Raise, ast.Break, ast.Continue)):
            ok = self.new("try_ok", node.lineno, "try: body ran to its end", (entered,))
            body.append(_probe_stmt(ok, node.body[-1]))
        node.body = body
        for h in node.handlers:
            end = h.type.end_lineno if h.type is not None else h.lineno
            caught = _short(h.type) if h.type is not None else "(bare)"
            k = self.new("except", h.lineno, f"except {caught}", (entered,))
            self.mark(h.lineno, end, k)
            h.body = [_probe_stmt(k, h.body[0])] + self.block(h.body, k)
        if node.orelse:
            k = self.new("try_else", node.orelse[0].lineno, "try: else (no exception)", (entered,))
            self.mark_keyword("else", node.handlers[-1].body[-1], node.orelse[0], k)
            node.orelse = [_probe_stmt(k, node.orelse[0])] + self.block(node.orelse, k)
        if node.finalbody:
            node.finalbody = self.block(node.finalbody, seg, fresh=False)
        return node

    def match(self, node: ast.Match, seg: int) -> ast.Match:
        self.mark(node.lineno, node.subject.end_lineno, seg)
        node.subject = self.expr(node.subject, seg)
        for case in node.cases:
            k = self.new("case", case.pattern.lineno, f"case {_short(case.pattern)}", (seg,))
            self.mark(case.pattern.lineno, case.pattern.end_lineno, k)
            if case.guard is not None:
                case.guard = self.expr(case.guard, seg)
            case.body = [_probe_stmt(k, case.body[0])] + self.block(case.body, k)
        return node


class _ExprRewriter(ast.NodeTransformer):
    """Probes inside one statement's expressions; lambdas and comprehensions are left alone."""

    def __init__(self, rw: _Rewriter, seg: int):
        self.rw = rw
        self.seg = seg

    def _wrap(self, k: int, node: ast.expr) -> ast.expr:
        call = ast.Call(func=ast.Name(HIT, ast.Load()), args=[ast.Constant(k)], keywords=[])
        return ast.copy_location(ast.BoolOp(op=ast.And(), values=[ast.copy_location(call, node), node]), node)

    def visit_Lambda(self, node):
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_IfExp(self, node: ast.IfExp):
        cond = _short(node.test, 40)
        self.generic_visit(node)
        t = self.rw.new("ifexp_true", node.lineno, f"… if {cond} else …: true")
        f = self.rw.new("ifexp_false", node.lineno, f"… if {cond} else …: false")
        self.rw.set_base(t, (t, f))
        self.rw.set_base(f, (t, f))
        node.body = self._wrap(t, node.body)
        node.orelse = self._wrap(f, node.orelse)
        return node

    def visit_BoolOp(self, node: ast.BoolOp):
        word = "and" if isinstance(node.op, ast.And) else "or"
        labels = [f"{word} {_short(v, 40)}: evaluated" for v in node.values]
        self.generic_visit(node)
        prev = (self.seg,)
        values = [node.values[0]]
        for v, label in zip(node.values[1:], labels[1:]):
            k = self.rw.new("operand", v.lineno, label, prev)
            values.append(self._wrap(k, v))
            prev = (k,)
        node.values = values
        return node
