"""Result view for scale_steps: each step's work against its rows on log-log axes, the fit, the flag,
how the work was measured, and where the Python UDF time goes."""
import pandas as pd
import streamlit as st


def growth_spec(result) -> dict:
    """A Vega-Lite spec: each step's measured work as a point, the fitted power law as a line (log-log)."""
    label = result.work_label
    points = [{"rows": s.rows, "seconds": round(s.work_s if s.work_s is not None else s.seconds, 4),
               "series": "measured", "step": f"{s.fraction:.0%} ({s.status})"}
              for s in result.steps if s.rows > 0 and (s.work_s or s.seconds) > 0]
    line = []
    if result.exponent is not None and points and result.predicted_work(1) is not None:
        lo = min(p["rows"] for p in points)
        hi = max(result.full_rows, max(p["rows"] for p in points))
        for k in range(21):
            r = lo * (hi / lo) ** (k / 20) if hi > lo else lo
            line.append({"rows": round(r, 1), "seconds": round(result.predicted_work(r), 4),
                         "series": f"fit: rows^{result.exponent:.2f}", "step": ""})
    scale = {"type": "log"}
    y_title = f"{label} (s)"
    return {
        "title": f"{label[:1].upper()}{label[1:]} against rows (log-log)",
        "layer": [
            {"data": {"values": line}, "mark": {"type": "line", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "rows", "type": "quantitative", "scale": scale, "title": "rows"},
                          "y": {"field": "seconds", "type": "quantitative", "scale": scale, "title": y_title},
                          "color": {"field": "series", "type": "nominal"}}},
            {"data": {"values": points}, "mark": {"type": "point", "filled": True, "size": 90},
             "encoding": {"x": {"field": "rows", "type": "quantitative", "scale": scale},
                          "y": {"field": "seconds", "type": "quantitative", "scale": scale},
                          "color": {"field": "series", "type": "nominal"},
                          "tooltip": [{"field": "step"}, {"field": "rows"}, {"field": "seconds"}]}},
        ],
    }


def _steps_frame(result) -> pd.DataFrame:
    def r3(v):
        return None if v is None else round(v, 3)

    return pd.DataFrame([{
        "fraction": f"{s.fraction:.0%}", "rows": s.rows, "exact rows": s.rows_exact, "input bytes": s.input_bytes,
        "seconds": round(s.seconds, 3), "work s": r3(s.work_s), "JVM CPU s": r3(s.cpu_jvm_s),
        "Python CPU s": r3(s.cpu_python_s), "task run s": r3(s.run_time_s), "runs": s.runs, "jobs": s.jobs,
        "tasks": s.tasks, "shuffle read": s.shuffle_read, "shuffle write": s.shuffle_write, "status": s.status,
        "in fit": s.in_fit, "error": s.error} for s in result.steps])


def _profile(profile) -> None:
    st.markdown(f"**Where the Python time goes** ({profile.mode} profiler, {profile.step})")
    st.caption(profile.note)
    if profile.lines:
        st.dataframe(pd.DataFrame([{"function": p.function, "where": p.where, "calls": p.calls,
                                    "own s": round(p.own_s, 4), "total s": round(p.total_s, 4),
                                    "your code": p.user_code} for p in profile.lines]), hide_index=True)
    if profile.text:
        st.code(profile.text, language="text")


def render(result) -> None:
    flag = {"superlinear": st.error, "scale_fail": st.error, "linear": st.success}[result.outcome]
    flag(result.headline)
    cols = st.columns(3)
    cols[0].metric("Growth exponent", "—" if result.exponent is None else f"{result.exponent:.2f}",
                   None if result.stderr is None else f"± {result.stderr:.2f}", delta_color="off")
    cols[1].metric("Flag above", f"{result.threshold:g}")
    predicted = result.predicted_full_s
    cols[2].metric("Predicted, all rows", "—" if predicted is None else f"{predicted:.1f} s")
    st.vega_lite_chart(growth_spec(result), width="stretch")
    st.dataframe(_steps_frame(result), hide_index=True)
    st.caption(f"Work measured as **{result.work_label}**: {result.work_note}. Fractions taken by "
               f"**{result.method}**: {result.method_note}. Fixed overhead per step {result.overhead_s:.2f} s "
               f"(taken off before the fit). Metrics from: {result.metrics_source} ({result.kind} Spark).")
    if result.plan_flags or result.exploding:
        st.markdown("**Plan operators that can mean all-pairs work**")
        for op, meaning in result.plan_flags:
            st.markdown(f"- `{op}`: {meaning}")
        for op, out, inp in result.exploding:
            st.markdown(f"- `{op}`: {out:,} rows out of {inp:,} in")
    if result.udf_profile is not None:
        _profile(result.udf_profile)
    if result.failure_fix:
        st.info(f"Fix: {result.failure_fix}")
