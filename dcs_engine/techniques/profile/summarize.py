"""From the pass's tallies (exact, all rows) and the probe's rows (shapes, examples) to column profiles."""
from __future__ import annotations

from collections import Counter

from dcs_engine.techniques.profile import layouts, outliers, probe
from dcs_engine.techniques.profile.plan import code_of
from dcs_engine.techniques.profile.report import ColumnProfile, LayoutCount, MissingCount, ShapeCount

PY_TYPES = {"string": "str", "boolean": "bool", "tinyint": "int", "smallint": "int", "int": "int",
            "bigint": "int", "float": "float", "double": "float", "date": "date", "timestamp": "datetime",
            "timestamp_ntz": "datetime", "binary": "bytearray", "void": "NoneType"}
MAX_EXAMPLES = 3


def python_type(field_) -> str:
    dt = field_.dataType
    if dt.typeName() in ("struct", "array", "map"):
        return {"struct": "Row", "array": "list", "map": "dict"}[dt.typeName()]
    simple = dt.simpleString()
    return "Decimal" if simple.startswith("decimal") else PY_TYPES.get(simple, simple)


def examples_by_code(plan, values) -> dict[int, list]:
    out: dict[int, list] = {}
    for v in values:
        ex = out.setdefault(code_of(plan, v), [])
        if v is not None and v not in ex and len(ex) < MAX_EXAMPLES:
            ex.append(v)
    return out


def shapes_of(values, top: int) -> tuple[ShapeCount, ...]:
    """The probe's shapes, most frequent first (nulls last), with examples and kinds."""
    counts: Counter = Counter()
    examples: dict = {}
    seen: dict = {}  # a probe's column repeats its values: shape each distinct text once
    for v in values:
        s = seen.get(v) if isinstance(v, str) else None
        if s is None:
            s = layouts.shape(v)
            if isinstance(v, str):
                seen[v] = s
        counts[s] += 1
        ex = examples.setdefault(s, [])
        if v is not None and len(ex) < 2 and v not in ex:
            ex.append(v)
    ordered = sorted(counts.items(), key=lambda kv: (kv[0] is None, -kv[1], kv[0] or ""))
    out = []
    for s, n in ordered[:top] + [kv for kv in ordered[top:] if kv[0] is None]:
        kind = "null" if s is None else layouts.classify(str(examples[s][0])).kind
        out.append(ShapeCount(s, n, kind, tuple(examples.get(s, ()))))
    return tuple(out)


def _string_parts(plan, tallies, rows, ex):
    missing, lays, kinds = [], [], Counter()
    for code in plan.codes[1:]:
        t = tallies.get(code.value)
        if t is None or not t.count:
            continue
        if code.kind == "missing":
            missing.append(MissingCount(code.label, t.count, t.count / rows if rows else 0.0,
                                        tuple(ex.get(code.value, ()))))
            continue
        lays.append(LayoutCount(code.label, code.kind, t.count, t.flags[0] if t.flags else None,
                                tuple(ex.get(code.value, ())), t.lo, t.hi))
        kinds[code.kind] += t.count
    return tuple(missing), tuple(lays), tuple(kinds.most_common())


def _json_types(plan_json, tallies) -> tuple:
    pairs = [(c.label, tallies[c.value].count) for c in plan_json.codes
             if c.value in tallies and tallies[c.value].count]
    return tuple(sorted(pairs, key=lambda kv: -kv[1]))


def column_profile(plan, field_, tallies, rows, probe_values, top, *, json_plan=None, json_tallies=None,
                   json_source=False, found_examples=None) -> ColumnProfile:
    nulls = tallies.get(0).count if 0 in tallies else 0
    ex = examples_by_code(plan, probe_values)
    for code, values in (found_examples or {}).items():
        ex.setdefault(code, []).extend(v for v in values if v not in ex.get(code, []))
    py = python_type(field_)
    python_types = tuple(t for t, present in ((py, rows > nulls), ("NoneType", nulls > 0)) if present)
    common = dict(name=plan.name, spark_type=plan.spark_type, rows=rows, nulls=nulls, python_types=python_types,
                  shapes=shapes_of(probe_values, top))
    if plan.family == "string":
        missing, lays, kinds = _string_parts(plan, tallies, rows, ex)
        prof = ColumnProfile(**common, kinds=kinds, layouts=lays, missing=missing)
    elif plan.family in ("number", "temporal"):
        lo, hi, missing, outl = outliers.summarize_numbers(plan, tallies, rows)
        kind = "date" if plan.spark_type == "date" else "timestamp" if plan.family == "temporal" \
            else "integer" if py == "int" else "decimal"
        finite = rows - nulls - sum(m.count for m in missing if m.what in ("NaN", "+Infinity", "-Infinity"))
        reading = ""
        if kind == "integer" and (epoch := layouts.epoch_reading(lo, hi)) is not None:
            reading = f"{epoch.name}: {layouts.epoch_text(epoch, lo)} .. {layouts.epoch_text(epoch, hi)} UTC"
        prof = ColumnProfile(**common, kinds=((kind, finite),) if finite else (), layouts=(), missing=missing,
                             min=lo, max=hi, outliers=outl, reading=reading)
    else:
        kinds = tuple((c.label if plan.family == "bool" else plan.spark_type, tallies[c.value].count)
                      for c in plan.codes[1:] if c.value in tallies and tallies[c.value].count)
        prof = ColumnProfile(**common, kinds=kinds, layouts=(), missing=())
    if json_source:
        from dataclasses import replace

        jt = _json_types(json_plan, json_tallies) if json_plan is not None else probe.typed_json_types(
            field_.dataType.simpleString(), field_.dataType.typeName(), rows, nulls)
        prof = replace(prof, json_types=() if field_.name == probe.CORRUPT else jt)
    return prof
