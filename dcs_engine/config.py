"""The server's settings: where incidents are stored, which paths may be read, who is an operator,
and the limits, with safe defaults.

One TOML file (``$DCS_CONFIG``, else ``dcs-doctor.toml`` in the working directory when it exists) and
``DCS_*`` environment variables, which win over the file.  Every setting::

    [storage]  data_dir (DCS_DATA_DIR)  database_url (DCS_DATABASE_URL)
    [paths]    roots (DCS_PATH_ROOTS, comma-separated; remote roots such as s3a://bucket/prefix too)
    [limits]   upload_mb runbook_kb runbook_nodes runbook_depth yaml_expansion driver_rows runs_per_session
               (DCS_UPLOAD_MB, DCS_RUNBOOK_KB, ...)
    [auth]     operators (DCS_OPERATORS, comma-separated e-mails or @domains)
               shared_secret (DCS_SHARED_SECRET)  shared_secret_role (DCS_SHARED_SECRET_ROLE)
               require_login (DCS_REQUIRE_LOGIN)

A bad value is a :class:`~dcs_engine.errors.ConfigError` naming the key, what it must be, and where it came from.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dcs_engine.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = PROJECT_DIR / ".dcs"
DEFAULT_FILE = "dcs-doctor.toml"
ROLES = ("viewer", "operator")
MIN_SECRET = 12


@dataclass(frozen=True)
class Limits:
    upload_mb: int = 25             # one uploaded file (a log, an event log, a runbook)
    runbook_kb: int = 512           # a runbook's YAML text
    runbook_nodes: int = 500        # nodes in one runbook (the drawing stays readable)
    runbook_depth: int = 24         # nesting of YAML collections
    yaml_expansion: int = 100_000   # YAML values in a runbook once its *aliases are expanded
    driver_rows: int = 10_000       # rows one technique may bring to the driver
    runs_per_session: int = 500     # technique runs per browser session


@dataclass(frozen=True)
class AuthSettings:
    operators: tuple[str, ...] = ()
    shared_secret: str = ""
    shared_secret_role: str = "operator"
    require_login: bool = False

    @property
    def has_secret(self) -> bool:
        return bool(self.shared_secret)


@dataclass(frozen=True)
class Config:
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    path_roots: tuple[str, ...] = ()
    limits: Limits = Limits()
    auth: AuthSettings = AuthSettings()
    source: str = "defaults"

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'incidents.db'}"

    @property
    def roots(self) -> tuple[str, ...]:
        """Path roots: the configured ones, else the data dir and the working directory."""
        return self.path_roots or (str(self.data_dir), os.getcwd())


_SECTIONS = {"storage": ("data_dir", "database_url"), "paths": ("roots",),
             "limits": tuple(f.name for f in dataclasses.fields(Limits)),
             "auth": tuple(f.name for f in dataclasses.fields(AuthSettings))}


def _bad(key: str, origin: str, expected: str, found, fix: str) -> ConfigError:
    return ConfigError(f"setting {key} (from {origin})", expected=expected, found=repr(found), fix=fix,
                       params={"key": key, "origin": origin})


def _read_file(env: Mapping[str, str]) -> tuple[dict, str]:
    named = env.get("DCS_CONFIG", "").strip()
    path = Path(named) if named else Path.cwd() / DEFAULT_FILE
    if not named and not path.exists():
        return {}, "defaults"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _bad("DCS_CONFIG", "the environment", "a readable TOML file", str(path),
                   "point DCS_CONFIG at an existing file, or unset it") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _bad("DCS_CONFIG", str(path), "valid TOML", str(exc), "fix the file's syntax") from None
    flat = {}
    for section, values in data.items():
        known = _SECTIONS.get(section)
        if known is None or not isinstance(values, dict):
            raise _bad(f"[{section}]", str(path), "one of the sections " + ", ".join(f"[{s}]" for s in _SECTIONS),
                       section, "remove or rename the section")
        for key, value in values.items():
            if key not in known:
                raise _bad(f"{section}.{key}", str(path), f"one of {', '.join(known)} in [{section}]", key,
                           "correct the key's spelling")
            flat[key] = (value, str(path))
    return flat, str(path)


def _raw(flat: dict, env: Mapping[str, str], key: str):
    """(value, origin, shown name) for one setting: the environment wins over the file."""
    var = f"DCS_{key.upper()}" if key != "roots" else "DCS_PATH_ROOTS"
    if env.get(var, "") != "":
        return env[var], "the environment", var
    if key in flat:
        return flat[key][0], flat[key][1], f"{key} ({var})"
    return None, "", var


def _int(flat, env, key: str, default: int) -> int:
    value, origin, name = _raw(flat, env, key)
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number < 1:
        raise _bad(name, origin, "a whole number of 1 or more", value, f"set {name} to a positive whole number")
    return number


def _list(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",") if value else []
    return tuple(str(v).strip() for v in value if str(v).strip())


def _auth(flat, env) -> AuthSettings:
    ops, _, _ = _raw(flat, env, "operators")
    secret, s_origin, s_name = _raw(flat, env, "shared_secret")
    role, r_origin, r_name = _raw(flat, env, "shared_secret_role")
    req, _, _ = _raw(flat, env, "require_login")
    secret = str(secret or "")
    if secret and len(secret) < MIN_SECRET:
        raise _bad(s_name, s_origin, f"a secret of at least {MIN_SECRET} characters", "a shorter one",
                   "use a long random secret, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`")
    role = str(role or "operator").strip().lower()
    if role not in ROLES:
        raise _bad(r_name, r_origin, "viewer or operator", role, "choose the role the shared secret gives")
    return AuthSettings(operators=tuple(o.lower() for o in _list(ops or ())), shared_secret=secret,
                        shared_secret_role=role, require_login=str(req).lower() in ("1", "true", "yes", "on"))


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read the settings from ``env`` (default: ``os.environ``) and the config file it names."""
    env = os.environ if env is None else env
    flat, origin = _read_file(env)
    data_dir, _, _ = _raw(flat, env, "data_dir")
    url, _, _ = _raw(flat, env, "database_url")
    roots, _, _ = _raw(flat, env, "roots")
    limits = Limits(**{f.name: _int(flat, env, f.name, f.default) for f in dataclasses.fields(Limits)})
    return Config(data_dir=Path(data_dir).expanduser() if data_dir else DEFAULT_DATA_DIR,
                  database_url=str(url or ""), path_roots=_list(roots or ()), limits=limits,
                  auth=_auth(flat, env), source=origin)


def auth_from(values: Mapping[str, str]) -> AuthSettings:
    """Auth settings from ``DCS_*``-named values (e.g. the app's secrets.toml), checked like the environment's."""
    return _auth({}, values)


_cache: dict[tuple, Config] = {}


def current() -> Config:
    """The settings in force, re-read when a ``DCS_*`` variable changes."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("DCS_"))) + (str(Path.cwd()),)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load()
    return _cache[key]


def limits() -> Limits:
    return current().limits
