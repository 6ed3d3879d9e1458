"""Connection: where this diagnosis' Spark runs.  The settings are the diagnosis' own (its worker process)."""
import time

import streamlit as st

from app_pages import state
from dcs_engine import service

state.init()
ss = st.session_state
owner = ss.owner
cur = service.current_settings(owner)
ss.setdefault("conn_form", {"master": cur.master, "app_name": cur.app_name,
                            "conf": "\n".join(f"{k}={v}" for k, v in cur.conf)})
form = ss.conn_form
for name in ("master", "app_name", "conf"):
    if f"conn_{name}" not in ss:
        ss[f"conn_{name}"] = form[name]

st.title("Connection")
st.markdown(
    "Each diagnosis runs in **its own worker process** with its own SparkSession and these settings: "
    "another browser session's master, conf or Restart never touches yours, and code you paste runs "
    "there, not in the app. Spark starts the first time a technique needs it and stays warm for the "
    "next runs. `local[*]` (the default) embeds Spark in the worker, with Python workers on the app's "
    "interpreter; use `spark://HOST:PORT`, `yarn` or `k8s://…` for a cluster, and `sc://HOST:PORT` for "
    "Spark Connect.")
st.text_input("Spark master URL", key="conn_master", placeholder="local[*]")
st.text_input("App name", key="conn_app_name")
st.text_area("Extra Spark conf (key=value per line)", key="conn_conf", height=120,
             placeholder="spark.executor.memory=512m\nspark.sql.shuffle.partitions=16")
form.update(master=ss.conn_master, app_name=ss.conn_app_name, conf=ss.conn_conf)

c1, c2 = st.columns(2)
if c1.button("Test connection", key="conn_test", type="primary"):
    settings = service.settings_from(form["master"], form["app_name"], form["conf"])
    with st.spinner(f"Connecting to {settings.shown_master} (a worker process and its Spark session start "
                    "if they are not running)…"):
        ss.conn_info = service.connect(owner, settings)
if c2.button("Restart Spark", key="conn_restart", disabled=service.spark_state(owner) == "not started"):
    with st.spinner("Restarting: a fresh worker process and Spark session for this diagnosis…"):
        ss.conn_info = service.restart_spark(owner)

info = ss.get("conn_info")
worker = service.worker_info(owner)
line = f"Spark is {service.spark_state(owner)}."
if worker:
    idle_for = time.time() - worker["last_used"]
    line += (f" Worker process {worker['pid'] or '(starting)'}; "
             f"{'busy' if worker['busy'] else f'idle for {idle_for:.0f} s'}; it ends after "
             f"{worker['idle_s']:.0f} s without work.")
st.caption(line)
if info is not None:
    st.success(f"Connected: Spark {info.spark_version} at {info.master}", icon="✅")
    st.table({"Spark version": [info.spark_version], "Master": [info.master], "App id": [info.app_id],
              "Default parallelism": [info.default_parallelism], "Executors": [len(info.executors)],
              "Python workers": [info.python_workers], "Spark UI": [info.ui_url or "off"]})
    if info.executors:
        st.caption("Executors: " + ", ".join(info.executors))
