"""Result view for env_check: missing modules with their fix, then every difference."""
import pandas as pd
import streamlit as st


def render(result) -> None:
    (st.success if result.outcome == "same" else st.error)(result.headline)
    st.caption(f"Master {result.master} · {result.tasks} probe task(s) · {result.executors_seen} executor(s) seen")
    for m in result.missing:
        st.markdown(f"**`{m.module}`** does not import on {m.failing} executor(s): `{m.executors}`")
        st.info(f"Fix: {m.fix}")
    if result.modules:
        st.markdown("**Modules your function needs**")
        st.dataframe(pd.DataFrame([{"module": m.module, "why": m.why, result.here: m.driver,
                                    "executors": m.executors} for m in result.modules]), hide_index=True)
    if result.differences:
        st.markdown("**Differences**")
        st.dataframe(pd.DataFrame([{"what": d.topic, result.here: d.driver, "executors": d.executors,
                                    "where": d.where, "decisive": d.decisive} for d in result.differences]),
                     hide_index=True)
    with st.expander(f"{result.here.capitalize()} environment and sys.path"):
        st.json({k: result.driver.get(k) for k in ("python_version", "implementation", "executable", "prefix",
                                                   "system", "platform")})
        st.markdown(f"Only on the {result.here}: " + (", ".join(f"`{p}`" for p in result.path_only_driver) or "none"))
        st.markdown("Only on executors: " + (", ".join(f"`{p}`" for p in result.path_only_executors) or "none"))
