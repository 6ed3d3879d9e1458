"""bench/load.py: a load test of one shared server (issue 16) -- not a timed test.

Starts ``streamlit run app.py`` on a free loopback port, then drives ``--sessions`` browser sessions
at once (Playwright + Debian's /usr/bin/chromium, one browser context each).  Each session walks a
short diagnosis -- symptom "crash" -> "look at the data first" -> the take technique -- then runs
take again and again (a different number of rows each time, so every result is told apart) until
``--minutes`` are over (counted from its first result) or it has done ``--runs`` runs.  Every
session is a diagnosis with a worker process of its own (a JVM each), so the server needs
DCS_MAX_WORKERS >= sessions (set here).

Prints runs completed, errors (must be 0: a run that shows an error or no result within
``--timeout`` seconds), p50/p95 seconds per run (click to result; a session's first run includes its
worker and Spark start and is reported apart), the server's RSS at start and end and its workers'
RSS, and as its last line ``ratio: <server RSS at the end / once every session had run once>`` (the
pages' modules load on the first runs; what grows after that is what runs leave behind).

    python bench/load.py                      # 10 sessions, 3 minutes
    python bench/load.py --sessions 2 --runs 1  # the tiny version the suite runs
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    import psutil

    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.NoSuchProcess:
        return 0.0


def workers_rss_mb(server_pid: int) -> tuple[int, float, float]:
    """(workers, their Python RSS, their JVMs' RSS) under the server."""
    import psutil

    workers = [c for c in psutil.Process(server_pid).children() if "dcs_engine.runtime.worker" in " ".join(c.cmdline())]
    py = sum(rss_mb(w.pid) for w in workers)
    jvm = sum(rss_mb(c.pid) for w in workers for c in w.children(recursive=True) if "java" in c.name())
    return len(workers), py, jvm


def start_server(sessions: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1",
           "DCS_MAX_WORKERS": str(sessions + 2)}
    env.pop("DCS_RUNBOOK", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)


async def settle(page) -> None:
    await page.wait_for_timeout(300)
    await page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=300_000)


async def click(page, key: str) -> None:
    await settle(page)
    await page.locator(f".st-key-{key} button").first.click()


async def session(browser, url: str, k: int, args, stats: dict, server_pid: int) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(300_000)  # ten JVMs starting at once starve a 2-core machine for minutes
    try:
        await page.goto(url)
        await click(page, "sym_crash")
        await click(page, "edge_5")               # "I want to look at the data first": take
        await page.wait_for_url(re.compile(r"node=t_take"))
        deadline = float("inf")  # the minutes count from the session's first result (its worker is warm)
        i = 0
        while i < args.runs and time.time() < deadline:
            i += 1
            if i == 2:
                deadline = time.time() + args.minutes * 60
            rows = 200 + k * 1000 + i              # tells this run's result apart from the last one
            box = page.locator(".st-key-p_t_take_source_rows input")
            await box.fill(str(rows))
            await box.press("Enter")
            await click(page, "run")
            t0 = time.perf_counter()
            done = page.get_by_text(re.compile(rf"First 10 row\(s\) of demo dataset 'telemetry' \({rows:,} rows"))
            failed = page.locator('[data-testid="stAlertContentError"], [data-testid="stException"]')
            try:
                await done.or_(failed).first.wait_for(timeout=args.timeout * 1000)
            except Exception as exc:  # no result in time
                stats["errors"].append(f"session {k} run {i}: {exc.__class__.__name__}")
                continue
            if await failed.count():
                stats["errors"].append(f"session {k} run {i}: {(await failed.first.inner_text())[:200]}")
                continue
            (stats["first"] if i == 1 else stats["later"]).append(time.perf_counter() - t0)
            if i == 1 and len(stats["first"]) == args.sessions:  # every session is warm: the server's baseline
                stats["rss_warm"] = rss_mb(server_pid)
    except Exception as exc:  # the walk itself failed under load
        stats["errors"].append(f"session {k}: {exc.__class__.__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def drive(url: str, args, server_pid: int) -> dict:
    from playwright.async_api import async_playwright

    stats = {"first": [], "later": [], "errors": [], "rss_warm": None}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(session(browser, url, k, args, stats, server_pid) for k in range(args.sessions)))
        finally:
            await browser.close()
    return stats


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=10**6, help="at most this many runs per session")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a run may take before it counts as an error")
    args = ap.parse_args()
    log = Path(tempfile.mkdtemp(prefix="dcs-load-")) / "server.log"
    proc, url = start_server(args.sessions, log)
    try:
        rss_start = rss_mb(proc.pid)
        t0 = time.time()
        stats = asyncio.run(drive(url, args, proc.pid))
        wall = time.time() - t0
        rss_end = rss_mb(proc.pid)
        n_workers, py_mb, jvm_mb = workers_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    runs = stats["first"] + stats["later"]
    print(f"sessions: {args.sessions}, wall time {wall:.0f} s")
    print(f"runs completed: {len(runs)}")
    print(f"errors: {len(stats['errors'])}")
    for e in stats["errors"][:10]:
        print(f"  {e}")
    print(f"first run per session (worker + Spark start included): p50 {pct(stats['first'], 50):.1f} s, "
          f"p95 {pct(stats['first'], 95):.1f} s")
    print(f"time per run: p50 {pct(runs, 50):.2f} s, p95 {pct(runs, 95):.2f} s; warm runs only: "
          f"p50 {pct(stats['later'], 50):.2f} s, p95 {pct(stats['later'], 95):.2f} s")
    warm = stats["rss_warm"] or rss_start
    print(f"server RSS: start {rss_start:.0f} MB, once every session ran {warm:.0f} MB, end {rss_end:.0f} MB; "
          f"{n_workers} worker(s): {py_mb:.0f} MB Python + {jvm_mb:.0f} MB JVM")
    print(f"ratio: {rss_end / warm:.2f}  (server RSS at the end / once every session had run)")
    sys.exit(1 if stats["errors"] or not runs else 0)


if __name__ == "__main__":
    main()
