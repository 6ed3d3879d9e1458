"""Result view for repartition: timings before/after, identical results, salting."""
import pandas as pd
import streamlit as st


def render(result) -> None:
    (st.success if result.outcome == "faster" else st.info)(result.headline)
    frame = pd.DataFrame([{"variant": v.name, "partitions": v.partitions, "seconds": round(v.seconds, 3),
                           "keys": v.keys} for v in result.variants])
    st.bar_chart(frame, x="variant", y="seconds", horizontal=True)
    st.dataframe(frame, hide_index=True)
    if result.note:
        st.info(result.note + ".")
    if result.identical:
        st.success("All three variants give identical results per key.")
    else:
        st.error(f"Results differ: {result.mismatch}")
    st.markdown(f"**Salting the largest key** `{result.top_key}` ({result.top_key_rows:,} rows, "
                f"{result.top_share:.1%}) into {result.salt_buckets} sub-keys:")
    st.bar_chart(pd.DataFrame({"salt": list(range(len(result.salted_counts))), "rows": list(result.salted_counts)}),
                 x="salt", y="rows")
    if result.shipped:
        st.caption(f"Your function: {result.shipped}.")
