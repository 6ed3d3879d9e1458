"""Result view for sample: per-stratum estimates with intervals against the exact answer."""
import pandas as pd
import streamlit as st


def _e(est):
    return None if est is None else round(est.value, 5)


def render(result) -> None:
    (st.warning if result.outcome == "too_small" else st.success)(result.headline)
    def ci(est):
        return None if est is None else f"[{est.low:.2%}, {est.high:.2%}]"

    rows = []
    for s in result.strata:
        rows.append({result.column: s.stratum, "rows": s.population, "stratified n": s.strat_rows,
                     "random n": s.srs_rows, "exact": s.exact_rate, "stratified": _e(s.strat_rate),
                     "stratified CI": ci(s.strat_rate), "random": _e(s.srs_rate), "random CI": ci(s.srs_rate)})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    md = result.to_markdown().split("\n\n", 2)
    st.markdown(md[-1] if len(md) == 3 else result.to_markdown())
