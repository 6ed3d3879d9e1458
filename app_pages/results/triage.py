"""Result view for triage: the innermost error first, then cause, recovery and the runbook node."""
import streamlit as st

ROOT_CAUSE_WORDS = {
    "data_variance": "data variance (your code vs your data)",
    "framework_state": "heterogeneous framework state (driver and executors differ)",
    "control_flow": "mental models of control flow",
    "exponential": "exponential behaviour",
    "heavy_load": "heavy load (too much data for the resources)",
    "toolchain_panic": "toolchain panic",
    "unknown": "not in the catalog",
}


def render(result) -> None:
    r = result
    st.markdown("**Innermost error**")
    st.error(r.headline)
    facts = []
    if r.error_condition or r.sqlstate:
        facts.append(f"Error condition `{r.error_condition or '-'}` · SQLSTATE `{r.sqlstate or '-'}`")
    where = [f"{k} {v}" for k, v in (("stage", r.stage), ("task", r.task), ("executor", r.executor)) if v]
    if where:
        facts.append("Failed in " + ", ".join(where))
    if r.line_no:
        facts.append(f"Log line {r.line_no} of {r.source}")
    if facts:
        st.markdown("  \n".join(facts))
    if r.user_frame:
        st.markdown(f"**Your code:** `{r.user_frame}`")
        if r.user_code:
            st.code(r.user_code, language="python")
    cols = st.columns(3)
    cols[0].metric("Root cause", r.outcome.replace("_", " "))
    cols[1].metric("Runbook node", r.node_id or "-")
    cols[2].metric("Catalog entry", r.catalog_id or "none")
    if r.catalog_id:
        st.markdown(f"**{r.title}** — {ROOT_CAUSE_WORDS.get(r.outcome, r.outcome)}")
        if r.cause:
            st.markdown(f"**Cause:** {r.cause}")
    else:
        st.warning("This error is not in the catalog: the innermost error above is what to work from; "
                   "continue with the generic branch of the runbook (display the program state).")
    st.markdown("**Recovery**")
    st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(r.recovery, 1)))
    if r.conf:
        st.markdown("Spark settings named above (suggested values; set them when the session starts):")
        st.code("\n".join(f"{k}={v}" for k, v in r.conf), language="properties")
    if r.also_seen:
        st.caption("Also in this log: " + ", ".join(f"{cid} ×{n}" for cid, n in r.also_seen))
    if len(r.chain) > 1:
        with st.expander("Exception chain (outer → inner)"):
            st.code("\n".join(r.chain), language="text")
