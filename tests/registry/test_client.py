"""RegistryClient against a healthy registry: fetching, caching, offline, stale and lock pins."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest

from server.registry.cache import Cache
from server.registry.client import RegistryClient
from server.registry.config import CacheConfig, RegistryConfig, RegistrySettings
from server.registry.errors import RegistryRejected, RegistryUnavailable, ResolutionError
from server.registry.lock import LockedPackage, LockFile
from server.registry.version import parse_version
from tests.registry.conftest import TOKEN

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from resilience import AuditLog
    from server.registry.httpd import RegistryServer


async def test_fetches_best_version_and_caches_it(
    make_client: Callable[..., RegistryClient], httpd: RegistryServer, audit: AuditLog
) -> None:
    """package() picks the highest match, verifies it, caches it; cached_package then serves it."""
    client = make_client()
    assert client.cached_package("mathlib") is None
    got = await client.package("mathlib", "^1.0.0")
    assert str(got.metadata.version) == "1.2.0"
    assert got.metadata.function("hypot") is not None
    assert got.stale is False
    cached = client.cached_package("mathlib", "^1.0.0")
    assert cached is not None and cached.metadata == got.metadata and not cached.stale
    assert client.package_names() == ("mathlib", "strings")
    assert [str(v) for v in client.cached_versions("mathlib")] == ["1.0.0", "1.2.0", "2.0.0"]
    fetches = [e for e in audit.query(kind="fetch")]
    assert [e.fields["status"] for e in fetches] == [200, 200]
    assert all(e.fields["sha256"] and e.fields["bytes"] for e in fetches)
    assert all(r.authorized for r in httpd.requests)


async def test_cache_survives_a_new_client(
    make_client: Callable[..., RegistryClient], httpd: RegistryServer
) -> None:
    """A second client on the same cache directory serves without the network."""
    await make_client().package("strings")
    before = len(httpd.requests)
    again = make_client()
    cached = again.cached_package("strings")
    assert cached is not None and str(cached.metadata.version) == "0.2.0"
    got = await again.package("strings")  # fresh index, metadata by sha256: no request
    assert got.metadata == cached.metadata
    assert len(httpd.requests) == before


async def test_unknown_package_and_unsatisfiable_constraint(
    make_client: Callable[..., RegistryClient],
) -> None:
    """Clear permanent errors for an unknown package and a constraint nothing satisfies."""
    client = make_client()
    with pytest.raises(ResolutionError, match="unknown package 'nope'"):
        await client.package("nope")
    with pytest.raises(ResolutionError, match=r"satisfies \^3.0.0 \(available: 1.0.0, 1.2.0"):
        await client.package("mathlib", "^3.0.0")


async def test_offline_serves_only_the_cache(
    make_client: Callable[..., RegistryClient], httpd: RegistryServer
) -> None:
    """offline = true never touches the network; a miss is RegistryUnavailable."""
    offline = make_client(offline=True)
    with pytest.raises(RegistryUnavailable, match="offline"):
        await offline.package("mathlib")
    assert len(httpd.requests) == 0
    await make_client().package("mathlib", "==1.0.0")
    requests = len(httpd.requests)
    got = await make_client(offline=True).package("mathlib", "~1.0.0")
    assert str(got.metadata.version) == "1.0.0"
    assert len(httpd.requests) == requests


async def test_stale_index_is_served_when_the_registry_fails(
    make_client: Callable[..., RegistryClient], httpd: RegistryServer, audit: AuditLog
) -> None:
    """Past the TTL a failing registry yields the cached index, marked stale, audited."""
    client = make_client(ttl_s=0.01)
    await client.package("mathlib")
    httpd.inject("503", count=100)
    cached = await client.index("main")
    assert cached.stale
    assert client.cached_package("mathlib") is not None
    assert client.cached_package("mathlib").stale  # type: ignore[union-attr]
    fallbacks = audit.query(kind="fallback")
    assert fallbacks and fallbacks[-1].fields["reason"] == "stale index"
    health = client.health()[0]
    assert health.index_stale and "HTTP 503" in (health.last_error or "")


async def test_lock_pins_version_and_rejects_changed_hash(
    make_client: Callable[..., RegistryClient], registry_dir: Path
) -> None:
    """A lock pin wins over the constraint; a hash differing from the lock is refused."""
    body = (registry_dir / "packages/mathlib/1.0.0.json").read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    pin = LockedPackage("mathlib", parse_version("1.0.0"), sha, "main")
    client = make_client(lock=LockFile((pin,)))
    got = await client.package("mathlib", "^1.0.0")
    assert str(got.metadata.version) == "1.0.0"
    bad = LockedPackage("mathlib", parse_version("1.0.0"), "0" * 64, "main")
    other = make_client(lock=LockFile((bad,)), cache_dir=registry_dir.parent / "other-cache")
    with pytest.raises(RegistryRejected, match=r"differs|pins"):
        await other.package("mathlib")


async def test_cached_lookup_with_lock_needs_no_index(
    make_client: Callable[..., RegistryClient], registry_dir: Path, tmp_path: Path
) -> None:
    """With a lock pin and its blob cached, cached_package works without any index."""
    body = (registry_dir / "packages/strings/0.1.0.json").read_bytes()
    cache = Cache(CacheConfig(dir=tmp_path / "c2"))
    sha = cache.put_blob(body)
    pin = LockedPackage("strings", parse_version("0.1.0"), sha, "main")
    settings = RegistrySettings(
        (RegistryConfig("main", "https://registry.invalid", offline=True),), cache.config
    )
    client = RegistryClient(settings, cache=cache, lock=LockFile((pin,)))
    got = client.cached_package("strings")
    assert got is not None and str(got.metadata.version) == "0.1.0" and got.stale
    await client.aclose()


async def test_file_registry(registry_dir: Path, tmp_path: Path) -> None:
    """A file:// registry works like an HTTP one."""
    settings = RegistrySettings(
        (RegistryConfig("local", registry_dir.as_uri()),), CacheConfig(dir=tmp_path / "fc")
    )
    client = RegistryClient(settings)
    try:
        got = await client.package("strings", "~0.1.0")
        assert str(got.metadata.version) == "0.1.0"
        assert got.metadata.dependencies == (("mathlib", "^1.0.0"),)
        with pytest.raises(ResolutionError):
            await client.package("absent")
    finally:
        await client.aclose()


async def test_concurrent_fetches_share_one_request(
    make_client: Callable[..., RegistryClient], httpd: RegistryServer
) -> None:
    """Ten concurrent lookups of one package make one index and one metadata request."""
    import asyncio

    client = make_client()
    results = await asyncio.gather(*(client.package("mathlib") for _ in range(10)))
    assert len({r.sha256 for r in results}) == 1
    assert len(httpd.requests) == 2


async def test_background_refresh_fills_the_cache(
    make_client: Callable[..., RegistryClient],
) -> None:
    """schedule_refresh returns a task; afterwards cached_package answers."""
    client = make_client()
    task = client.schedule_refresh("strings")
    assert client.schedule_refresh("strings") is task
    got = await task
    assert got is not None and client.cached_package("strings") is not None


async def test_token_sent_only_to_the_same_origin(
    make_client: Callable[..., RegistryClient], httpd: RegistryServer
) -> None:
    """A redirect to another loopback origin is followed without the Authorization header."""
    port = httpd.url.rsplit(":", 1)[1]
    httpd.inject("redirect", path="index.json", location=f"http://localhost:{port}/index.json")
    client = make_client()
    await client.index("main")
    assert [r.authorized for r in httpd.requests] == [True, False]
    assert TOKEN not in repr(client.health())
