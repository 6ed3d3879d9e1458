"""Result view for profile: findings, the filter's counts side by side, then columns and shapes."""
import pandas as pd
import streamlit as st

from dcs_engine.results import cell


def render(result) -> None:
    st.markdown(f"**{result.headline}** ({result.elapsed_s:.2f} s)")
    if result.where:
        cols = st.columns(3 if result.suggested_where else 2)
        cols[0].metric("Rows without the filter", f"{result.rows:,}")
        cols[1].metric(f"where {result.where}",
                       "fails" if result.rows_in_filter is None else f"{result.rows_in_filter:,}")
        if result.suggested_where:
            cols[2].metric(f"where {result.suggested_where}", f"{result.rows_in_suggested:,}")
    for f in result.findings:
        text = f"**{f.kind}**" + (f" `{f.column}`" if f.column else "") + f": {f.text}"
        (st.error if f.kind in ("literal_shape", "filter_fails") else st.warning)(text)
    if result.comparisons:
        st.dataframe(pd.DataFrame(list(result.comparisons), columns=["comparison", "literal shape", "column shapes"]),
                     hide_index=True)
    if getattr(result, "malformed_records", None):
        st.warning(f"{result.malformed_records:,} JSON line(s) could not be parsed (see `_corrupt_record`)")
    json = any(getattr(c, "json_types", ()) for c in result.columns)
    st.dataframe(pd.DataFrame(
        [(c.name, c.spark_type, ", ".join(c.python_types))
         + ((", ".join(f"{k} {n:,}" for k, n in c.json_types),) if json else ())
         + (c.nulls, c.distinct_shapes, ", ".join(f"{k} {n:,}" for k, n in c.kinds), cell(c.min, 60),
            cell(c.max, 60)) for c in result.columns],
        columns=["column", "type", "python types"] + (["JSON types in the records"] if json else [])
        + ["nulls", "shapes", "looks like", "min", "max"]), hide_index=True)
    for c in result.columns:
        with st.expander(f"{c.name}: {c.distinct_shapes} shape(s)"):
            st.dataframe(pd.DataFrame(
                [("null" if s.shape is None else s.shape, s.count, s.in_filter, s.kind,
                  ", ".join(cell(v, 60) for v in s.examples)) for s in c.shapes],
                columns=["shape", "rows", "rows in filter", "kind", "examples"]), hide_index=True)
