"""Registry settings from `parsercraft.toml`: `[[registry]]` tables and `[registry_cache]`.

```toml
[[registry]]
name = "main"
url = "https://registry.example.org/parsercraft"   # https; http only for loopback
token_env = "PARSERCRAFT_REGISTRY_TOKEN"           # optional: the token is read from this variable
connect_timeout_s = 2.0
read_timeout_s = 5.0
attempt_timeout_s = 10.0                           # one attempt, body included
deadline_s = 15.0                                  # every attempt and pause of one fetch
offline = false                                    # serve only the cache
allow_http = false                                 # allow plain http to a non-loopback host
max_bytes = 4194304                                # response size cap
policy = { retry = { maxAttempts = 3 } }           # overrides of the registry.fetch policy

[registry_cache]
dir = "~/.cache/parsercraft-ls"                    # default: $XDG_CACHE_HOME/parsercraft-ls
max_bytes = 104857600
ttl_s = 300.0                                      # index freshness
stale_if_error_s = 2592000.0                       # serve a stale index this long on errors
```
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from resilience import (
    PolicyConfig,
    PolicyConfigError,
    merge_settings,
    parse_policy_config,
    snake_case,
)
from server.errors import ProjectError
from server.registry.urls import refusal

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "URL_ENV_PREFIX",
    "CacheConfig",
    "RegistryConfig",
    "RegistrySettings",
    "default_cache_dir",
    "load_registry_settings",
    "parse_registry_settings",
    "policy_config",
    "url_env",
    "with_url_overrides",
]

_REGISTRY_KEYS = frozenset(
    {
        "name",
        "url",
        "token_env",
        "connect_timeout_s",
        "read_timeout_s",
        "attempt_timeout_s",
        "deadline_s",
        "offline",
        "allow_http",
        "max_bytes",
        "policy",
    }
)
_CACHE_KEYS = frozenset({"dir", "max_bytes", "ttl_s", "stale_if_error_s"})


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/parsercraft-ls`, else `~/.cache/parsercraft-ls`."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "parsercraft-ls"


@attrs.frozen
class RegistryConfig:
    """One `[[registry]]` table. It holds the *name* of the token variable, never the token."""

    name: str
    """Shown in messages, health and the lock file."""
    url: str
    """Base URL; `index.json` and `packages/...` are resolved against it."""
    token_env: str | None = None
    """Environment variable holding a bearer token; None: no token is sent."""
    connect_timeout_s: float = 2.0
    """Connect timeout of one attempt."""
    read_timeout_s: float = 5.0
    """Longest wait for any one read of the response."""
    attempt_timeout_s: float = 10.0
    """One attempt, from connect to the last byte of the body (bounds a slow body)."""
    deadline_s: float = 15.0
    """One fetch: every attempt and every retry pause."""
    offline: bool = False
    """Serve only the cache; never touch the network."""
    allow_http: bool = False
    """Allow plain http to a non-loopback host (never recommended)."""
    max_bytes: int = 4 * 1024 * 1024
    """Largest response body accepted; a bigger one is a permanent error."""
    policy: PolicyConfig | None = None
    """The `registry.fetch` policy; None: built from the defaults and the timeouts above."""


@attrs.frozen
class CacheConfig:
    """The `[registry_cache]` table."""

    dir: Path = attrs.field(factory=default_cache_dir)
    """Cache directory, shared by every workspace of the user."""
    max_bytes: int = 100 * 1024 * 1024
    """Size cap; least recently used entries are evicted beyond it."""
    ttl_s: float = 300.0
    """An index younger than this is served without asking the registry."""
    stale_if_error_s: float = 30 * 24 * 3600.0
    """An older index is still served (marked stale) this long while the registry fails."""


@attrs.frozen
class RegistrySettings:
    """Every configured registry, in search order, and the cache."""

    registries: tuple[RegistryConfig, ...] = ()
    cache: CacheConfig = attrs.field(factory=CacheConfig)


DEFAULT_POLICY: dict[str, object] = {
    "bulkhead": {"maxConcurrent": 4, "maxWait": 64},
    "rateLimit": {"rate": 20.0, "burst": 40.0, "maxWaitS": 1.0},
    "retry": {"maxAttempts": 3, "maxElapsedS": 5.0, "initialBackoffS": 0.1, "maxBackoffS": 1.0},
    "breaker": {
        "failureRateThreshold": 0.5,
        "minimumCalls": 4,
        "windowSize": 10,
        "waitDurationS": 30.0,
        "halfOpenMaxCalls": 1,
    },
}


def policy_config(
    name: str, deadline_s: float, overrides: Mapping[str, object] | None = None
) -> PolicyConfig:
    """`registry.fetch` settings: the defaults, the deadline, then `overrides` per section."""
    merged = merge_settings({"deadlineS": deadline_s, **DEFAULT_POLICY}, overrides)
    # The defaults use camelCase; overrides may use snake_case: normalise both the same way.
    return parse_policy_config(name, _dedupe(merged))


def _dedupe(table: dict[str, object]) -> dict[str, object]:
    """Drop a camelCase key when the same setting is also given in snake_case (the later wins)."""
    out: dict[str, object] = {}
    for key, value in table.items():
        out[snake_case(key)] = _dedupe(value) if isinstance(value, dict) else value
    return out


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, reason: str) -> ProjectError:
        return ProjectError(self.path, reason)

    def number(self, table: Mapping[str, object], key: str, where: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(f"{where}.{key} must be a positive number, got {value!r}")
        return float(value)

    def integer(self, table: Mapping[str, object], key: str, where: str, default: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.fail(f"{where}.{key} must be a positive integer, got {value!r}")
        return value

    def flag(self, table: Mapping[str, object], key: str, where: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key} must be true or false, got {value!r}")
        return value

    def unknown(self, table: Mapping[str, object], known: frozenset[str], where: str) -> None:
        extra = sorted(set(table) - known)
        if extra:
            raise self.fail(f"{where}: unknown key(s) {', '.join(extra)}")


def _registry(c: _Checker, table: object, i: int, root: Path) -> RegistryConfig:
    where = f"registry[{i}]"
    if not isinstance(table, dict):
        raise c.fail(f"{where} must be a table, got {table!r}")
    c.unknown(table, _REGISTRY_KEYS, where)
    name, url, token_env = table.get("name"), table.get("url"), table.get("token_env")
    if not isinstance(name, str) or not name.strip():
        raise c.fail(f"{where}.name must be a non-empty string, got {name!r}")
    if not isinstance(url, str) or not url.strip():
        raise c.fail(f"{where}.url must be a non-empty string, got {url!r}")
    if token_env is not None and (not isinstance(token_env, str) or not token_env):
        raise c.fail(f"{where}.token_env must name an environment variable, got {token_env!r}")
    if url.startswith("file:") and not url.startswith("file:///"):
        url = (root / url.removeprefix("file:").removeprefix("//")).absolute().as_uri()
    allow_http = c.flag(table, "allow_http", where)
    why = refusal(url, allow_http=allow_http)
    if why is not None:
        raise c.fail(f"{where}.url {'<hidden>' if '@' in url else repr(url)}: {why}")
    deadline_s = c.number(table, "deadline_s", where, 15.0)
    overrides = table.get("policy", {})
    if not isinstance(overrides, dict):
        raise c.fail(f"{where}.policy must be a table, got {overrides!r}")
    try:
        policy = policy_config("registry.fetch", deadline_s, overrides)
    except PolicyConfigError as exc:
        raise c.fail(f"{where}.policy: {exc}") from None
    return RegistryConfig(
        name=name,
        url=url.rstrip("/"),
        token_env=token_env,
        connect_timeout_s=c.number(table, "connect_timeout_s", where, 2.0),
        read_timeout_s=c.number(table, "read_timeout_s", where, 5.0),
        attempt_timeout_s=c.number(table, "attempt_timeout_s", where, 10.0),
        deadline_s=deadline_s,
        offline=c.flag(table, "offline", where),
        allow_http=allow_http,
        max_bytes=c.integer(table, "max_bytes", where, 4 * 1024 * 1024),
        policy=policy,
    )


def parse_registry_settings(
    data: Mapping[str, object], *, path: str, root: Path, offline: bool | None = None
) -> RegistrySettings:
    """Settings from a parsed `parsercraft.toml`; `offline` (a CI flag) overrides every table."""
    c = _Checker(path)
    raw = data.get("registry", [])
    if not isinstance(raw, list):
        raise c.fail("'registry' must be an array of tables: write [[registry]]")
    registries = tuple(_registry(c, t, i, root) for i, t in enumerate(raw))
    names = [r.name for r in registries]
    if len(set(names)) != len(names):
        raise c.fail(f"registry names must be unique, got {names}")
    if offline is not None:
        registries = tuple(attrs.evolve(r, offline=offline) for r in registries)
    table = data.get("registry_cache", {})
    if not isinstance(table, dict):
        raise c.fail(f"'registry_cache' must be a table, got {table!r}")
    c.unknown(table, _CACHE_KEYS, "registry_cache")
    folder = table.get("dir")
    if folder is not None and (not isinstance(folder, str) or not folder):
        raise c.fail(f"registry_cache.dir must be a path string, got {folder!r}")
    cache = CacheConfig(
        dir=default_cache_dir() if folder is None else root / Path(folder).expanduser(),
        max_bytes=c.integer(table, "max_bytes", "registry_cache", 100 * 1024 * 1024),
        ttl_s=c.number(table, "ttl_s", "registry_cache", 300.0),
        stale_if_error_s=c.number(table, "stale_if_error_s", "registry_cache", 30 * 24 * 3600.0),
    )
    return RegistrySettings(registries, cache)


def load_registry_settings(
    toml_path: Path, *, offline: bool | None = None, environ: Mapping[str, str] | None = None
) -> RegistrySettings:
    """Settings from a `parsercraft.toml` file, with URL overrides from the environment
    (`PARSERCRAFT_REGISTRY_URL_<NAME>`); raises ProjectError naming the key."""
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(str(toml_path), f"cannot read registry settings: {exc}") from exc
    settings = parse_registry_settings(
        data, path=str(toml_path), root=toml_path.parent.absolute(), offline=offline
    )
    return with_url_overrides(settings, os.environ if environ is None else environ)


URL_ENV_PREFIX = "PARSERCRAFT_REGISTRY_URL_"
"""`PARSERCRAFT_REGISTRY_URL_<NAME>` overrides the URL of the `[[registry]]` named NAME."""


def url_env(name: str) -> str:
    """The environment variable overriding the URL of registry `name` (`main` -> `..._MAIN`)."""
    return URL_ENV_PREFIX + re.sub(r"\W", "_", name).upper()


def with_url_overrides(settings: RegistrySettings, environ: Mapping[str, str]) -> RegistrySettings:
    """`settings` with registry URLs replaced from the environment (a demo or CI picks the
    port of a local registry); an override the URL rules refuse is ignored with a warning."""
    registries = []
    for config in settings.registries:
        url = environ.get(url_env(config.name), "").strip()
        why = refusal(url, allow_http=config.allow_http) if url else None
        if url and why is None:
            registries.append(attrs.evolve(config, url=url.rstrip("/")))
            continue
        if url:
            log.warning("ignoring %s: %s", url_env(config.name), why)
        registries.append(config)
    return attrs.evolve(settings, registries=tuple(registries))
