"""Master URLs, checked before Spark is asked to use them.

A typo, a dead standalone master or a dead Spark Connect endpoint gives a clear
:class:`SparkConnectionError` in seconds rather than minutes of retries.  Spark Connect URLs follow
Spark's documented form ``sc://host[:port][/;param=value;...]`` with the parameters ``token``,
``use_ssl``, ``user_id``, ``user_agent`` and ``session_id``.  No Spark is imported here: the app
checks a URL before a diagnosis' worker starts a session with it.
"""
from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote

from dcs_engine.errors import SparkConnectionError

_MASTER_RE = re.compile(
    r"^(local(\[(\*|\d+)(,\s*\d+)?\])?|local-cluster\[\d+,\s*\d+,\s*\d+\]|yarn|"
    r"spark://[^\s/]+(,[^\s/]+)*|k8s://\S+|mesos://\S+|sc://\S+)$")
CONNECT_PARAMS = ("token", "use_ssl", "user_id", "user_agent", "session_id", "grpc_max_message_size")
DEFAULT_CONNECT_PORT = 15002


def default_master() -> str:
    """``$SPARK_REMOTE`` when set (a Connect endpoint), else the embedded ``local[*]``."""
    return os.environ.get("SPARK_REMOTE", "").strip() or "local[*]"


@dataclass(frozen=True)
class ConnectURL:
    host: str
    port: int
    params: tuple[tuple[str, str], ...]

    @property
    def redacted(self) -> str:
        shown = ";".join(f"{k}={'***' if k == 'token' else v}" for k, v in self.params)
        return f"sc://{self.host}:{self.port}" + (f"/;{shown}" if shown else "")


def parse_connect_url(url: str) -> ConnectURL:
    """Check a ``sc://`` URL as Spark documents it; refuse what the client would choke on later."""
    rest = url.strip()[len("sc://"):]
    hostport, _, tail = rest.partition("/")
    if not hostport:
        raise SparkConnectionError("Spark Connect URL", condition="SPARK_BAD_MASTER", params={"master": url},
                                   expected="sc://HOST[:PORT][/;key=value;...]", found=repr(url),
                                   fix="write the host of the Spark Connect server, e.g. sc://127.0.0.1:15002")
    host, sep, port = hostport.rpartition(":") if hostport.count(":") == 1 or "]" in hostport else ("", "", "")
    if not sep:
        host, port = hostport, str(DEFAULT_CONNECT_PORT)
    host = host.strip("[]")
    if not port.isdigit() or not host:
        raise SparkConnectionError("Spark Connect URL", condition="SPARK_BAD_MASTER", params={"master": url},
                                   expected="sc://HOST:PORT with a numeric port", found=repr(url),
                                   fix="use the server's gRPC port, 15002 by default")
    params = []
    for item in filter(None, tail.lstrip(";").split(";")) if tail else ():
        key, eq, value = item.partition("=")
        if not eq or key not in CONNECT_PARAMS:
            raise SparkConnectionError(
                "Spark Connect URL parameter", condition="SPARK_BAD_MASTER", params={"master": url, "item": item},
                expected="key=value with key one of " + ", ".join(CONNECT_PARAMS), found=repr(item),
                fix="write the parameters as sc://host:port/;token=...;use_ssl=true")
        params.append((key, unquote(value)))
    return ConnectURL(host, int(port), tuple(params))


def _reachable(host: str, port: int, timeout: float) -> OSError | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return exc


def check_master(master: str, timeout: float = 3.0) -> None:
    """Refuse master URLs that cannot work, before Spark tries them (for minutes, for Connect)."""
    master = (master or "").strip()
    if not _MASTER_RE.match(master):
        raise SparkConnectionError(
            "Spark master URL", condition="SPARK_BAD_MASTER", params={"master": master},
            expected="local[*], local[N], spark://HOST:PORT, sc://HOST:PORT (Spark Connect), yarn or k8s://URL",
            found=repr(master), fix="correct the master URL on the Connection page")
    if master.startswith("sc://"):
        url = parse_connect_url(master)
        last = _reachable(url.host, url.port, timeout)
        if last is not None:
            raise SparkConnectionError(
                "Spark Connect endpoint", condition="SPARK_UNREACHABLE", params={"master": url.redacted},
                expected=f"a Spark Connect server listening at {url.host}:{url.port}",
                found=f"no answer ({last.__class__.__name__}: {last})",
                fix="start the server (sbin/start-connect-server.sh) or correct host and port")
        return
    if master.startswith("spark://"):
        last = None
        for hostport in master[len("spark://"):].split(","):
            host, _, port = hostport.rpartition(":")
            if not port.isdigit():
                raise SparkConnectionError(
                    "Spark master URL", condition="SPARK_BAD_MASTER", params={"master": master},
                    expected="spark://HOST:PORT with a numeric port",
                    found=repr(master), fix="add the master's port, usually 7077")
            last = _reachable(host, int(port), timeout)
            if last is None:
                return
        raise SparkConnectionError(
            "Spark master", condition="SPARK_UNREACHABLE", params={"master": master},
            expected=f"a standalone master listening at {master}",
            found=f"no answer ({last.__class__.__name__}: {last})",
            fix="start the master (see README: 'A local cluster') or correct host and port")
