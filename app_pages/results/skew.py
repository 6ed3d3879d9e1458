"""Result view for skew: top keys, partition sizes, task skew per stage."""
import pandas as pd
import streamlit as st


def render(result) -> None:
    (st.warning if result.outcome == "skewed" else st.success)(result.headline)
    st.dataframe(pd.DataFrame([{"key": k, "rows": n, "share": f"{s:.2%}"} for k, n, s in result.top_keys]),
                 hide_index=True)
    parts = pd.DataFrame({"partition": list(range(len(result.key_partitions))),
                          "rows after a shuffle on the key": list(result.key_partitions)})
    st.bar_chart(parts, x="partition", y="rows after a shuffle on the key")
    st.caption(f"Source partitions: {len(result.source_partitions)}, max {max(result.source_partitions, default=0):,} "
               f"rows. Largest key / median key: {result.key_ratio:.1f}x; largest / median partition by key: "
               f"{result.partition_ratio:.1f}x.")
    if result.stages:
        st.markdown(f"**Task skew** ({result.stage_scope})")
        st.dataframe(pd.DataFrame([s.__dict__ for s in result.stages]), hide_index=True)
    if result.stages_note:
        st.info(result.stages_note)
