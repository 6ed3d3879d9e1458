"""Result view for naughty_rows: the signature table, then example rows per signature."""
import pandas as pd
import streamlit as st

from app_pages.results._worker_logs import render_logs
from dcs_engine.results import cell


def render(result) -> None:
    st.markdown(f"**{result.headline}**")
    for note in result.notes:
        st.warning(note)
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows scanned", f"{result.scanned:,}")
    c2.metric("Rows that raised", f"{result.raised:,}")
    c3.metric("Unexpected return type", f"{result.returned_bad:,}")
    st.caption(f"Rows as {result.row_type}, {result.engine} path on {result.kind} Spark, {result.elapsed_s:.2f} s. "
               f"{result.shipped}." + ("" if result.complete else f" Stopped after {result.problems:,} problems."))
    render_logs(result.logs)
    if not result.signatures:
        return
    st.dataframe(pd.DataFrame(
        [(s.count, s.title, s.where, s.line) for s in result.signatures],
        columns=["rows", "signature", "where", "code line"]), hide_index=True)
    for i, sig in enumerate(result.signatures, 1):
        with st.expander(f"Signature {i}: {sig.title} — {sig.count:,} rows", expanded=i == 1):
            if sig.line:
                st.code(f"# {sig.where}\n{sig.line}", language="python")
            st.caption(f"First message as raised: {sig.first_message}")
            if sig.examples:
                st.dataframe(pd.DataFrame([[cell(v, 200) for v in row] for row in sig.examples],
                                          columns=list(result.columns)), hide_index=True)
