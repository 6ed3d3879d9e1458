"""Result view for divide_conquer: the verdict and counterexamples."""
import pandas as pd
import streamlit as st


def render(result) -> None:
    (st.success if result.outcome == "associative" else st.warning)(result.headline)
    if result.counterexamples:
        st.dataframe(pd.DataFrame([{"law": c.law, "values": ", ".join(map(repr, c.values)),
                                    "one way": repr(c.left), "other way": repr(c.right)}
                                   for c in result.counterexamples]), hide_index=True)
    st.caption(f"{result.trials} random triples from {result.values_used:,} values of {result.column}; "
               f"float tolerance {result.rel_tol:g}.")
