"""Read a failure text: its records, each record's exception chain, the surfaced and the innermost error.

Pure text work, no Spark.  The text is first normalised (:mod:`.lines`), then cut into
*records*: a log record (a line with a timestamp/level prefix and what follows it), a
section of an aggregated log, or an uncaught traceback.  Each record is read into one
chain of *levels*, outer to inner:

* a Java exception line, each ``: X`` (Py4J) and ``Caused by: X``; ``Suppressed:``
  subtrees, frames and ``... N more`` are skipped;
* an exception named inside a message (``Job aborted ... Lost task ...: X: msg``,
  ``User class threw exception: X``, ``failed to compile: X``) is a level under it;
* a Python traceback's closing line; chained tracebacks ("During handling of the above
  exception" / "The above exception was the direct cause") print the cause first, so
  the blocks are reversed: the first block is the innermost;
* an IPython header (``XError   Traceback (most recent call last)``) names the class
  when the closing line was cut off;
* a gRPC ``<_MultiThreadedRendezvous ...>`` with its ``status`` and ``details``.

The same exception printed twice (task failure, then ``Driver stacktrace`` or ``JVM
stacktrace``) is kept at its deepest place.  The record that decides is the last one of
the highest rank: an uncaught traceback, then ERROR/FATAL records, unprefixed text,
WARN, INFO.  The surfaced error is the outermost level of that chain, the innermost the
deepest one (a bare ``EOFException``-like link under a message says less than its parent).
"""
from __future__ import annotations

from . import lines as L
from .context import locate
from .frames import user_frame
from .model import QUIET_LEAVES, Chain, Extract, Level, conditions_in
from .records import read_record, split_records

__all__ = ["Chain", "Extract", "Level", "WRAPPERS", "conditions_in", "extract", "condition_base", "best_chain"]


# ------------------------------------------------------------------ the whole text
def _innermost(chain: list[Level]) -> Level | None:
    if not chain:
        return None
    inner = chain[-1]
    if not inner.message and inner.name in QUIET_LEAVES and len(chain) > 1 and chain[-2].message:
        return chain[-2]
    return inner


def best_chain(chains: list[Chain]) -> Chain | None:
    best = None
    for c in chains:
        if c.rank >= 0 and (best is None or c.rank >= best.rank):
            best = c
    return best


# Py4J's wrappers always stand on a cause (the Java exception, or the broken link to the JVM)
WRAPPERS = ("Py4JJavaError", "Py4JError")


def _borrow_cause(best: Chain, chains: list[Chain]) -> None:
    """A Py4J wrapper left with nothing under it (the text was cut, or the cause was logged apart:
    a title line, the gateway's own ERROR record) takes the nearest earlier record's innermost error."""
    if not best.levels or best.levels[-1].name not in WRAPPERS:
        return
    for c in reversed(chains[: chains.index(best)]):
        inner = c.levels[-1] if c.levels else None
        if inner is not None and inner.name not in WRAPPERS:
            best.levels.append(inner)
            return


def extract(text: str) -> Extract:
    lines, recs = L.normalize_with_prefixes(text)
    chains = [read_record(lines, *b) for b in split_records(lines, recs)]
    out = Extract(records=len(chains), text="\n".join(lines))
    best = best_chain(chains)
    if best is not None:
        _borrow_cause(best, chains)
        out.chain = best.levels
        out.surfaced = best.levels[0]
        out.innermost = _innermost(best.levels)
        out.record_text = best.text
        out.user_frame, out.user_code = user_frame(best.blocks)
        inner = out.innermost
        if any(lv.origin == "grpc" for lv in best.levels):
            out.kind = "grpc"
        elif inner.origin == "python" or inner.origin == "header":
            out.kind = "python"
        elif len(best.levels) > 1 or "." in inner.qualname:
            out.kind = "jvm"
        else:
            out.kind = "plain"
        for lv in reversed(out.chain):
            for c in lv.conditions:
                if c not in out.conditions:
                    out.conditions.append(c)
            out.sqlstate = out.sqlstate or lv.sqlstate
    out.stage, out.task, out.executor = locate(out.record_text, out.text)
    return out


def condition_base(cond: str) -> str:
    return cond.split(".", 1)[0]
