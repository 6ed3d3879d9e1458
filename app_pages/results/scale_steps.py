"""Result view for scale_steps: time against rows on log-log axes, the fit, the flag."""
import pandas as pd
import streamlit as st


def growth_spec(result) -> dict:
    """A Vega-Lite spec: measured steps as points, the fitted power law as a line (log-log)."""
    points = [{"rows": s.rows, "seconds": round(s.seconds, 4), "series": "measured",
               "step": f"{s.fraction:.0%} ({s.status})"} for s in result.steps if s.rows > 0 and s.seconds > 0]
    line = []
    if result.exponent is not None and points:
        lo = min(p["rows"] for p in points)
        hi = max(result.full_rows, max(p["rows"] for p in points))
        coef = (result.predicted_full_s - result.overhead_s) / max(1, result.full_rows) ** result.exponent
        for k in range(21):
            r = lo * (hi / lo) ** (k / 20) if hi > lo else lo
            line.append({"rows": round(r, 1), "seconds": round(result.overhead_s + coef * r ** result.exponent, 4),
                         "series": f"fit: rows^{result.exponent:.2f}", "step": ""})
    scale = {"type": "log"}
    return {
        "title": "Time against rows (log-log)",
        "layer": [
            {"data": {"values": line}, "mark": {"type": "line", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "rows", "type": "quantitative", "scale": scale, "title": "rows"},
                          "y": {"field": "seconds", "type": "quantitative", "scale": scale, "title": "seconds"},
                          "color": {"field": "series", "type": "nominal"}}},
            {"data": {"values": points}, "mark": {"type": "point", "filled": True, "size": 90},
             "encoding": {"x": {"field": "rows", "type": "quantitative", "scale": scale},
                          "y": {"field": "seconds", "type": "quantitative", "scale": scale},
                          "color": {"field": "series", "type": "nominal"},
                          "tooltip": [{"field": "step"}, {"field": "rows"}, {"field": "seconds"}]}},
        ],
    }


def render(result) -> None:
    flag = {"superlinear": st.error, "scale_fail": st.error, "linear": st.success}[result.outcome]
    flag(result.headline)
    cols = st.columns(3)
    cols[0].metric("Growth exponent", "—" if result.exponent is None else f"{result.exponent:.2f}",
                   None if result.stderr is None else f"± {result.stderr:.2f}", delta_color="off")
    cols[1].metric("Flag above", f"{result.threshold:g}")
    cols[2].metric("Predicted, all rows", "—" if result.predicted_full_s is None else f"{result.predicted_full_s:.1f} s")
    st.vega_lite_chart(growth_spec(result), width="stretch")
    frame = pd.DataFrame([{
        "fraction": f"{s.fraction:.0%}", "rows": s.rows, "exact rows": s.rows_exact, "input bytes": s.input_bytes,
        "seconds": round(s.seconds, 3), "task seconds": None if s.work_s is None else round(s.work_s, 3), "runs": s.runs, "jobs": s.jobs, "tasks": s.tasks, "shuffle read": s.shuffle_read,
        "shuffle write": s.shuffle_write, "status": s.status, "in fit": s.in_fit, "error": s.error}
        for s in result.steps])
    st.dataframe(frame, hide_index=True)
    st.caption(f"Fractions taken by **{result.method}**: {result.method_note}. Fixed overhead per step "
               f"{result.overhead_s:.2f} s (taken off before the fit). Metrics from: {result.metrics_source}.")
    if result.plan_flags or result.exploding:
        st.markdown("**Plan operators that can mean all-pairs work**")
        for op, meaning in result.plan_flags:
            st.markdown(f"- `{op}`: {meaning}")
        for op, out, inp in result.exploding:
            st.markdown(f"- `{op}`: {out:,} rows out of {inp:,} in")
    if result.failure_fix:
        st.info(f"Fix: {result.failure_fix}")
