"""Production evidence: a finished or failed application's event log or History Server, and two runs compared."""
import streamlit as st

from app_pages import state
from app_pages.results import eventlog as view
from dcs_engine import evidence, service
from dcs_engine.errors import DcsError, JobCancelled
from runbook.walk import route_to

state.init()
ss = st.session_state
st.title("Production evidence")
st.markdown("Start from what the application recorded: its event log (a file, a rolled `eventlog_v2_*` folder, "
            "a folder of many applications, a zip; plain or zstd/lz4/snappy/lzf) or a History Server / driver UI "
            "URL. Every finding opens the runbook at its node with the technique's parameters filled in.")


def _keep(key: str, default=""):
    """Widget values survive page changes: copy them into our own keys."""
    saved = f"{key}_saved"
    ss.setdefault(saved, default)
    if key not in ss:
        ss[key] = ss[saved]
    return saved


def _technique_node(book, node_id: str, technique: str | None) -> str:
    """Where the prefilled parameters go: the node itself, or its child that runs ``technique``."""
    node = book.nodes[node_id]
    if node.kind == "technique" or not technique:
        return node_id
    return next((e.to for e in node.edges if book.nodes[e.to].technique == technique), node_id)


def open_in_runbook(node_id: str, params: dict, label: str, technique: str | None = None) -> None:
    book = state.runbook()
    target = route_to(book, node_id)
    if target is None:
        st.error(f"Node `{node_id}` is not in the loaded runbook.")
        return
    if params:
        where = _technique_node(book, node_id, technique)
        state.form(where).update(params)
        for k in [k for k in ss if isinstance(k, str) and k.startswith(f"p_{where}_")]:
            del ss[k]   # widgets take the prefilled values on their next draw
    state.set_walk(target, label)
    st.switch_page("app_pages/diagnose.py")


def progress_loop(run, what: str) -> None:
    bar = st.progress(0.0, text="starting…")
    while not run.wait(0.3):
        bar.progress(min(run.fraction, 0.99), text=f"{what}: {run.text} · {run.elapsed:.1f} s")
    st.rerun()


def show_error(run) -> None:
    err = run.error
    if isinstance(err, JobCancelled):
        st.warning(err.message, icon="⏹️")
    elif isinstance(err, DcsError):
        st.error(err.message, icon="🚫")
    else:
        st.error(f"{err.__class__.__name__}: {err}", icon="💥")


def log_once(run, node_id: str, title: str) -> None:
    if run.id in ss.logged_runs:
        return
    ss.logged_runs.add(run.id)
    if run.error is not None:
        msg = run.error.message if isinstance(run.error, DcsError) else str(run.error)
        state.log(evidence.error(node_id, f"{title} failed", msg, elapsed_s=run.elapsed))
        return
    r = run.result
    state.log(evidence.Entry("run", node_id, title, r.headline, {"source": run.label}, r.to_markdown(),
                             r.outcome, run.elapsed))


def source_inputs(prefix: str, label: str) -> tuple[str, str]:
    saved_t = _keep(f"{prefix}_target")
    saved_a = _keep(f"{prefix}_app")
    c1, c2 = st.columns([3, 1])
    c1.text_input(label, key=f"{prefix}_target", placeholder="/data/spark-events/eventlog_v2_app-… or "
                                                                "http://127.0.0.1:18080")
    c2.text_input("Application (id or name)", key=f"{prefix}_app", help="Needed when the folder or server "
                                                                         "holds several applications.")
    ss[saved_t], ss[saved_a] = ss[f"{prefix}_target"], ss[f"{prefix}_app"]
    return ss[f"{prefix}_target"].strip(), ss[f"{prefix}_app"].strip()


def one_run() -> None:
    target, app = source_inputs("eventlog", "Event log path or URL")
    up = st.file_uploader("…or upload the log (several files for a rolled log, or a zip)",
                          accept_multiple_files=True, key="eventlog_upload")
    run = service.get_eventlog_run(ss.get("eventlog_run_id"))
    cols = st.columns([1, 1, 1, 3])
    if cols[0].button("Read", key="eventlog_go", type="primary", disabled=bool(run and not run.done)):
        if up:
            target = service.save_eventlog_upload([(f.name, f.getvalue()) for f in up])
        if not target:
            st.error("Give a path or URL, or upload a file.")
            return
        run = service.start_eventlog(ss.owner, target, app)
        ss.eventlog_run_id = run.id
    if cols[1].button("List applications", key="eventlog_list", disabled=not target or target.startswith("http")):
        try:
            ss.eventlog_apps = [(e.app_id, e.name) for e in service.eventlog_apps(target)]
        except DcsError as exc:
            st.error(exc.message)
    if cols[2].button("Cancel", key="eventlog_cancel", disabled=not (run and not run.done)) and run:
        run.cancel()
    if ss.get("eventlog_apps"):
        st.caption("Applications found: " + "; ".join(f"`{i}` ({n})" for i, n in ss.eventlog_apps))
    if run is None:
        return
    if not run.done:
        progress_loop(run, "reading")
    log_once(run, "eventlog", f"read {run.label}")
    if run.error is not None:
        show_error(run)
        return
    view.render(run.result, on_open=open_in_runbook)
    served(run.result)


def served(report) -> None:
    """Streaming query runs and Spark Connect client sessions, when the application had them."""
    if getattr(report, "streams", ()):
        st.subheader("Streaming queries")
        st.dataframe([{"query": q.name, "run": q.run_id[:8], "ended": q.status, "batches": q.batches,
                       "input rows": q.input_rows, "longest batch s": round(q.batch_s_max, 2),
                       "cut by stop": q.interrupted_batches, "exception": (q.exception or "")[:200]}
                      for q in report.streams], hide_index=True)
    if getattr(report, "sessions", ()):
        st.subheader("Spark Connect sessions")
        st.dataframe([{"session": s.session_id[:8], "user": s.user, "operations": s.operations, "failed": s.failed,
                       "cancelled": s.cancelled, "first error": (s.first_error or "")[:200]}
                      for s in report.sessions], hide_index=True)


def two_runs() -> None:
    a, app_a = source_inputs("cmp_a", "Run A (the good one): path or URL")
    b, app_b = source_inputs("cmp_b", "Run B (the slow one): path or URL")
    run = service.get_eventlog_run(ss.get("compare_run_id"))
    cols = st.columns([1, 1, 4])
    if cols[0].button("Compare", key="compare_go", type="primary", disabled=bool(run and not run.done)):
        if not (a and b):
            st.error("Give both runs.")
            return
        run = service.start_compare(ss.owner, a, b, app_a, app_b)
        ss.compare_run_id = run.id
    if cols[1].button("Cancel", key="compare_cancel", disabled=not (run and not run.done)) and run:
        run.cancel()
    if run is None:
        return
    if not run.done:
        progress_loop(run, "comparing")
    log_once(run, "compare", f"{run.label}")
    if run.error is not None:
        show_error(run)
        return
    view.render_compare(run.result)
    if run.result.node_id and st.button("Open in the runbook", key="compare_open"):
        open_in_runbook(run.result.node_id, {}, "comparison: a stage grew faster than its input")


tab1, tab2 = st.tabs(["One application", "Compare two runs"])
with tab1:
    one_run()
with tab2:
    two_runs()
