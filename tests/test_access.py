"""Nobody in who should not be: a login off loopback, roles, and a viewer refused a run."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from dcs_engine import access, service
from dcs_engine.config import load as load_config
from dcs_engine.errors import AccessDenied, LoginRequired
from tests.cluster_fixture import free_port

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
OPERATOR = access.User("ops@example.com", "operator", "oidc")
VIEWER = access.User("dev@example.com", "viewer", "oidc")


# --- the engine's rules ----------------------------------------------------------------------

@pytest.mark.parametrize("host, loop", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
                                        ("0.0.0.0", False), ("", False), ("::", False), ("10.1.2.3", False),
                                        ("doctor.example.com", False)])
def test_loopback(host, loop):
    assert access.is_loopback(host) is loop


def test_exposure_reads_the_bind_and_the_public_address():
    assert access.exposure("127.0.0.1", "localhost") is None
    assert access.exposure("0.0.0.0", "localhost") == "0.0.0.0"
    assert access.exposure("127.0.0.1", "doctor.example.com") == "doctor.example.com"  # behind a proxy
    assert access.exposure(None, "localhost") == "all interfaces (server.address unset)"


def test_refused_without_a_login_off_loopback():
    cfg = load_config(env={})
    with pytest.raises(LoginRequired) as err:
        access.check_serving("0.0.0.0", cfg.auth, oidc=False)
    msg = err.value.message
    assert err.value.condition == "LOGIN_REQUIRED" and err.value.params["address"] == "0.0.0.0"
    assert "DCS_SHARED_SECRET" in msg and "[auth]" in msg and "127.0.0.1" in msg
    access.check_serving(None, cfg.auth, oidc=False)  # loopback: fine
    access.check_serving("0.0.0.0", load_config(env={"DCS_SHARED_SECRET": "x" * 20}).auth, oidc=False)
    access.check_serving("0.0.0.0", cfg.auth, oidc=True)


def test_require_login_on_loopback():
    forced = load_config(env={"DCS_REQUIRE_LOGIN": "1"}).auth
    with pytest.raises(LoginRequired):
        access.check_serving(None, forced, oidc=False)
    assert access.login_required(None, forced, oidc=False)
    assert not access.login_required(None, load_config(env={}).auth, oidc=False)


def test_short_shared_secret_refused():
    with pytest.raises(Exception) as err:
        load_config(env={"DCS_SHARED_SECRET": "abc"})
    assert getattr(err.value, "condition", "") == "CONFIG_INVALID"


def test_roles():
    access.authorize(VIEWER, "walk")
    access.authorize(VIEWER, "read")
    access.authorize(VIEWER, "triage")
    with pytest.raises(AccessDenied) as err:
        access.authorize(VIEWER, "run")
    assert err.value.condition == "ACCESS_DENIED"
    assert dict(err.value.params) == {"user": "dev@example.com", "role": "viewer", "action": "run"}
    assert "operator" in err.value.message
    access.authorize(OPERATOR, "run")
    with pytest.raises(ValueError):
        access.authorize(OPERATOR, "fly")


def test_role_from_configuration():
    auth = load_config(env={"DCS_OPERATORS": "Ops@Example.com, @sre.example.com"}).auth
    assert access.role_for_email("ops@example.com", auth) == "operator"
    assert access.role_for_email("anyone@sre.example.com", auth) == "operator"
    assert access.role_for_email("dev@example.com", auth) == "viewer"
    assert access.role_for_email("x@evil-sre.example.com", auth) == "viewer"


def test_actions_of_techniques():
    from dcs_engine import registry

    assert access.action_for(registry.get("triage")) == "triage"
    assert access.action_for(registry.get("take")) == "run"
    assert access.action_for(registry.get("naughty_rows")) == "run"


def test_viewer_refused_a_run_at_the_engine_door():
    with pytest.raises(AccessDenied):
        service.start_run_as(VIEWER, "owner-v", "take", {"n": 3})
    handle = service.start_run_as(VIEWER, "owner-v", "triage", {"text": "ValueError: boom"})
    handle.wait()
    assert handle.error is None


# --- the app --------------------------------------------------------------------------------

@contextlib.contextmanager
def served_at(address: str | None = None, public: str | None = None):
    """Pretend Streamlit was started with these addresses (AppTest runs in this process)."""
    old = st_config.get_option("server.address"), st_config.get_option("browser.serverAddress")
    try:
        if address is not None:
            st_config.set_option("server.address", address)
        if public is not None:
            st_config.set_option("browser.serverAddress", public)
        yield
    finally:
        st_config.set_option("server.address", old[0])
        st_config.set_option("browser.serverAddress", old[1])


def app(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    if user is not None:
        at.user = user
    return at


def texts(at) -> str:
    return " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.info, *at.warning, *at.caption])


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DCS_DATA_DIR", str(tmp_path))
    for var in ("DCS_SHARED_SECRET", "DCS_SHARED_SECRET_ROLE", "DCS_OPERATORS", "DCS_REQUIRE_LOGIN"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_loopback_needs_no_login(data_dir):
    with served_at("127.0.0.1", "localhost"):
        at = app().run()
    assert not at.exception
    assert at.session_state["user"].role == "operator" and at.session_state["user"].via == "loopback"
    assert at.title[0].value == "Diagnose"


def test_off_loopback_without_login_is_refused(data_dir):
    with served_at("0.0.0.0"):
        at = app().run()
    assert not at.exception
    assert not at.title or at.title[0].value != "Diagnose"
    assert "refuses to serve" in texts(at) and "DCS_SHARED_SECRET" in texts(at)
    assert not at.get("graphviz_chart")


def test_shared_secret_login(data_dir):
    with served_at("0.0.0.0"):
        at = app(secrets={"dcs": {"shared_secret": "correct horse battery staple"}}).run()
        assert not at.get("graphviz_chart") and at.text_input(key="login_secret")
        at.text_input(key="login_secret").input("wrong wrong wrong wrong")
        at.text_input(key="login_name").input("alice")
        at.button(key="login_go").click().run()
        assert "did not match" in texts(at) and not at.get("graphviz_chart")
        at.text_input(key="login_secret").input("correct horse battery staple")
        at.button(key="login_go").click().run()
        assert not at.exception
        assert at.session_state["user"] == access.User("alice", "operator", "shared secret")
        assert at.get("graphviz_chart")


def walk_to_take(at) -> None:
    from runbook import load_builtin
    from runbook.walk import route_to

    book = load_builtin()
    path = route_to(book, "t_take").path
    at.button(key=f"sym_{path[0]}").click().run()
    for a, b in zip(path, path[1:]):
        j = next(i for i, e in enumerate(book.nodes[a].edges) if e.to == b)
        at.button(key=f"edge_{j}").click().run()


def test_viewer_walks_but_cannot_run(data_dir, monkeypatch):
    monkeypatch.setenv("DCS_SHARED_SECRET_ROLE", "viewer")
    with served_at("0.0.0.0"):
        at = app(secrets={"dcs": {"shared_secret": "correct horse battery staple"}}).run()
        at.text_input(key="login_secret").input("correct horse battery staple")
        at.text_input(key="login_name").input("dev")
        at.button(key="login_go").click().run()
        walk_to_take(at)
        assert not at.exception
        assert at.session_state["walk"].current == "t_take"
        assert at.button(key="run").disabled
        assert "operator" in texts(at)
        at.switch_page("app_pages/triage.py").run()  # a viewer may triage
        at.text_area(key="triage_text").input("ValueError: could not convert string to float: 'abc'")
        at.button(key="triage_go").click().run()
        assert not at.exception and at.session_state["triage_result"] is not None


def test_oidc_login_screen_and_roles(data_dir, monkeypatch):
    monkeypatch.setenv("DCS_OPERATORS", "ops@example.com")
    oidc = {"auth": {"redirect_uri": "https://doctor.example.com/oauth2callback", "cookie_secret": "s" * 32,
                     "client_id": "id", "client_secret": "cs",
                     "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration"}}
    with served_at("0.0.0.0"):
        out = app(secrets=oidc, user={"is_logged_in": False}).run()
        assert out.button(key="login_oidc") and not out.get("graphviz_chart")
        ops = app(secrets=oidc, user={"is_logged_in": True, "email": "ops@example.com"}).run()
        assert ops.session_state["user"] == access.User("ops@example.com", "operator", "oidc")
        dev = app(secrets=oidc, user={"is_logged_in": True, "email": "dev@example.com"}).run()
        assert dev.session_state["user"].role == "viewer"
        walk_to_take(dev)
        assert dev.button(key="run").disabled


# --- `streamlit run` refuses to start --------------------------------------------------------

def _start(extra_env: dict, public: str, *extra: str):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCS_SHARED")}
    env.update(extra_env)
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.serverAddress", public,
           "--browser.gatherUsageStats", "false", *extra]
    return port, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _health(port: int) -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


@pytest.mark.slow
def test_streamlit_run_refuses_to_start_off_loopback_without_login(tmp_path):
    """Binds 127.0.0.1 only; the public address it is told it is served at is not loopback."""
    port, proc = _start({"DCS_DATA_DIR": str(tmp_path)}, "doctor.example.com")
    try:
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, out[-3000:]
    assert "dcs-doctor refuses to serve doctor.example.com without a login" in out
    assert not _health(port)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["env", "secrets.toml"])
def test_streamlit_run_starts_off_loopback_with_a_shared_secret(tmp_path, where):
    env, extra = {"DCS_DATA_DIR": str(tmp_path)}, ()
    if where == "env":
        env["DCS_SHARED_SECRET"] = "correct horse battery staple"
    else:
        (tmp_path / "secrets.toml").write_text('[dcs]\nshared_secret = "correct horse battery staple"\n')
        extra = ("--secrets.files", str(tmp_path / "secrets.toml"))
    port, proc = _start(env, "doctor.example.com", *extra)
    try:
        deadline = time.monotonic() + 120
        while not _health(port):
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_image_serves_through_the_login_check():
    """The Dockerfile's server listens on 0.0.0.0, so it must start through serve.py (which refuses without a login)."""
    text = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in text.splitlines() if line.startswith("CMD"))
    assert '"serve.py"' in cmd and '"0.0.0.0"' in cmd and '"app.py"' not in cmd
    assert "DCS_SHARED_SECRET" in text and "DCS_DATA_DIR=/data" in text


def test_streamlit_never_shows_tracebacks():
    """Errors outside the app's own boundary show their type only (the boundary shows the product's message)."""
    import tomllib

    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert conf["client"]["showErrorDetails"] in ("type", "none")
    assert conf["server"]["address"] == "127.0.0.1"
