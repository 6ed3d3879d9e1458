"""dcs-doctor's entry point for a shared server: ``streamlit run serve.py``.

Before the first request is served it checks where it is served: beyond 127.0.0.1 (``server.address``,
or a public ``browser.serverAddress`` behind a proxy) without a login configured, it refuses to start
(exit status 2, with the reason).  Otherwise it serves app.py as usual (Streamlit's st.App)."""
import sys

from streamlit import config as st_config
from streamlit.starlette import App

from dcs_engine import access
from dcs_engine.errors import DcsError


def _secrets() -> dict:
    """Streamlit's secrets (the same files the app reads), or nothing when there are none."""
    import streamlit as st

    try:
        return {k: dict(v) if hasattr(v, "keys") else v for k, v in st.secrets.items()}
    except Exception:  # no secrets.toml anywhere
        return {}


def check() -> None:
    from dcs_engine import config

    secrets = _secrets()
    dcs = secrets.get("dcs", {})
    try:
        auth = config.current().auth
        if dcs.get("shared_secret"):
            auth = config.auth_from({"DCS_SHARED_SECRET": str(dcs["shared_secret"]),
                                     "DCS_SHARED_SECRET_ROLE": str(dcs.get("shared_secret_role") or
                                                                   auth.shared_secret_role)})
        exposed = access.exposure(st_config.get_option("server.address"),
                                  st_config.get_option("browser.serverAddress"))
        access.check_serving(exposed, auth, oidc=bool(secrets.get("auth")))
    except DcsError as exc:
        print(f"\n{exc.message}\n", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


check()
app = App("app.py")
