"""Result view for scale_out: the verdict, the triaged failure or the row-by-row comparison."""
import pandas as pd
import streamlit as st


def render(result) -> None:
    {"same": st.success, "differs": st.warning, "failed": st.error}[result.outcome](result.headline)
    st.caption(f"{result.source} · mode {result.mode} · {result.n} row(s) on {result.partitions} partition(s) · "
               f"shipped: {', '.join(result.shipped) or 'nothing'}")
    if result.outcome == "failed" and result.triage is not None:
        st.markdown(f"**Framework state problem** — `{result.triage.headline}`")
        for fix in result.triage.recovery:
            st.markdown(f"- {fix}")
    if result.mismatches:
        st.dataframe(pd.DataFrame([{"#": m.index, result.here: m.local, result.there: m.distributed}
                                   for m in result.mismatches]), hide_index=True)
    elif result.local:
        with st.expander(f"The {len(result.local)} result(s)"):
            st.dataframe(pd.DataFrame({result.here: list(result.local),
                                       result.there: list(result.distributed) or [""] * len(result.local)}),
                         hide_index=True)
    st.info(f"Next: {result.next_step}")
