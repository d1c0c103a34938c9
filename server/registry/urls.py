"""URL rules: which registry URLs may be fetched, and how a URL is shown in logs and messages."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

__all__ = ["is_loopback", "join", "origin", "refusal", "safe_url"]

_SECRET_PARAM = re.compile(
    r"token|password|passwd|auth|secret|api[-_]?key|signature|sig|credential|key", re.IGNORECASE
)


def is_loopback(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1 (no name resolution happens)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(url: str, *, allow_http: bool) -> str | None:
    """Why `url` must not be fetched, or None: https anywhere; http only on loopback unless
    `allow_http`; file URLs; never credentials in the URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"malformed URL ({exc})"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL are not allowed; set token_env instead"
    if parts.scheme == "file":
        return None if not parts.netloc or parts.netloc == "localhost" else "file URL with a host"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"unsupported scheme {parts.scheme!r}; use https://, http:// (loopback) or file://"
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        return "plain http to a non-loopback host is refused; use https or set allow_http = true"
    return None


def safe_url(url: str) -> str:
    """`url` without user info, and with secret-looking query values replaced by `***`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<malformed URL>"
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    query = "&".join(
        f"{k}=***" if _SECRET_PARAM.search(k) else (f"{k}={v}" if sep else k)
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, ""))


def origin(url: str) -> str:
    """`scheme://host:port` of `url` (no user info), the key of a per-host breaker."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file://"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


def join(base: str, path: str) -> str:
    """`path` resolved against the registry base URL (which is treated as a directory)."""
    return urljoin(base if base.endswith("/") else base + "/", path)
