"""What the user's function printed or logged on the executors (naughty_rows, branch_count)."""
import pandas as pd
import streamlit as st


def render_logs(logs) -> None:
    if not logs.lines and not logs.patterns:
        return
    with st.expander(f"What your function wrote on the executors — {logs.lines:,} line(s)", expanded=False):
        st.caption(logs.note)
        if logs.patterns:
            st.dataframe(pd.DataFrame([{"lines": p.count, "stream / logger": p.logger, "level": p.level,
                                        "message (numbers as <num>)": p.pattern, "first one": p.example}
                                       for p in logs.patterns]), hide_index=True)
