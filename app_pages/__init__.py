"""Streamlit pages: layout and session state only -- no Spark code here."""
