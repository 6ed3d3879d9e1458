"""Result view for profile: findings, the filter's counts side by side, then columns, layouts and outliers."""
import pandas as pd
import streamlit as st

from dcs_engine.results import cell


def _counts(result) -> None:
    shown = [("Rows without the filter", result.rows),
             (f"where {result.where} (as written)", result.rows_in_filter)]
    if result.rewritten_where and result.rows_in_rewritten is not None:
        shown.append((f"where {result.rewritten_where} (rewritten)", result.rows_in_rewritten))
    if result.meaning_where and result.rows_by_meaning is not None:
        shown.append((f"where {result.meaning_where} (by meaning)", result.rows_by_meaning))
    for col, (label, n) in zip(st.columns(len(shown)), shown):
        col.metric(cell(label, 80), "fails" if n is None else f"{n:,}")


def _findings(result) -> None:
    for f in result.findings:
        text = f"**{f.kind}**" + (f" `{f.column}`" if f.column else "") + f": {f.text}"
        (st.error if f.outcome == "filter_mismatch" else st.warning)(text)
    for n in result.notes:
        st.info((f"`{n.column}`: " if n.column else "") + n.text)
    if result.malformed_records:
        st.warning(f"{result.malformed_records:,} JSON line(s) could not be parsed (see `_corrupt_record`)")
    if result.comparisons:
        st.dataframe(pd.DataFrame([(c.comparison, c.literal_layout, c.column_layout, c.problem)
                                   for c in result.comparisons],
                                  columns=["comparison", "literal written", "column written", "problem"]),
                     hide_index=True)


def _missing_text(c) -> str:
    return ", ".join(f"{m.what} {m.count:,} ({m.share:.1%})" for m in c.missing)


def _outlier_text(c) -> str:
    o = c.outliers
    if o is None:
        return ""
    return o.note[:60] if o.note else f"{o.count:,} (below {o.below:,}, above {o.above:,})"


def _columns(result) -> None:
    json = any(c.json_types for c in result.columns)
    rows = [(c.name, c.spark_type, ", ".join(c.python_types))
            + ((", ".join(f"{k} {n:,}" for k, n in c.json_types),) if json else ())
            + (c.nulls, _missing_text(c), ", ".join(f"{k} {n:,}" for k, n in c.kinds), cell(c.min, 40),
               cell(c.max, 40), _outlier_text(c)) for c in result.columns]
    st.dataframe(pd.DataFrame(rows, columns=["column", "type", "python types"]
                              + (["JSON types in the records"] if json else [])
                              + ["nulls", "missing (not null)", "looks like", "min", "max", "far out"]),
                 hide_index=True)


def _column_detail(c, probe_rows: int) -> None:
    if c.layouts:
        st.dataframe(pd.DataFrame([(lay.layout, lay.kind, lay.count, lay.in_filter,
                                    ", ".join(cell(v, 40) for v in lay.examples)) for lay in c.layouts],
                                  columns=["written as", "kind", "rows", "rows in filter", "examples"]),
                     hide_index=True)
    o = c.outliers
    if o is not None and not o.note:
        st.markdown(f"Fences ({o.scale}): quartiles {cell(o.q1)} .. {cell(o.q3)}, far out below {cell(o.low)} "
                    f"or above {cell(o.high)}; examples: "
                    + ", ".join(cell(v, 30) for v in (*o.low_examples, *o.high_examples)))
    st.dataframe(pd.DataFrame([("null" if s.shape is None else s.shape, s.count, s.kind,
                                ", ".join(cell(v, 40) for v in s.examples)) for s in c.shapes],
                              columns=[f"shape (first {probe_rows:,} rows)", "rows", "kind", "examples"]),
                 hide_index=True)


def render(result) -> None:
    st.markdown(f"**{result.headline}** ({result.elapsed_s:.2f} s)")
    if result.where:
        _counts(result)
    _findings(result)
    _columns(result)
    for c in result.columns:
        with st.expander(f"{c.name}: {len(c.layouts) or len(c.kinds)} kind(s) of value"):
            _column_detail(c, result.probe_rows)
