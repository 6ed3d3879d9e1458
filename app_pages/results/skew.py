"""Result view for skew: the largest and the rarest keys, rows per key on a log scale, partition sizes,
task skew of this check's own stages (or why it is unknown)."""
import pandas as pd
import streamlit as st


def histogram_spec(result) -> dict:
    """A Vega-Lite bar chart: how many keys have 1, 2-3, 4-7, ... rows, with a log scale for the keys."""
    values = [{"rows per key": f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}", "order": i, "keys": keys, "rows": rows}
              for i, (lo, hi, keys, rows) in enumerate(result.histogram)]
    order = [v["rows per key"] for v in values]
    return {
        "title": f"Rows per {'/'.join(result.keys)} (log scale)",
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "rows per key", "type": "ordinal", "sort": order, "title": "rows per key"},
            "y": {"field": "keys", "type": "quantitative", "scale": {"type": "log"}, "title": "keys"},
            "tooltip": [{"field": "rows per key"}, {"field": "keys"}, {"field": "rows"}],
        },
    }


def _keys_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([{"key": k, "rows": n, "share": f"{s:.2%}"} for k, n, s in rows])


def render(result) -> None:
    # unknown (task metrics unread) is no all-clear: never shown as a success
    {"skewed": st.warning, "unknown": st.info}.get(result.outcome, st.success)(result.headline)
    left, right = st.columns(2)
    left.markdown("**Largest keys**")
    left.dataframe(_keys_frame(result.top_keys), hide_index=True)
    right.markdown(f"**Rarest keys** (a sample loses them first; {result.single_row_keys:,} keys have one row)")
    right.dataframe(_keys_frame(result.bottom_keys), hide_index=True)
    if result.histogram:
        st.vega_lite_chart(histogram_spec(result), width="stretch")
    parts = pd.DataFrame({"partition": list(range(len(result.key_partitions))),
                          "rows after a shuffle on the key": list(result.key_partitions)})
    st.bar_chart(parts, x="partition", y="rows after a shuffle on the key")
    st.caption(f"Source partitions: {len(result.source_partitions)} ({result.partitions_counted}), max "
               f"{max(result.source_partitions, default=0):,} rows. Largest key / median key: {result.key_ratio:.1f}x; "
               f"largest / median partition by key: {result.partition_ratio:.1f}x.")
    if result.stages:
        st.markdown(f"**Task skew** ({result.stage_scope})")
        st.dataframe(pd.DataFrame([s.__dict__ for s in result.stages]), hide_index=True)
    if result.task_check:
        st.warning(f"Task skew unknown: {result.task_check}.")
    if result.stages_note:
        st.info(result.stages_note)
