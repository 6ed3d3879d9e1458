"""Result view for branch_count: expectations, the annotated source, the branch table."""
import pandas as pd
import streamlit as st

from app_pages.results._worker_logs import render_logs


def render(result) -> None:
    if result.outcome == "surprise":
        st.error(result.headline)
    else:
        st.success(result.headline)
    st.caption(f"{result.source} · {result.calls:,} call(s) · uncaught exceptions in the function: "
               f"{result.raised:,} · {result.elapsed_s:.1f} s on {result.kind} Spark")
    render_logs(result.logs)
    if result.errors:
        st.warning("First uncaught errors: " + "; ".join(result.errors))
    if result.checks:
        st.markdown("**Expectations**")
        st.dataframe(pd.DataFrame([{"line": c.line, "expectation": c.text, "rule": c.rule, "hits": c.hits,
                                    "%": None if c.percent is None else round(c.percent, 1),
                                    "result": "ok" if c.ok else "VIOLATED"} for c in result.checks]),
                     hide_index=True)
    st.markdown("**Annotated source** — line, hits, % of the decision that leads there")
    st.code(result.annotated(), language="text")
    with st.expander("All branches", expanded=False):
        st.dataframe(pd.DataFrame([{"line": b.line, "function": b.func, "branch": b.label, "hits": b.hits,
                                    "%": None if b.percent is None else round(b.percent, 1)}
                                   for b in result.branches]), hide_index=True)
