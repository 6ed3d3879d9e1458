"""Who may do what: users, roles, and the rule that an exposed server needs a login.

Two roles.  A **viewer** walks the runbook, reads incidents, triages failure texts and event logs.  An
**operator** may also run user code and techniques on a Spark cluster.  Roles come from configuration
(:mod:`dcs_engine.config`): a list of operator e-mails or ``@domains`` for logins through an identity
provider (Streamlit's OIDC login), or the role that the shared secret gives.

On loopback without any login configured the single local user is an operator (a laptop).  Served
beyond loopback, a login must be configured, or :func:`check_serving` refuses.
"""
from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from dcs_engine.config import AuthSettings
from dcs_engine.errors import AccessDenied, LoginRequired

ACTIONS = {"walk": "viewer", "read": "viewer", "triage": "viewer", "run": "operator"}
RANK = {"viewer": 0, "operator": 1}


@dataclass(frozen=True)
class User:
    name: str
    role: str
    via: str  # "loopback", "oidc", "shared secret"

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


LOCAL = User("local user", "operator", "loopback")


def allowed(user: User | None, action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    return user is not None and RANK.get(user.role, -1) >= RANK[ACTIONS[action]]


def authorize(user: User | None, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``user``'s role allows ``action``."""
    if allowed(user, action):
        return
    name, role = (user.name, user.role) if user else ("nobody", "none")
    raise AccessDenied(f"{name} may not {_VERBS[action]}", expected=f"the {ACTIONS[action]} role",
                       found=f"the {role} role",
                       fix="ask an operator to run it, or to add you to the operators (DCS_OPERATORS)",
                       params={"user": name, "role": role, "action": action})


_VERBS = {"walk": "walk the runbook", "read": "read incidents", "triage": "triage failure texts",
          "run": "run code or techniques on Spark"}


def action_for(tech) -> str:
    """``run`` for a technique that uses Spark or runs the user's code; else ``triage`` (reading texts/logs)."""
    runs_code = any(p.kind == "code" for p in getattr(tech, "params", ()))
    return "run" if tech.needs_spark or runs_code else "triage"


def role_for_email(email: str, auth: AuthSettings) -> str:
    email = (email or "").strip().lower()
    if not email:
        return "viewer"
    domain = "@" + email.rsplit("@", 1)[-1] if "@" in email else None
    for entry in auth.operators:
        if entry == email or (entry.startswith("@") and entry == domain):
            return "operator"
    return "viewer"


def secret_user(given: str, name: str, auth: AuthSettings) -> User | None:
    """The user a correct shared secret logs in, else None (compared in constant time)."""
    if not auth.shared_secret or not hmac.compare_digest(given.encode(), auth.shared_secret.encode()):
        return None
    return User(name.strip() or "team member", auth.shared_secret_role, "shared secret")


# --- exposure ----------------------------------------------------------------------------------

def is_loopback(host: str | None) -> bool:
    host = (host or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure(server_address: str | None, browser_address: str | None) -> str | None:
    """The address beyond loopback the app is served at, or None.

    ``server_address`` is where Streamlit binds (unset = every interface); ``browser_address`` is the
    address users are told to open (a reverse proxy's public name shows here)."""
    if not server_address:
        return "all interfaces (server.address unset)"
    if not is_loopback(server_address):
        return server_address
    if browser_address and not is_loopback(browser_address):
        return browser_address
    return None


def login_required(exposed: str | None, auth: AuthSettings, oidc: bool) -> bool:
    return bool(exposed or auth.require_login or auth.has_secret or oidc)


def check_serving(exposed: str | None, auth: AuthSettings, oidc: bool) -> None:
    """Refuse (:class:`LoginRequired`) to serve beyond loopback, or with require_login, without a login."""
    if (not exposed and not auth.require_login) or auth.has_secret or oidc:
        return
    where = exposed or "this address (require_login is set)"
    raise LoginRequired(
        f"dcs-doctor refuses to serve {where} without a login",
        expected="a login: Streamlit's OIDC login ([auth] in .streamlit/secrets.toml) or a shared secret",
        found="neither is configured",
        fix="set DCS_SHARED_SECRET (or [dcs] shared_secret in .streamlit/secrets.toml), or add an [auth] "
            "section for your identity provider, or serve on 127.0.0.1 only",
        params={"address": exposed or ""})
