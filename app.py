"""dcs-doctor: a router with one error boundary.  Pages live in app_pages/."""
import streamlit as st

from app_pages import boundary, login

st.set_page_config(page_title="dcs-doctor", page_icon="🩺", layout="wide")
login.gate()  # refuses an exposed server without a login; stops the run until the user is signed in

PAGES = [
    st.Page("app_pages/diagnose.py", title="Diagnose", icon="🧭", default=True, url_path="diagnose"),
    st.Page("app_pages/triage.py", title="Triage", icon="🧯", url_path="triage"),
    st.Page("app_pages/eventlog.py", title="Production evidence", icon="📜", url_path="eventlog"),
    st.Page("app_pages/evidence.py", title="Evidence", icon="🗂️", url_path="evidence"),
    st.Page("app_pages/runbook.py", title="Runbook", icon="📒", url_path="runbook"),
    st.Page("app_pages/connection.py", title="Connection", icon="🔌", url_path="connection"),
    st.Page("app_pages/lessons.py", title="Lessons", icon="🎓", url_path="lessons"),
]

page = st.navigation(PAGES)
boundary.sidebar()
with boundary.guard():
    page.run()
