"""Fixtures for the registry tests: a built registry, a real HTTP server on 127.0.0.1, clients."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import pytest

from resilience import AuditLog
from server.registry.cache import Cache
from server.registry.client import RegistryClient
from server.registry.config import CacheConfig, RegistryConfig, RegistrySettings, policy_config
from server.registry.httpd import RegistryServer
from server.registry.index import build_registry
from server.registry.urls import is_loopback

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator, Mapping
    from pathlib import Path

    from server.registry.transport import Response, Transport

TOKEN = "tok-SECRET-7f3a9c1e55d2"
"""The bearer token every test client sends; it must never show up anywhere."""
TOKEN_ENV = "PARSERCRAFT_TEST_REGISTRY_TOKEN"

FAST_POLICY: dict[str, object] = {
    "retry": {
        "maxAttempts": 3,
        "maxElapsedS": 3.0,
        "initialBackoffS": 0.01,
        "maxBackoffS": 0.05,
        "budgetMinRetries": 1000,
    },
    "breaker": {
        "failureRateThreshold": 0.5,
        "minimumCalls": 4,
        "windowSize": 6,
        "waitDurationS": 0.3,
        "halfOpenMaxCalls": 1,
    },
    "rateLimit": {"rate": 1000.0, "burst": 1000.0},
}

PACKAGES = [
    ("mathlib", "1.0.0", {}, ["sqrt"]),
    ("mathlib", "1.2.0", {}, ["sqrt", "hypot"]),
    ("mathlib", "2.0.0", {}, ["sqrt", "hypot", "cbrt"]),
    ("strings", "0.1.0", {"mathlib": "^1.0.0"}, ["pad"]),
    ("strings", "0.2.0", {"mathlib": ">=1.2.0 <2.0.0"}, ["pad", "trim"]),
]


def write_packages(
    folder: Path, packages: list[tuple[str, str, dict[str, str], list[str]]]
) -> None:
    """One package folder per (name, version, dependencies, function names)."""
    for name, version, deps, functions in packages:
        pkg = folder / f"{name}-{version}"
        pkg.mkdir(parents=True)
        (pkg / "main.lang").write_text(f"# {name} {version}\n", encoding="utf-8")
        (pkg / "package.json").write_text(
            json.dumps(
                {
                    "name": name,
                    "version": version,
                    "description": f"{name} library",
                    "author": "Test Author",
                    "license": "MIT",
                    "dependencies": deps,
                    "devDependencies": {},
                    "exports": {
                        "functions": [
                            {
                                "name": f,
                                "parameters": [{"name": "x", "type": "Number"}],
                                "returns": "Number",
                                "doc": f"{f} of x",
                            }
                            for f in functions
                        ],
                        "types": [{"name": "Vector", "doc": "a vector"}],
                        "constants": [{"name": "PI", "type": "Number", "value": "3.14159"}],
                    },
                }
            ),
            encoding="utf-8",
        )


@pytest.fixture(autouse=True)
def _no_unexpected(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test when a policy logs an unexpected error; capture every log line."""
    caplog.set_level(logging.DEBUG)
    yield
    errors = [
        r for r in caplog.records if r.name.startswith("resilience") and r.levelno >= logging.ERROR
    ]
    assert not errors, f"unexpected errors logged: {[r.getMessage() for r in errors]}"


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    """A built registry with mathlib 1.0.0/1.2.0/2.0.0 and strings 0.1.0/0.2.0."""
    root = tmp_path / "registry"
    write_packages(root, PACKAGES)
    build_registry(root)
    return root


@pytest.fixture
def httpd(registry_dir: Path) -> Iterator[RegistryServer]:
    """The registry served on 127.0.0.1 with fault injection."""
    with RegistryServer(registry_dir, faults=True) as server:
        yield server


@pytest.fixture
def audit() -> AuditLog:
    """An in-memory audit log."""
    return AuditLog(None, ring_size=5000)


class LoopbackGuard:
    """Wraps a transport; fails (without delegating) on any URL that is not on this machine."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.urls: list[str] = []

    async def get(self, url: str, *, headers: Mapping[str, str], max_bytes: int) -> Response:
        """Delegate only loopback and file URLs."""
        from urllib.parse import urlsplit

        self.urls.append(url)
        parts = urlsplit(url)
        assert parts.scheme == "file" or is_loopback(parts.hostname or ""), f"off-host: {url}"
        return await self.inner.get(url, headers=headers, max_bytes=max_bytes)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


ClientFactory = "Callable[..., RegistryClient]"


# Timeouts short enough that hang and slow-body faults end quickly, long enough that a healthy
# answer from the in-process server is never late on a loaded 2-core machine.
CONNECT_S, READ_S, ATTEMPT_S, DEADLINE_S = 0.5, 0.6, 1.0, 4.5


@pytest.fixture
async def make_client(
    tmp_path: Path, httpd: RegistryServer, audit: AuditLog
) -> AsyncIterator[Callable[..., RegistryClient]]:
    """Build clients against `httpd` (short timeouts, fast policy); closes them afterwards."""
    from server.registry.transport import HttpTransport

    made: list[RegistryClient] = []

    def factory(
        *,
        url: str | None = None,
        offline: bool = False,
        ttl_s: float = 300.0,
        max_bytes: int = 64 * 1024,
        cache_dir: Path | None = None,
        policy: dict[str, object] | None = None,
        **kwargs: object,
    ) -> RegistryClient:
        config = RegistryConfig(
            name="main",
            url=url or httpd.url,
            token_env=TOKEN_ENV,
            connect_timeout_s=CONNECT_S,
            read_timeout_s=READ_S,
            attempt_timeout_s=ATTEMPT_S,
            deadline_s=DEADLINE_S,
            offline=offline,
            max_bytes=max_bytes,
            policy=policy_config("registry.fetch", DEADLINE_S, policy or FAST_POLICY),
        )
        settings = RegistrySettings(
            (config,), CacheConfig(dir=cache_dir or tmp_path / "cache", ttl_s=ttl_s)
        )
        transport = LoopbackGuard(
            HttpTransport(
                connect_timeout_s=CONNECT_S, read_timeout_s=READ_S, attempt_timeout_s=ATTEMPT_S
            )
        )
        client = RegistryClient(
            settings,
            cache=Cache(settings.cache),
            audit=audit,
            transports={"main": transport},
            environ={TOKEN_ENV: TOKEN},
            **kwargs,  # type: ignore[arg-type]  # lock= only
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()
