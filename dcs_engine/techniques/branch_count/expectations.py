"""Expectations about how often a line of the user's function runs (the ``expectations`` parameter).

One per line, ``WHERE: RULE`` (or ``WHERE RULE`` for a comparison): WHERE is a line number
(``42``, ``L42``, ``line 42``) or text found on a line of the function; RULE is ``rare``,
``common``, ``never``, ``always``, or ``< <= > >= ==`` with a number of hits or a percentage.
With none given, every ``except`` handler and every line commented as rare is expected rare.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dcs_engine.errors import ParameterError

RARE_PCT = 10.0
RARE_WORDS = ("rare", "never", "unlikely", "blue moon", "should not happen")


@dataclass(frozen=True)
class ExpectationCheck:
    text: str              # as the user wrote it (or the default rule)
    line: int
    rule: str
    hits: int
    percent: float | None
    ok: bool
    implicit: bool = False

    @property
    def shown(self) -> str:
        pct = "" if self.percent is None else f" ({self.percent:.1f}%)"
        return f"line {self.line}: expected {self.rule}, counted {self.hits:,}{pct}"


_RULE = re.compile(r"^(?:(rare|common|never|always)|(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(%?))$", re.I)
_WHERE_NUM = re.compile(r"^(?:l|line\s*)?(\d+)$", re.I)


@dataclass(frozen=True)
class Expectation:
    text: str
    line: int
    rule: str
    op: str
    value: float
    percent: bool

    def check(self, hits: int, pct: float | None, implicit: bool = False) -> ExpectationCheck:
        x = pct if self.percent else hits
        if x is None:       # the decision never ran: nothing can be rarer, nothing commoner
            ok = self.op in ("<", "<=") or (self.op == "==" and self.value == 0)
        else:
            ok = {"<": x < self.value, "<=": x <= self.value + 1e-9, ">": x > self.value,
                  ">=": x >= self.value - 1e-9, "==": abs(x - self.value) < 1e-9}[self.op]
        return ExpectationCheck(self.text, self.line, self.rule, hits, pct, ok, implicit)


def _bad(n: int, text: str, reason: str, expected: str, found: str, fix: str) -> ParameterError:
    return ParameterError(f"expectations, line {n}", condition="EXPECTATION_INVALID",
                          params={"param": "expectations", "line": n, "text": text, "reason": reason},
                          expected=expected, found=found, fix=fix)


def _split(line: str, n: int) -> tuple[str, str]:
    """WHERE and RULE of one expectation line ('L42 < 5%' or '42: rare')."""
    op_at = re.search(r"[<>=]", line)
    if op_at and ":" not in line[op_at.start():] and not line[:op_at.start()].rstrip().endswith(":"):
        return line[:op_at.start()].strip(), line[op_at.start():].strip()
    if ":" in line:
        where, rule = (part.strip() for part in line.rsplit(":", 1))
        return where, rule
    raise _bad(n, line, "no rule", "WHERE: RULE, e.g. '42: rare' or 'L42 < 5%'", repr(line),
               "add ':' between the line and the rule")


_WORDS = {"rare": ("<=", RARE_PCT, True, f"rare (≤ {RARE_PCT:g}%)"),
          "common": (">", RARE_PCT, True, f"common (> {RARE_PCT:g}%)"),
          "never": ("==", 0, False, "never (0 hits)"), "always": (">=", 100.0, True, "always (100%)")}


def _rule(rule: str, n: int, line: str) -> tuple[str, float, bool, str]:
    """(op, value, is a percentage, shown) of a RULE."""
    m = _RULE.match(rule)
    if not m:
        raise _bad(n, line, "bad rule", "rare, common, never, always, or < <= > >= == with a number or a percentage",
                   repr(rule), "write e.g. 'rare', '< 5%' or '== 0'")
    if m.group(1):
        return _WORDS[m.group(1).lower()]
    is_pct = bool(m.group(4))
    return m.group(2), float(m.group(3)), is_pct, f"{m.group(2)} {m.group(3)}{'%' if is_pct else ' hits'}"


def _line_of(where: str, inst, n: int, line: str) -> int:
    num = _WHERE_NUM.match(where)
    if num:
        ln = int(num.group(1))
        if not inst.first_line <= ln <= inst.last_line:
            raise _bad(n, line, "line outside the function",
                       f"a line of {inst.name} ({inst.first_line}-{inst.last_line})", str(ln),
                       "use the line numbers shown in the annotated source")
        return ln
    src = inst.source.splitlines()
    needle = where.strip("'\"").lower()
    ln = next((i for i in range(inst.first_line, inst.last_line + 1) if needle and needle in src[i - 1].lower()),
              None)
    if ln is None:
        raise _bad(n, line, "text not found", f"a line number or text found in {inst.name}", repr(where),
                   "copy a piece of the line's text, or give its number")
    return ln


def parse_expectations(text: str, inst) -> list[Expectation]:
    """The expectations of ``text`` for the instrumented function ``inst``; refused with
    condition EXPECTATION_INVALID (params: line, text, reason) before any Spark work."""
    out = []
    for n, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where, rule = _split(line, n)
        op, value, is_pct, shown = _rule(rule, n, line)
        out.append(Expectation(line, _line_of(where, inst, n, line), shown, op, value, is_pct))
    return out


def default_expectations(inst) -> list[Expectation]:
    """``except`` handlers and lines commented as rare are expected to be rare."""
    src = inst.source.splitlines()
    lines = {p.line for p in inst.probes if p.kind == "except"}
    for ln in range(inst.first_line, inst.last_line + 1):
        text = src[ln - 1]
        if "#" in text and any(w in text[text.index("#"):].lower() for w in RARE_WORDS):
            lines.add(ln)
    rule = f"rare (≤ {RARE_PCT:g}%)"
    return [Expectation(f"{ln}: rare (default: except handler or '# rare' comment)", ln, rule, "<=", RARE_PCT, True)
            for ln in sorted(lines)]
