"""A History Server or a live driver UI, read through Spark's REST API (``/api/v1``).

Any of these URLs works: ``http://host:18080``, ``http://host:4040``, ``…/api/v1``,
``…/api/v1/applications/<id>[/<attempt>]`` and the UI's own ``…/history/<id>/…``.
Requests: the application list, then for one application (its last attempt)
the environment, jobs, executors (``allexecutors``), stages with their task
summaries (``withSummaries`` from Spark 3.4; older servers get one
``taskSummary`` request per stage), SQL executions with their plans, and the
failed tasks of each stage that had any.  The answers become the same model as
an event log (:mod:`.restmodel`), so the findings and the report are the same.
"""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from .errors import EventLogError, cancelled
from .model import ReadStats
from .thresholds import Thresholds

QUANTILES = "0.0,0.25,0.5,0.75,1.0"
TIMEOUT_S = 30
MAX_SUMMARY_REQUESTS = 500
MAX_FAILED_STAGES = 100
_HISTORY_PAGE = re.compile(r"/history/([^/]+)(?:/(\d+))?")
_UI_PAGES = {"api", "history", "jobs", "stages", "storage", "environment", "executors", "SQL", "sql", "streaming",
             "StreamingQuery", "connect"}
_API_APP = re.compile(r"/api/v1/applications/([^/]+)(?:/(\d+))?")


class Client:
    def __init__(self, url: str, cancel=None):
        self.base, self.app_id, self.attempt = parse_url(url)
        self.cancel = cancel
        self.requests = 0
        self.bytes = 0

    def get(self, path: str, params: dict | None = None, optional: bool = False):
        if self.cancel is not None and self.cancel.is_set():
            raise cancelled(f"reading {self.base}")
        url = f"{self.base}/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            if optional:
                return None
            raise EventLogError(f"Spark REST API {url}", expected="an answer (HTTP 200)",
                                found=f"HTTP {exc.code} {exc.reason}",
                                fix="check the application id, or that this server keeps that application",
                                condition="HISTORY_UNREACHABLE", params={"url": url, "status": exc.code}) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EventLogError(f"Spark REST API {url}", expected="a History Server or driver UI answering there",
                                found=str(reason), fix="check host and port (History Server 18080, driver UI 4040)",
                                condition="HISTORY_UNREACHABLE", params={"url": url, "status": None}) from None
        self.requests += 1
        self.bytes += len(body)
        try:
            return json.loads(body)
        except ValueError:
            raise EventLogError(f"Spark REST API {url}", expected="JSON", found=body[:80].decode(errors="replace"),
                                fix="point at the Spark UI or History Server, not another web page",
                                condition="HISTORY_UNREACHABLE", params={"url": url, "status": "not_json"}) from None


def parse_url(url: str) -> tuple[str, str | None, str | None]:
    """(base ``…/api/v1``, app id or None, attempt or None) from any UI or API URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EventLogError(f"URL {url!r}", expected="http(s)://host:port of a History Server or driver UI",
                            found=url, fix="e.g. http://127.0.0.1:18080", condition="HISTORY_UNREACHABLE",
                            params={"url": url, "status": "bad_url"})
    path = parts.path.rstrip("/")
    app = attempt = None
    m = _API_APP.search(path) or _HISTORY_PAGE.search(path)
    if m:
        app, attempt = urllib.parse.unquote(m.group(1)), m.group(2)
    segments = path.split("/")
    # a UI page (…/jobs/, …/history/…, …/api/v1) ends the prefix; a proxy's own prefix is kept
    cut = next((i for i, seg in enumerate(segments) if seg in _UI_PAGES), len(segments))
    prefix = "/".join(segments[:cut])
    return f"{parts.scheme}://{parts.netloc}{prefix}/api/v1", app, attempt


def pick_app(client: Client, app: str | None) -> dict:
    apps = client.get("applications") or []
    want = client.app_id or app
    if want:
        hits = [a for a in apps if a.get("id") == want] or [a for a in apps if a.get("name") == want]
        if not hits:
            found = client.get(f"applications/{urllib.parse.quote(want)}", optional=True)
            if found:
                return found
            raise EventLogError(f"application {want!r} at {client.base}", expected="an id or name it lists",
                                found=", ".join(f"{a.get('id')} ({a.get('name')})" for a in apps[:20]) or "none",
                                fix="use one of the ids listed", condition="APP_NOT_FOUND",
                                params={"app": want, "at": client.base})
        return hits[0]
    if len(apps) == 1:
        return apps[0]
    raise EventLogError(f"Spark REST API {client.base}", expected="one application, or an id or name to pick",
                        found=f"{len(apps)} applications: " + "; ".join(f"{a.get('id')} ({a.get('name')})"
                                                                         for a in apps[:20]),
                        fix="add --app ID (or put /history/<id> in the URL)", condition="APP_AMBIGUOUS",
                        params={"at": client.base, "apps": [a.get("id") for a in apps[:20]]})


def fetch(client: Client, app: dict, progress=None) -> dict:
    """Every answer the model needs, for the last attempt of ``app``."""
    attempts = app.get("attempts") or [{}]
    last = attempts[-1]
    attempt = client.attempt or last.get("attemptId")
    prefix = f"applications/{urllib.parse.quote(app['id'])}" + (f"/{attempt}" if attempt else "")
    steps = ["environment", "jobs", "allexecutors", "stages", "sql"]
    out: dict = {"app": app, "attempt": last}
    for i, name in enumerate(steps):
        if progress:
            progress(i / (len(steps) + 2), f"asking the server for {name}")
        if name == "stages":
            out[name] = client.get(f"{prefix}/stages", {"withSummaries": "true", "quantiles": QUANTILES}) or []
        elif name == "sql":
            out[name] = client.get(f"{prefix}/sql", {"details": "true", "planDescription": "true", "offset": 0,
                                                     "length": 100000}, optional=True) or []
        else:
            out[name] = client.get(f"{prefix}/{name}", optional=name != "jobs") or ([] if name != "environment"
                                                                                     else {})
    _summaries(client, prefix, out["stages"])
    if progress:
        progress(len(steps) / (len(steps) + 2), "asking for the failed tasks")
    out["failed_tasks"] = _failed_tasks(client, prefix, out["stages"])
    return out


def _summaries(client: Client, prefix: str, stages: list) -> None:
    missing = [s for s in stages if "taskMetricsDistributions" not in s and s.get("status") != "SKIPPED"
               and s.get("numCompleteTasks", 0) > 0]
    for s in missing[:MAX_SUMMARY_REQUESTS]:
        d = client.get(f"{prefix}/stages/{s['stageId']}/{s.get('attemptId', 0)}/taskSummary",
                       {"quantiles": QUANTILES}, optional=True)
        if d:
            s["taskMetricsDistributions"] = d


def _failed_tasks(client: Client, prefix: str, stages: list) -> dict:
    out = {}
    for s in [s for s in stages if s.get("numFailedTasks", 0) > 0][:MAX_FAILED_STAGES]:
        key = (s["stageId"], s.get("attemptId", 0))
        out[key] = client.get(f"{prefix}/stages/{key[0]}/{key[1]}/taskList",
                              {"status": "FAILED", "length": 200, "sortBy": "ID"}, optional=True) or []
    return out


def analyze_url(url: str, *, app=None, thresholds: Thresholds, progress=None, cancel=None):
    from .report import build
    from .restmodel import to_parts

    started = time.perf_counter()
    client = Client(url, cancel)
    chosen = pick_app(client, app)
    data = fetch(client, chosen, progress)
    parts = to_parts(data, thresholds.value("executor_loss", "benign_reasons"))
    read = ReadStats(source=f"{client.base} ({chosen.get('id')})", files=(), codec="REST",
                     bytes_read=client.bytes, lines=client.requests,
                     events=tuple((k, len(data.get(k) or ())) for k in ("jobs", "stages", "allexecutors", "sql")),
                     seconds=time.perf_counter() - started,
                     notes=("Read through the REST API: task-time sums are executor run time, per-task "
                            "distributions are the server's quantiles.",))
    if progress:
        progress(1.0, f"{client.requests} requests")
    return build(parts, read, thresholds)
