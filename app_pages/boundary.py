"""The app's one error boundary and the shared sidebar."""
from __future__ import annotations

import contextlib

import streamlit as st

from dcs_engine import evidence, service
from dcs_engine.errors import DcsError

from . import state


@contextlib.contextmanager
def guard():
    """Show DcsError messages plainly; triage anything else; keep the app alive."""
    try:
        yield
    except DcsError as exc:
        st.error(exc.message, icon="🚫")
    except Exception as exc:  # noqa: BLE001 - the boundary must survive anything
        report = service.triage_exception(exc)
        st.error(f"Unexpected failure: {report.headline}", icon="💥")
        if report.recovery:
            st.markdown("\n".join(f"- {r}" for r in report.recovery))
        state.log(evidence.error("-", "unexpected failure", report.headline))


def sidebar() -> None:
    state.init()
    book = state.runbook()
    with st.sidebar:
        st.caption(f"Runbook: **{book.title}**")
        owner = st.session_state.owner
        st.caption(f"Spark: {service.spark_state(owner)} · {service.current_settings(owner).shown_master}")
        entries = st.session_state.evidence
        titles = {n.id: n.title for n in book.nodes.values()}
        st.download_button("Download report (.md)", evidence.report(entries, book.title, state.walk().path, titles),
                           file_name="dcs-doctor-report.md", mime="text/markdown", key="sidebar_report",
                           disabled=not entries)
        st.caption(f"{len(entries)} evidence entr{'y' if len(entries) == 1 else 'ies'}")
