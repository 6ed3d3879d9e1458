"""Count every branch of a user's function by rewriting its source (AST), not by tracing.

Each branch arm gets a *probe* (:mod:`dcs_engine.techniques.branch_count.rewrite`): a statement
``_dcs_hits[k] += 1`` on a plain list of integers (or, inside an expression, ``_dcs_hit(k) and
<expr>``, which always yields ``<expr>``).  The list lives in the instrumented function's own
globals, which are a copy of the original module's, so the user's module is untouched.
:func:`count_items` zeroes the list, calls the function on every element of a task, and returns
the non-zero counts once -- one small dict per task (``ctx.tally`` on Spark), not per row.

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

Only :func:`count_items` and the probes run on executors (builtins only); the module is pickled by
value (``ctx.ship_module_by_value``), since executors have no dcs_engine.
"""
from __future__ import annotations
import __future__ as _future

import ast
import inspect
import linecache
import types
from dataclasses import dataclass

from dcs_engine.errors import UserCodeError
from dcs_engine.techniques.branch_count.rewrite import HIT, HITS, Probe, _Rewriter


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
        """Run over ``items`` in this process; the counts (probe id -> hits, plus ``calls``,
        ``raised``, ``errors``)."""
        return self.resolve(count_items(self.func, iter(items), call=call, generator=self.generator))

    def resolve(self, counts: dict) -> dict:
        """Fill in the counts of alias probes (a ``try`` first in its block counts with that block)."""
        out = dict(counts)
        for p in self.probes:
            if p.alias is not None:
                out[p.id] = out.get(p.alias, 0)
        return out


def _innermost(func):
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return func


def count_items(func, items, call=None, generator: bool = False, max_errors: int = 5) -> dict:
    """Call ``func`` on each element of ``items``; the probe counts of these calls, the number of
    calls and of uncaught exceptions, and the first ``max_errors`` of them.  ``call(func, item)``
    adapts how an element is passed.  Builtins only: this runs on executors."""
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
            if len(errors) < max_errors:
                errors.append(f"{exc.__class__.__name__}: {exc}")
    counts = {i: h for i, h in enumerate(hits) if h}
    counts.update(calls=calls, raised=raised, errors=errors)
    return counts


def merge_counts(parts, max_errors: int = 5) -> dict:
    """Sum per-task counts (errors: the first ``max_errors``, in task order)."""
    total: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, list):
                have = total.setdefault(key, [])
                have.extend(value[: max(0, max_errors - len(have))])
            else:
                total[key] = total.get(key, 0) + value
    return total


def partition_counter(func, acc, call=None, generator: bool = False):
    """A ``foreachPartition``-style runner adding one task's counts to ``acc`` (anything with ``add``)."""
    def run_partition(items):
        acc.add(count_items(func, items, call=call, generator=generator))
    return run_partition


def _make_hit(hits):
    def _dcs_hit(k):
        hits[k] += 1
        return True
    return _dcs_hit


# --------------------------------------------------------------------------- entry point
def _refuse(name: str, found: str, fix: str, reason: str) -> UserCodeError:
    return UserCodeError(f"instrumenting '{name}'", condition="INSTRUMENT_REFUSED",
                         params={"function": name, "reason": reason},
                         expected="a plain top-level def function", found=found, fix=fix)


def _find_def(tree: ast.Module, func) -> ast.AST | None:
    line = func.__code__.co_firstlineno
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == func.__name__:
            lines = {node.lineno} | {d.lineno for d in node.decorator_list}
            if line in lines:
                return node
    return None


def _check_callable(func):
    """The plain function behind ``func`` (decorators unwrapped), or a refusal saying why not."""
    name = getattr(func, "__name__", repr(func))
    if not callable(func):
        raise _refuse(name, f"{type(func).__name__} (not callable)", "point at a function defined with def",
                      "not callable")
    inner = inspect.unwrap(func)
    if not isinstance(inner, types.FunctionType):
        raise _refuse(name, f"a {type(inner).__name__}", "point at a function defined with def in Python code",
                      "not a function")
    name = inner.__name__
    if name == "<lambda>":
        raise _refuse(name, "a lambda", "rewrite it as def f(row): return ... and count that", "lambda")
    if inspect.iscoroutinefunction(inner) or inspect.isasyncgenfunction(inner):
        raise _refuse(name, "an async function", "Spark calls plain functions; count a synchronous def",
                      "async")
    if "." in inner.__qualname__:
        free = ", ".join(inner.__code__.co_freevars) or "none"
        raise _refuse(name, f"{inner.__qualname__}, defined inside another function or class "
                            f"(variables from outside: {free})",
                      "move it to the top level of its module (pass outside values as arguments or globals)",
                      "nested")
    return inner


def _check_def(tree: ast.Module, func, inner, filename: str) -> ast.FunctionDef:
    """The ``def`` of ``inner`` in the parsed source, or a refusal (decorators, async, ``global``)."""
    name = inner.__name__
    node = _find_def(tree, inner)
    if node is None:
        raise _refuse(name, f"no 'def {name}' at line {inner.__code__.co_firstlineno} of {filename} "
                            "(a decorator without functools.wraps hides the function)",
                      "use functools.wraps in the decorator, or count the undecorated function", "decorator")
    if isinstance(node, ast.AsyncFunctionDef):
        raise _refuse(name, "an async function", "Spark calls plain functions; count a synchronous def",
                      "async")
    for sub in ast.walk(node):
        if isinstance(sub, ast.Global):
            raise _refuse(name, f"'global {', '.join(sub.names)}' at line {sub.lineno}",
                          "return values instead of assigning module globals (the instrumented copy "
                          "would write to its own globals)", "global")
    if node.decorator_list and func is inner:
        raise _refuse(name, "decorators whose result does not keep __wrapped__",
                      "use functools.wraps in the decorator, or count the undecorated function", "decorator")
    return node


def _compile(node: ast.FunctionDef, inner, source: str, filename: str):
    """The probed copy of ``node``, compiled into a copy of ``inner``'s globals: (function, rewriter)."""
    name = inner.__name__
    rw = _Rewriter(source.splitlines())
    rw.func_stack.append(("", -1))
    module = ast.Module(body=[rw.function(node, name)], type_ignores=[])
    ast.fix_missing_locations(module)
    flags = inner.__code__.co_flags & _future.annotations.compiler_flag
    code = compile(module, filename, "exec", flags=flags, dont_inherit=True)
    hits = [0] * len(rw.probes)
    ns = dict(inner.__globals__)
    ns[HITS] = hits
    ns[HIT] = _make_hit(hits)
    exec(code, ns)
    return ns[name], rw


def instrument(target, source: str | None = None, filename: str | None = None) -> Instrumented:
    """Instrument a :class:`~dcs_engine.inputs.usercode.UserFunction` or a plain function."""
    is_user = hasattr(target, "func") and hasattr(target, "source") and hasattr(target, "filename")
    func = target.func if is_user else target
    if is_user:
        source = target.source if source is None else source
        filename = target.filename if filename is None else filename
    inner = _check_callable(func)
    name = inner.__name__
    filename = filename or inner.__code__.co_filename
    if not source:
        source = "".join(linecache.getlines(filename))
    if not source:
        raise _refuse(name, f"no source text for {filename}", "paste the function's code", "no source")
    node = _check_def(ast.parse(source, filename), func, inner, filename)
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    new_func, rw = _compile(node, inner, source, filename)
    line_probe = tuple(sorted((ln, seg, call) for ln, (seg, call) in rw.line_probe.items()))
    return Instrumented(new_func, func, name, filename, source, first, node.end_lineno, tuple(rw.probes),
                        line_probe, tuple(rw.returns), inspect.isgeneratorfunction(inner))
