"""Result view for triage: the innermost error first, what the driver surfaced, every level's condition
with Spark's documented meaning and SQLSTATE, then the cause, why it was decided, recovery and the node."""
import streamlit as st

ROOT_CAUSE_WORDS = {
    "data_variance": "data variance (your code vs your data)",
    "framework_state": "heterogeneous framework state (the pieces differ)",
    "control_flow": "mental models of control flow",
    "exponential": "exponential behaviour",
    "heavy_load": "heavy load (too much data for the resources)",
    "toolchain_panic": "toolchain panic",
    "unknown": "not in the catalog",
}
MAX_LEVELS = 30
DECIDED_BY = {
    "condition": "a catalog entry, by the error condition",
    "exception": "a catalog entry, by the exception class",
    "pattern": "a catalog entry, by a message pattern",
    "log": "a catalog entry, by a pattern in the log",
    "explained_by": "a catalog entry, by the cause the log also shows",
    "sqlstate": "the SQLSTATE class of the error condition",
    "grpc_status": "the gRPC status of the Spark Connect call",
    "exception_class": "the SQLSTATE class the exception stands for",
    "none": "nothing matched",
}


def _facts(r) -> list[str]:
    facts = []
    if r.surfaced_qualname and r.surfaced_qualname != r.exception_qualname:
        facts.append(f"Surfaced as `{r.surfaced_qualname}`; innermost `{r.exception_qualname or r.exception_class}`")
    if r.error_condition or r.sqlstate:
        facts.append(f"Error condition `{r.error_condition or '-'}` · SQLSTATE `{r.sqlstate or '-'}`")
    where = [f"{k} {v}" for k, v in (("stage", r.stage), ("task", r.task), ("executor", r.executor)) if v]
    if where:
        facts.append("Failed in " + ", ".join(where))
    if r.line_no:
        facts.append(f"Log line {r.line_no} of {r.source}")
    return facts


def _levels(r) -> None:
    if not r.levels:
        return
    shown = list(enumerate(r.levels, 1))
    if len(shown) > MAX_LEVELS:  # a pathological chain: its ends say the most
        shown = shown[:5] + shown[-(MAX_LEVELS - 5):]
    lines, prev = [], 0
    for i, lv in shown:
        if i != prev + 1:
            lines.append(f"{prev + 1}. … {i - prev - 1} more levels")
        prev = i
        lines.append(f"{i}. `{lv.qualname}` ({lv.origin}) — {lv.message[:300] or '(no message)'}")
        for c in lv.conditions:
            state = f"SQLSTATE `{c.sqlstate}`" if c.sqlstate else "no SQLSTATE"
            if c.state_meaning:
                state += f" ({c.state_meaning})"
            lines.append(f"    - condition `{c.condition}`, {state}: {c.meaning or 'not in the Spark error catalog'}")
        if lv.status:
            lines.append(f"    - gRPC status `{lv.status}`")
    with st.expander(f"Exception chain, outer → inner ({len(r.levels)} levels)", expanded=bool(r.conditions)):
        st.markdown("\n".join(lines))


def render(result) -> None:
    r = result
    st.markdown("**Innermost error**")
    st.error(r.headline)
    facts = _facts(r)
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
    if r.root_cause:
        st.markdown(f"**{r.title}** — {ROOT_CAUSE_WORDS.get(r.outcome, r.outcome)}")
        if r.cause:
            st.markdown(f"**Cause:** {r.cause}")
    else:
        st.warning("This error is not in the catalog: the innermost error above is what to work from; "
                   "continue with the generic branch of the runbook (display the program state).")
    if r.why:
        st.info(f"**Why:** decided by {DECIDED_BY.get(r.decided_by, r.decided_by)} — {r.why}")
    _levels(r)
    st.markdown("**Recovery**")
    st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(r.recovery, 1)))
    if r.conf:
        st.markdown("Spark settings named above (suggested values; set them when the session starts):")
        st.code("\n".join(f"{k}={v}" for k, v in r.conf), language="properties")
    if r.also_seen:
        st.caption("Also in this log: " + ", ".join(f"{cid} ×{n}" for cid, n in r.also_seen))
