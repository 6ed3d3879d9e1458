"""Runbook: what tree is loaded, load your own, and which techniques run in the app."""
import json

import streamlit as st

from app_pages import state
from dcs_engine import config, limits, service
from dcs_engine.errors import DcsError
from runbook import load_builtin, loads
from runbook.schema import json_schema

state.init()
book = state.runbook()
ss = st.session_state
st.title("Runbook")
if ss.get("runbook_error"):
    st.error(f"$DCS_RUNBOOK was refused, the built-in tree is loaded instead: {ss.runbook_error}", icon="🚫")
st.markdown(f"Loaded: **{book.title}** from `{book.source}` — {len(book.nodes)} nodes, "
            f"{len(book.symptoms)} symptoms.")

st.subheader("Use your team's runbook")
st.markdown("A YAML file in the runbook format replaces the built-in tree, or extends it with "
            "`extends: builtin` (its nodes are added, and nodes with a built-in id replace them). "
            "An invalid file is refused and the current tree stays loaded.")
up = st.file_uploader("Runbook YAML", type=["yaml", "yml"], key="rb_upload",
                      max_upload_size=max(1, -(-config.limits().runbook_kb // 1024)))
if up is not None and st.button("Load this runbook", key="rb_load", type="primary"):
    try:
        limits.check_upload_size(up.size, up.name)
        new = loads(up.getvalue().decode("utf-8", errors="replace"), up.name, base=load_builtin())
    except DcsError as exc:
        ss.rb_message = ("error", exc.message)
    else:
        state.set_runbook(new)
        ss.rb_message = ("ok", f"Loaded {new.title} ({len(new.nodes)} nodes).")
    st.rerun()
if st.button("Back to the built-in runbook", key="rb_builtin"):
    state.set_runbook(load_builtin())
    ss.rb_message = ("ok", "Built-in runbook loaded.")
    st.rerun()
kind, msg = ss.get("rb_message", (None, None))
if kind == "error":
    st.error(msg, icon="🚫")
elif kind == "ok":
    st.success(msg, icon="✅")
st.download_button("JSON Schema of the format", json.dumps(json_schema(), indent=2),
                   file_name="runbook.schema.json", mime="application/json", key="rb_schema")

st.subheader("Techniques")
rows = [{"id": t.id, "title": t.title, "runs in the app": "yes" if t.runnable else "snippet only",
         "outcomes": ", ".join(t.outcomes)} for t in service.techniques().values()]
st.dataframe(rows, hide_index=True)
