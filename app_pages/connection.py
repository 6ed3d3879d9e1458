"""Connection: where Spark runs.  The settings are the app's (one SparkSession per process)."""
import streamlit as st

from app_pages import state
from dcs_engine import service

state.init()
ss = st.session_state
cur = service.current_settings()
ss.setdefault("conn_form", {"master": cur.master, "app_name": cur.app_name,
                            "conf": "\n".join(f"{k}={v}" for k, v in cur.conf)})
form = ss.conn_form
for name in ("master", "app_name", "conf"):
    if f"conn_{name}" not in ss:
        ss[f"conn_{name}"] = form[name]

st.title("Connection")
st.markdown(
    "The app runs techniques on **one** SparkSession shared by all browser sessions. It starts lazily, "
    "the first time a technique needs it. `local[*]` (the default) embeds Spark in the app; the Python "
    "workers are pointed at the app's own interpreter. Use `spark://HOST:PORT`, `yarn` or `k8s://…` "
    "for a real cluster.")
st.text_input("Spark master URL", key="conn_master", placeholder="local[*]")
st.text_input("App name", key="conn_app_name")
st.text_area("Extra Spark conf (key=value per line)", key="conn_conf", height=120,
             placeholder="spark.executor.memory=512m\nspark.sql.shuffle.partitions=16")
form.update(master=ss.conn_master, app_name=ss.conn_app_name, conf=ss.conn_conf)

c1, c2 = st.columns(2)
if c1.button("Test connection", key="conn_test", type="primary"):
    settings = service.settings_from(form["master"], form["app_name"], form["conf"])
    with st.spinner(f"Connecting to {settings.master}…"):
        ss.conn_info = service.connect(settings)
if c2.button("Restart Spark", key="conn_restart", disabled=service.spark_state() == "not started"):
    with st.spinner("Restarting Spark…"):
        service.restart_spark()
        ss.conn_info = service.connect(service.current_settings())

info = ss.get("conn_info")
st.caption(f"Spark is {service.spark_state()}.")
if info is not None:
    st.success(f"Connected: Spark {info.spark_version} at {info.master}", icon="✅")
    st.table({"Spark version": [info.spark_version], "Master": [info.master], "App id": [info.app_id],
              "Default parallelism": [info.default_parallelism], "Executors": [len(info.executors)],
              "Python workers": [info.python_workers], "Spark UI": [info.ui_url or "off"]})
    if info.executors:
        st.caption("Executors: " + ", ".join(info.executors))
