"""RegistryClient: non-blocking cached lookups for the editor, policy-guarded fetches behind them.

- `cached_*` methods never touch the network: they read memory, then the disk cache, and say
  whether what they return is stale. A completion handler calls only these.
- `refresh` / `schedule_refresh` fetch in the background (single-flight per URL); `package`
  and `index` fetch when needed and fall back to a stale cached index when the registry fails.
Metadata is content-addressed: its sha256 comes from the index (and from the lock file when
one pins the package); a mismatch is a permanent `RegistryRejected` and is never cached.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from resilience import SYSTEM_CLOCK, Policy
from server.registry.cache import Cache
from server.registry.config import policy_config
from server.registry.errors import (
    RegistryError,
    RegistryRejected,
    RegistryUnavailable,
    ResolutionError,
)
from server.registry.fetch import Fetcher, FetchEvent
from server.registry.model import parse_index, parse_metadata
from server.registry.transport import FileTransport, HttpTransport
from server.registry.urls import join, origin, safe_url
from server.registry.version import parse_constraint

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping

    from resilience import AuditLog, Clock
    from server.registry.config import RegistryConfig, RegistrySettings
    from server.registry.lock import LockFile
    from server.registry.model import Index, IndexEntry, PackageMetadata, VersionEntry
    from server.registry.transport import Response, Transport
    from server.registry.version import Constraint, Version

__all__ = ["CachedIndex", "CachedPackage", "RegistryClient", "RegistryHealth", "raise_unreachable"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@attrs.frozen
class CachedIndex:
    """A registry's index and whether it is stale (older than the TTL, or a refresh failed)."""

    registry: str
    index: Index
    sha256: str
    fetched_at: float
    stale: bool


@attrs.frozen
class CachedPackage:
    """Package metadata, where it came from and whether the index behind it is stale."""

    metadata: PackageMetadata
    registry: str
    sha256: str
    stale: bool


@attrs.frozen
class RegistryHealth:
    """Health of one registry: breaker, last success and error, cache entries and index age."""

    name: str
    url: str
    offline: bool
    breaker: str
    last_success_at: float | None
    last_error: str | None
    last_error_at: float | None
    cache_entries: int
    index_age_s: float | None
    index_stale: bool


def _index_key(config: RegistryConfig) -> str:
    return f"index:{config.url}"


def raise_unreachable(what: str, errors: list[RegistryError]) -> None:
    """Raise for registries that could not be searched: the error itself when there is one,
    `RegistryUnavailable` when any was transient, else `RegistryRejected`; nothing if none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        kind = RegistryUnavailable if any(e.is_transient for e in errors) else RegistryRejected
        raise kind(f"cannot look up {what}: " + "; ".join(str(e) for e in errors))


class RegistryClient:
    """Every configured registry, searched in order, over one shared cache."""

    def __init__(
        self,
        settings: RegistrySettings,
        *,
        cache: Cache | None = None,
        audit: AuditLog | None = None,
        clock: Clock | None = None,
        transports: Mapping[str, Transport] | None = None,
        environ: Mapping[str, str] | None = None,
        lock: LockFile | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache or Cache(settings.cache, clock=clock)
        self.audit = audit
        self.lock = lock
        self._clock = clock or SYSTEM_CLOCK
        self._listeners: list[Callable[[FetchEvent], object]] = []
        self._fetchers: dict[str, Fetcher] = {}
        self._indexes: dict[str, CachedIndex] = {}
        self._failed: set[str] = set()
        self._parsed: dict[str, PackageMetadata] = {}
        self._inflight: dict[str, asyncio.Task[Any]] = {}  # heterogeneous: one table for all
        policies: dict[str, Policy[object]] = {}
        env = os.environ if environ is None else environ
        for config in settings.registries:
            transport = (transports or {}).get(config.name) or self._transport(config)
            host = origin(config.url)
            if host not in policies:  # one breaker (and limiter) per host, shared by registries
                policies[host] = self._policy(config)
            fetcher = Fetcher(
                config,
                policies[host],
                transport,
                token=env.get(config.token_env) if config.token_env else None,
                audit=audit,
                clock=self._clock,
                listeners=self._listeners,
            )
            if config.token_env and config.token_env not in env:
                log.warning(
                    "registry %r: environment variable %s is not set; sending no token",
                    config.name,
                    config.token_env,
                )
            self._fetchers[config.name] = fetcher

    def _transport(self, config: RegistryConfig) -> Transport:
        if config.url.startswith("file:"):
            return FileTransport()
        return HttpTransport(
            connect_timeout_s=config.connect_timeout_s,
            read_timeout_s=config.read_timeout_s,
            attempt_timeout_s=config.attempt_timeout_s,
            clock=self._clock,
        )

    def _policy(self, config: RegistryConfig) -> Policy[object]:
        cfg = config.policy or policy_config("registry.fetch", config.deadline_s)
        return Policy.from_config(
            f"registry.fetch {origin(config.url)}",
            cfg,
            clock=self._clock,
            audit=self.audit,
            retry_on=lambda exc: isinstance(exc, RegistryUnavailable),
        )

    def add_listener(self, listener: Callable[[FetchEvent], object]) -> Callable[[], None]:
        """Call `listener` at the start and end of every attempt (for progress reports)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def registry_names(self) -> tuple[str, ...]:
        """Configured registry names, in search order."""
        return tuple(self._fetchers)

    def policies(self) -> tuple[Policy[object], ...]:
        """The distinct `registry.fetch` policies (one per host), for health and metrics."""
        unique: dict[int, Policy[object]] = {
            id(f.policy): f.policy for f in self._fetchers.values()
        }
        return tuple(unique.values())

    # -- non-blocking lookups (memory and disk cache only) ---------------------------------------

    def cached_index(self, registry: str) -> CachedIndex | None:
        """The last index of `registry` in memory or on disk, with its staleness; no network."""
        config = self._fetchers[registry].config
        found = self._indexes.get(registry)
        if found is None:
            ref = self.cache.get_ref(_index_key(config))
            if ref is None or not self.cache.is_servable(ref):
                return None
            try:
                index = parse_index(ref.data, f"cached index of {registry!r}")
            except RegistryRejected:
                return None
            found = CachedIndex(registry, index, ref.sha256, ref.fetched_at, False)
            self._indexes[registry] = found
        stale = registry in self._failed or self._clock.wall() - found.fetched_at >= (
            self.cache.config.ttl_s
        )
        return found if stale == found.stale else attrs.evolve(found, stale=stale)

    def package_names(self) -> tuple[str, ...]:
        """Every package name in the cached indexes (for completion), sorted; no network."""
        names: set[str] = set()
        for registry in self._fetchers:
            cached = self.cached_index(registry)
            if cached is not None:
                names.update(cached.index.names())
        return tuple(sorted(names))

    def cached_versions(self, name: str) -> tuple[Version, ...]:
        """Versions of `name` in the first cached index that lists it, ascending; no network."""
        for registry in self._fetchers:
            cached = self.cached_index(registry)
            entry = None if cached is None else cached.index.get(name)
            if entry is not None:
                return tuple(v.version for v in entry.versions)
        return ()

    def cached_package(self, name: str, constraint: str | None = None) -> CachedPackage | None:
        """Metadata of the locked (else best matching) version of `name` if cached; no network.

        Raises `ConstraintError` for an unparsable constraint; never a network error.
        """
        pin = None if self.lock is None else self.lock.get(name)
        if pin is not None and pin.sha256:
            data = self.cache.get_blob(pin.sha256)
            if data is not None:
                meta = self._parse(data, pin.sha256, name)
                if meta is not None:
                    cached = (
                        self.cached_index(pin.registry) if pin.registry in self._fetchers else None
                    )
                    stale = cached is None or cached.stale
                    return CachedPackage(meta, pin.registry, pin.sha256, stale)
        wanted = parse_constraint(constraint or "*")
        for registry in self._fetchers:
            cached = self.cached_index(registry)
            entry = None if cached is None else cached.index.get(name)
            if cached is None or entry is None:
                continue
            chosen = self._choose(entry, wanted, pin.version if pin is not None else None)
            if chosen is None:
                return None
            data = self.cache.get_blob(chosen.sha256)
            meta = None if data is None else self._parse(data, chosen.sha256, name)
            return (
                None if meta is None else CachedPackage(meta, registry, chosen.sha256, cached.stale)
            )
        return None

    def _parse(self, data: bytes, sha256: str, name: str) -> PackageMetadata | None:
        meta = self._parsed.get(sha256)
        if meta is None:
            try:
                meta = parse_metadata(data, f"cached metadata of {name!r}")
            except RegistryRejected:
                return None
            if len(self._parsed) >= 4096:
                self._parsed.clear()
            self._parsed[sha256] = meta
        return meta

    @staticmethod
    def _choose(
        entry: IndexEntry, wanted: Constraint, pinned: Version | None
    ) -> VersionEntry | None:
        if pinned is not None:
            return entry.entry(pinned)
        best = wanted.best(v.version for v in entry.versions if not v.yanked)
        return None if best is None else entry.entry(best)

    # -- fetching --------------------------------------------------------------------------------

    def _task(
        self, key: str, factory: Callable[[], Coroutine[object, object, T]]
    ) -> asyncio.Task[T]:
        """The running task for `key`, or a new one from `factory`: one fetch per key at a time."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return cast("asyncio.Task[T]", task)

    async def index(self, registry: str, *, force: bool = False) -> CachedIndex:
        """The index of `registry`: cached while fresh (or offline), else fetched; on failure a
        servable stale copy (audited as a fallback), else the `RegistryError`."""
        fetcher = self._fetchers[registry]
        cached = self.cached_index(registry)
        if cached is not None and (fetcher.config.offline or (not force and not cached.stale)):
            return cached
        if fetcher.config.offline:
            raise RegistryUnavailable(
                f"registry {registry!r} is offline and its index is not cached"
            )
        url = join(fetcher.config.url, "index.json")
        try:
            source = f"index of {registry!r} ({safe_url(url)})"
            result = await asyncio.shield(
                self._task(
                    url, lambda: fetcher.get(url, lambda r: (parse_index(r.body, source), r.body))
                )
            )
        except RegistryError as exc:
            self._failed.add(registry)
            cached = self.cached_index(registry)
            if cached is None:
                raise
            self._fallback(registry, exc, cached)
            return cached
        if result is None:
            self._failed.add(registry)
            raise RegistryRejected(f"registry {registry!r} has no index at {safe_url(url)}")
        index, body = result
        ref = self.cache.put_ref(_index_key(fetcher.config), body)
        self._failed.discard(registry)
        fresh = CachedIndex(registry, index, ref.sha256, ref.fetched_at, False)
        self._indexes[registry] = fresh
        return fresh

    def _fallback(self, registry: str, exc: RegistryError, cached: CachedIndex) -> None:
        age = round(self._clock.wall() - cached.fetched_at, 3)
        log.info(
            "registry %r unavailable; serving its cached index (%.0fs old): %s", registry, age, exc
        )
        if self.audit is not None:
            self.audit.record(
                "fallback",
                self._fetchers[registry].policy.name,
                error_class="transient" if exc.is_transient else "permanent",
                registry=registry,
                reason="stale index",
                age_s=age,
                detail=f"{type(exc).__name__}: {exc}",
            )

    async def metadata(self, registry: str, name: str, entry: VersionEntry) -> PackageMetadata:
        """Metadata of one version: from the cache by sha256, else fetched and verified."""
        pin = None if self.lock is None else self.lock.get(name)
        if (
            pin is not None
            and pin.sha256
            and pin.version == entry.version
            and (pin.sha256 != entry.sha256)
        ):
            raise RegistryRejected(
                f"{name} {entry.version}: registry {registry!r} lists sha256 {entry.sha256[:12]}… "
                f"but parsercraft.lock pins {pin.sha256[:12]}…; the package changed after locking"
            )
        data = self.cache.get_blob(entry.sha256)
        if data is not None:
            meta = self._parse(data, entry.sha256, name)
            if meta is not None:
                return meta
        fetcher = self._fetchers[registry]
        if fetcher.config.offline:
            raise RegistryUnavailable(
                f"registry {registry!r} is offline and {name} {entry.version} is not cached"
            )
        url = join(fetcher.config.url, entry.path)

        def verify(response: Response) -> PackageMetadata:
            got = hashlib.sha256(response.body).hexdigest()
            if got != entry.sha256:
                raise RegistryRejected(
                    f"{name} {entry.version} from registry {registry!r} ({safe_url(url)}) has "
                    f"sha256 {got[:12]}…, but the index lists {entry.sha256[:12]}…; not cached"
                )
            meta = parse_metadata(response.body, f"{name} {entry.version} ({safe_url(url)})")
            if meta.name != name or meta.version != entry.version:
                raise RegistryRejected(
                    f"{safe_url(url)} describes {meta.name} {meta.version}, "
                    f"not {name} {entry.version}"
                )
            self.cache.put_blob(response.body)  # only after every check passed
            return meta

        result = await asyncio.shield(self._task(url, lambda: fetcher.get(url, verify)))
        if result is None:
            raise RegistryRejected(
                f"{name} {entry.version}: registry {registry!r} has no {safe_url(url)} (404)"
            )
        self._parsed[entry.sha256] = result
        return result

    async def package(self, name: str, constraint: str | None = None) -> CachedPackage:
        """The locked (else best matching) version of `name`, fetching what is missing.

        Raises `ResolutionError` for an unknown package or no matching version,
        `RegistryUnavailable` when no registry that might have it could answer.
        """
        wanted = parse_constraint(constraint or "*")
        pin = None if self.lock is None else self.lock.get(name)
        unavailable: list[RegistryError] = []
        for registry in self._fetchers:
            try:
                cached = await self.index(registry)
            except RegistryError as exc:
                unavailable.append(exc)
                continue
            entry = cached.index.get(name)
            if entry is None:
                continue
            chosen = self._choose(entry, wanted, pin.version if pin is not None else None)
            if chosen is None:
                available = ", ".join(str(v.version) for v in entry.versions) or "none"
                what = f"locked {pin.version}" if pin is not None else f"{wanted}"
                raise ResolutionError(
                    f"no version of {name!r} in registry {registry!r} satisfies {what} "
                    f"(available: {available})"
                )
            meta = await self.metadata(registry, name, chosen)
            return CachedPackage(meta, registry, chosen.sha256, cached.stale)
        searched = ", ".join(self._fetchers) or "none configured"
        raise_unreachable(f"package {name!r}", unavailable)
        raise ResolutionError(f"unknown package {name!r} (searched registries: {searched})")

    async def refresh(self, name: str | None = None) -> CachedPackage | None:
        """Refetch every index (and `name`'s metadata): for a background task; never raises a
        `RegistryError` (failures are kept for health and audited)."""
        for registry in self._fetchers:
            try:
                await self.index(registry, force=True)
            except RegistryError as exc:
                log.info("registry %r refresh failed: %s", registry, exc)
        if name is None:
            return None
        try:
            return await self.package(name)
        except RegistryError as exc:
            log.info("registry refresh of %r failed: %s", name, exc)
            return None

    def schedule_refresh(self, name: str | None = None) -> asyncio.Task[CachedPackage | None]:
        """Start `refresh(name)` in the background (one at a time per name); returns the task."""
        return self._task(f"refresh:{name}", lambda: self.refresh(name))

    # -- observing -------------------------------------------------------------------------------

    def health(self) -> tuple[RegistryHealth, ...]:
        """One record per registry; reads memory and one cache directory scan."""
        entries = self.cache.statistics().entries
        out = []
        for name, fetcher in self._fetchers.items():
            cached = self.cached_index(name)
            out.append(
                RegistryHealth(
                    name=name,
                    url=safe_url(fetcher.config.url),
                    offline=fetcher.config.offline,
                    breaker=fetcher.policy.statistics().breaker_state,
                    last_success_at=fetcher.last_success_at,
                    last_error=fetcher.last_error,
                    last_error_at=fetcher.last_error_at,
                    cache_entries=entries,
                    index_age_s=None
                    if cached is None
                    else max(0.0, self._clock.wall() - cached.fetched_at),
                    index_stale=cached is None or cached.stale,
                )
            )
        return tuple(out)

    async def aclose(self) -> None:
        """Cancel background refreshes and close every transport."""
        for task in list(self._inflight.values()):
            task.cancel()
        for fetcher in self._fetchers.values():
            await fetcher.transport.aclose()
