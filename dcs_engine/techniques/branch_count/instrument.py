"""Count every branch of a user's function by rewriting its source (AST), not by tracing.

Each branch arm gets a *probe*: a statement ``_dcs_hits[k] += 1`` on a plain list
of integers (or, inside an expression, ``_dcs_hit(k) and <expr>``, which always
yields ``<expr>``).  The list lives in the instrumented function's own globals,
which are a copy of the original module's, so the user's module is untouched.
A partition runner (:func:`partition_counter`) zeroes the list, calls the
function on every element of a partition, and adds the non-zero counts to ONE
Spark accumulator at the end -- one accumulator update per partition, not per row.

Probed arms:
  * every function call (the target function and functions nested in it);
  * ``if`` / ``elif`` / ``else``: condition true and condition false (an ``if``
    without ``else`` gets an empty counting ``else``);
  * ``try``: body entered, body ran to its end, each ``except`` handler, ``else``;
  * loops: body iterations, and loops whose body ran zero times;
  * ``match`` cases; conditional expressions (both arms); the right-hand operands
    of ``and``/``or`` (how often the short-circuit did *not* happen);
  * after a statement that can leave the block (``return``/``raise``/``break``/
    ``continue`` inside it), a segment probe, so the lines that follow are counted
    separately.  ``return`` statements are reported as branches with their line's count.

Line counts: a line shows the count of the innermost arm or segment containing it,
i.e. how often that block was entered.  A statement that raises part-way through
a block (caught further out) is not split off: lines after it in the same block
may have run fewer times than shown; the ``try`` arm "ran to the end" shows how
many times the whole body completed.

Not instrumented (they still work, just without counts): lambdas, comprehensions
and generator expressions.  Refused with a :class:`UserCodeError`: lambdas as the
target, methods and functions nested in another function (closures), ``async def``,
``global`` declarations (writes would go to the copied globals), and decorators
that hide the wrapped function (no ``functools.wraps``).  Decorators that keep
``__wrapped__`` are applied again to the instrumented function.

The module is pickled by value to executors; code that runs there uses only builtins.
"""
from __future__ import annotations
import __future__ as _future

import ast
import inspect
import linecache
import types
from dataclasses import dataclass

from dcs_engine.errors import UserCodeError

HITS = "_dcs_hits"
HIT = "_dcs_hit"


@dataclass(frozen=True)
class Probe:
    id: int
    kind: str          # call if_true if_false try try_ok except try_else loop_body loop_skipped loop_else case ifexp_true ifexp_false operand segment
    line: int
    label: str
    func: str          # qualified name of the def holding it
    base: tuple[int, ...] = ()   # probes whose summed count is the percentage's denominator
    alias: int | None = None     # counted by another probe (no statement of its own)


@dataclass(frozen=True)
class Instrumented:
    func: object                 # the instrumented callable (decorators re-applied)
    original: object
    name: str
    filename: str
    source: str                  # full source text the function lives in
    first_line: int
    last_line: int
    probes: tuple[Probe, ...]
    line_probe: tuple[tuple[int, int, int], ...]   # (line, probe id of its count, call probe id of its def)
    returns: tuple[tuple[int, int], ...]          # (line, probe id of its count)
    generator: bool

    @property
    def hits(self) -> list:
        return self.func_globals[HITS]

    @property
    def func_globals(self) -> dict:
        return _innermost(self.func).__globals__

    def run_local(self, items, call=None) -> dict:
        """Run over ``items`` in this process and return the accumulator-style dict
        (probe id -> hits, plus ``calls``, ``raised``, ``errors``)."""
        box = _LocalAcc()
        partition_counter(self.func, box, call=call, generator=self.generator)(iter(items))
        return self.resolve(box.value)

    def resolve(self, counts: dict) -> dict:
        """Fill in the counts of alias probes (a ``try`` first in its block counts with that block)."""
        out = dict(counts)
        for p in self.probes:
            if p.alias is not None:
                out[p.id] = out.get(p.alias, 0)
        return out


class _LocalAcc:
    def __init__(self):
        self.value: dict = {}

    def add(self, update: dict) -> None:
        for k, v in update.items():
            if isinstance(v, list):
                self.value.setdefault(k, []).extend(v)
            else:
                self.value[k] = self.value.get(k, 0) + v


def _innermost(func):
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return func


def partition_counter(func, acc, call=None, generator: bool = False):
    """A function for ``rdd.foreachPartition``: call ``func`` on each element,
    count calls and uncaught exceptions, then add the partition's probe counts to
    ``acc`` once.  ``call(func, item)`` adapts how the element is passed.
    Builtins only: this runs on executors."""

    def run_partition(items):
        inner = func
        while hasattr(inner, "__wrapped__"):
            inner = inner.__wrapped__
        hits = inner.__globals__["_dcs_hits"]
        for i in range(len(hits)):
            hits[i] = 0
        calls = raised = 0
        errors = []
        for item in items:
            calls += 1
            try:
                out = call(func, item) if call is not None else func(item)
                if generator:
                    for _ in out:
                        pass
            except Exception as exc:  # the function's own crash: counted, not fatal
                raised += 1
                if len(errors) < 5:
                    errors.append(f"{exc.__class__.__name__}: {exc}")
        update = {i: h for i, h in enumerate(hits) if h}
        update["calls"] = calls
        update["raised"] = raised
        update["errors"] = errors
        acc.add(update)

    return run_partition


def _make_hit(hits):
    def _dcs_hit(k):
        hits[k] += 1
        return True
    return _dcs_hit


# --------------------------------------------------------------------------- rewriting
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


# --------------------------------------------------------------------------- entry point
def _refuse(name: str, found: str, fix: str) -> UserCodeError:
    return UserCodeError(f"instrumenting '{name}'", expected="a plain top-level def function",
                         found=found, fix=fix)


def _find_def(tree: ast.Module, func) -> ast.AST | None:
    line = func.__code__.co_firstlineno
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == func.__name__:
            lines = {node.lineno} | {d.lineno for d in node.decorator_list}
            if line in lines:
                return node
    return None


def instrument(target, source: str | None = None, filename: str | None = None) -> Instrumented:
    """Instrument a :class:`~dcs_engine.inputs.usercode.UserFunction` or a plain function."""
    is_user = hasattr(target, "func") and hasattr(target, "source") and hasattr(target, "filename")
    func = target.func if is_user else target
    if is_user:
        source = target.source if source is None else source
        filename = target.filename if filename is None else filename
    name = getattr(func, "__name__", repr(func))
    if not callable(func):
        raise _refuse(name, f"{type(func).__name__} (not callable)", "point at a function defined with def")
    inner = inspect.unwrap(func)
    if not isinstance(inner, types.FunctionType):
        raise _refuse(name, f"a {type(inner).__name__}", "point at a function defined with def in Python code")
    name = inner.__name__
    if name == "<lambda>":
        raise _refuse(name, "a lambda", "rewrite it as def f(row): return ... and count that")
    if inspect.iscoroutinefunction(inner) or inspect.isasyncgenfunction(inner):
        raise _refuse(name, "an async function", "Spark calls plain functions; count a synchronous def")
    if "." in inner.__qualname__:
        free = ", ".join(inner.__code__.co_freevars) or "none"
        raise _refuse(name, f"{inner.__qualname__}, defined inside another function or class "
                            f"(variables from outside: {free})",
                      "move it to the top level of its module (pass outside values as arguments or globals)")
    filename = filename or inner.__code__.co_filename
    if not source:
        source = "".join(linecache.getlines(filename))
    if not source:
        raise _refuse(name, f"no source text for {filename}", "paste the function's code")
    tree = ast.parse(source, filename)
    node = _find_def(tree, inner)
    if node is None:
        raise _refuse(name, f"no 'def {name}' at line {inner.__code__.co_firstlineno} of {filename} "
                            "(a decorator without functools.wraps hides the function)",
                      "use functools.wraps in the decorator, or count the undecorated function")
    if isinstance(node, ast.AsyncFunctionDef):
        raise _refuse(name, "an async function", "Spark calls plain functions; count a synchronous def")
    for sub in ast.walk(node):
        if isinstance(sub, ast.Global):
            raise _refuse(name, f"'global {', '.join(sub.names)}' at line {sub.lineno}",
                          "return values instead of assigning module globals (the instrumented copy "
                          "would write to its own globals)")
    if node.decorator_list and func is inner:
        raise _refuse(name, "decorators whose result does not keep __wrapped__",
                      "use functools.wraps in the decorator, or count the undecorated function")
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    last = node.end_lineno

    rw = _Rewriter(source.splitlines())
    rw.func_stack.append(("", -1))
    new_def = rw.function(node, name)
    module = ast.Module(body=[new_def], type_ignores=[])
    ast.fix_missing_locations(module)
    flags = inner.__code__.co_flags & _future.annotations.compiler_flag
    code = compile(module, filename, "exec", flags=flags, dont_inherit=True)

    hits = [0] * len(rw.probes)
    ns = dict(inner.__globals__)
    ns[HITS] = hits
    ns[HIT] = _make_hit(hits)
    exec(code, ns)
    new_func = ns[name]
    probes = tuple(rw.probes)
    line_probe = tuple(sorted((ln, seg, call) for ln, (seg, call) in rw.line_probe.items()))
    return Instrumented(new_func, func, name, filename, source, first, last, probes, line_probe,
                        tuple(rw.returns), inspect.isgeneratorfunction(inner))


def _ship_by_value() -> None:
    import sys

    try:
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    except (ImportError, ValueError):  # no pyspark (pure-Python use), or already registered
        pass


_ship_by_value()
