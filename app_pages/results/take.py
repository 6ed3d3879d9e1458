"""Result view for take: the rows as a table, then the schema."""
import pandas as pd
import streamlit as st

from dcs_engine.results import cell


def render(result) -> None:
    st.markdown(f"**{result.headline}** ({result.elapsed_s:.2f} s)")
    if result.rows:
        frame = pd.DataFrame([[cell(v, 200) for v in row] for row in result.rows],
                             columns=[f"{c}" for c in result.columns])
        st.dataframe(frame, hide_index=True)
    with st.expander("Schema", expanded=not result.rows):
        st.code(result.schema_tree, language="text")
