"""Result view for spend: resources, input size and suggestions."""
import streamlit as st


def render(result) -> None:
    {"under_provisioned": st.warning, "unknown": st.info}.get(result.outcome, st.success)(result.headline)
    cols = st.columns(4)
    cols[0].metric("Executors", result.executors or "?")
    cols[1].metric("Cores", result.cores)
    cols[2].metric("Input", "?" if result.input_bytes is None else f"{result.input_bytes / 2**30:.2f} GB")
    cols[3].metric("Input partitions", result.input_partitions)
    st.caption(f"Executor memory {result.executor_memory}, driver memory {result.driver_memory}, default "
               f"parallelism {result.default_parallelism}, shuffle partitions {result.shuffle_partitions}; input size "
               f"from {result.input_size_from}. Executors and cores from {result.resources_from}; input "
               f"partitions from {result.partitions_from} ({result.kind} Spark).")
    for tip in result.suggestions:
        st.markdown(f"- {tip}")
