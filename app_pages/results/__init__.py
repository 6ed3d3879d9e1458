"""Result views: ``app_pages/results/<technique_id>.py`` with ``render(result)``.

A technique without its own view is shown through its ``to_markdown()``.
"""
from __future__ import annotations

import importlib

import streamlit as st


def render(technique_id: str, result) -> None:
    try:
        module = importlib.import_module(f"{__name__}.{technique_id}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{technique_id}":
            raise
        module = None
    if module is not None and hasattr(module, "render"):
        module.render(result)
    else:
        st.markdown(result.to_markdown() if hasattr(result, "to_markdown") else str(result))
