"""The gate app.py passes before any page: refuse an exposed server without a login, log users in
(Streamlit's OIDC login, or the team's shared secret), and keep the signed-in user with their role."""
from __future__ import annotations

import dataclasses
import sys
import time

import streamlit as st

from dcs_engine import access, config
from dcs_engine.errors import LoginRequired


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name) or {})
    except Exception:  # no secrets.toml at all (StreamlitSecretNotFoundError)
        return {}


def oidc_configured() -> bool:
    return bool(_secrets_section("auth"))


def auth_settings() -> config.AuthSettings:
    """The configuration's auth settings, with ``[dcs]`` of .streamlit/secrets.toml on top."""
    auth = config.current().auth
    extra = _secrets_section("dcs")
    secret = str(extra.get("shared_secret") or "")
    role = str(extra.get("shared_secret_role") or "")
    if not secret and not role:
        return auth
    checked = config.auth_from({"DCS_SHARED_SECRET": secret or auth.shared_secret,
                                "DCS_SHARED_SECRET_ROLE": role or auth.shared_secret_role})
    return dataclasses.replace(auth, shared_secret=checked.shared_secret, shared_secret_role=checked.shared_secret_role)


def exposed_at() -> str | None:
    return access.exposure(st.get_option("server.address"), st.get_option("browser.serverAddress"))


def _oidc_user(auth) -> access.User | None:
    if not getattr(st.user, "is_logged_in", False):
        return None
    email = str(getattr(st.user, "email", "") or "")
    return access.User(email or str(getattr(st.user, "name", "") or "signed-in user"),
                       access.role_for_email(email, auth), "oidc")


def gate() -> access.User:
    """Return the signed-in user, or draw the refusal / login screen and stop the run."""
    ss = st.session_state
    auth, oidc, exposed = auth_settings(), oidc_configured(), exposed_at()
    try:
        access.check_serving(exposed, auth, oidc)
    except LoginRequired as exc:
        print(exc.message, file=sys.stderr)
        st.title("dcs-doctor is not open")
        st.error(exc.message, icon="🔒")
        st.stop()
    if not access.login_required(exposed, auth, oidc):
        ss.user = access.LOCAL
        return ss.user
    user = _oidc_user(auth) if oidc else None
    if user is None and isinstance(ss.get("user"), access.User) and ss.user.via == "shared secret" and auth.has_secret:
        user = ss.user
    if user is None:
        ss.pop("user", None)
        _login_screen(auth, oidc)
        st.stop()
    ss.user = user
    _signed_in(user)
    return user


def _login_screen(auth, oidc: bool) -> None:
    ss = st.session_state
    st.title("Log in to dcs-doctor")
    st.markdown("This dcs-doctor is shared by a team: log in to walk its runbooks and read its incidents.")
    if oidc and st.button("Log in with your identity provider", key="login_oidc", type="primary"):
        st.login()
    if auth.has_secret:
        with st.form("login_form", border=bool(oidc)):
            st.text_input("Your name (shown on the evidence you log)", key="login_name")
            st.text_input("Team secret", type="password", key="login_secret")
            go = st.form_submit_button("Log in", key="login_go", type="secondary" if oidc else "primary")
        if go:
            user = access.secret_user(ss.get("login_secret", ""), ss.get("login_name", ""), auth)
            if user is None:
                ss.login_failures = ss.get("login_failures", 0) + 1
                time.sleep(min(0.5 * ss.login_failures, 5))  # slows guessing, per session
                st.error("The secret did not match.", icon="🔒")
            else:
                ss.user, ss.login_failures = user, 0
                st.rerun()


def _signed_in(user: access.User) -> None:
    with st.sidebar:
        st.caption(f"Signed in as **{user.name}** · {user.role} ({user.via})")
        if st.button("Log out", key="logout", type="tertiary"):
            st.session_state.pop("user", None)
            if user.via == "oidc":
                st.logout()
            st.rerun()
