"""The state seam: breaker and limiter state behind small storage protocols.

In-memory stores are the only backend today. A shared backend (Redis, for a fleet of processes)
implements the same protocols, so breakers and limiters change without touching their callers.
"""

from __future__ import annotations

import threading
from typing import Protocol

import attrs

__all__ = [
    "BreakerSnapshot",
    "BreakerStore",
    "BucketStore",
    "InMemoryBreakerStore",
    "InMemoryBucketStore",
]


@attrs.frozen
class BreakerSnapshot:
    """The shared part of a breaker's state: which state, since when, and its generation."""

    state: str
    """One of closed, open, half_open, forced_open, disabled."""
    since: float
    """Monotonic time of the transition into `state`."""
    generation: int
    """Incremented on every transition; results of calls admitted earlier are ignored."""


class BreakerStore(Protocol):
    """Where breakers persist their state on every transition."""

    def load(self, name: str) -> BreakerSnapshot | None:
        """The last saved snapshot of breaker `name`, or None."""

    def save(self, name: str, snapshot: BreakerSnapshot) -> None:
        """Persist the snapshot of breaker `name` (called on each transition)."""


class InMemoryBreakerStore:
    """A process-local breaker store."""

    def __init__(self) -> None:
        self._snapshots: dict[str, BreakerSnapshot] = {}

    def load(self, name: str) -> BreakerSnapshot | None:
        """The last saved snapshot, or None."""
        return self._snapshots.get(name)

    def save(self, name: str, snapshot: BreakerSnapshot) -> None:
        """Keep the snapshot in memory."""
        self._snapshots[name] = snapshot


class BucketStore(Protocol):
    """Token buckets by key; `take` must be atomic for a shared backend."""

    def take(
        self, key: str, tokens: float, *, now: float, rate: float, burst: float, max_wait_s: float
    ) -> tuple[bool, float]:
        """Take `tokens` if they are refilled within `max_wait_s`; return (granted, wait_s).

        A grant with a positive wait is a reservation: the balance goes negative and the caller
        must wait `wait_s` before using the tokens. A refusal takes nothing.
        """

    def available(self, key: str, *, now: float, rate: float, burst: float) -> float:
        """The tokens in bucket `key` at time `now` (negative while reservations are pending)."""

    def put_back(self, key: str, tokens: float) -> None:
        """Return reserved tokens that will not be used."""

    def __len__(self) -> int:
        """How many buckets are held."""


class InMemoryBucketStore:
    """Process-local token buckets, at most `max_keys` of them (full buckets are evicted first)."""

    def __init__(self, max_keys: int = 10_000) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be >= 1, got {max_keys!r}")
        self._max_keys = max_keys
        # key -> [tokens, last refill time, burst]; a list so the hot path mutates in place.
        self._buckets: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many buckets are held."""
        return len(self._buckets)

    def _bucket(self, key: str, now: float, rate: float, burst: float) -> list[float]:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._evict(now, rate, burst)
            bucket = self._buckets[key] = [burst, now, burst]
            return bucket
        elapsed = now - bucket[1]
        if elapsed > 0:
            bucket[0] = min(burst, bucket[0] + elapsed * rate)
            bucket[1] = now
        return bucket

    def _evict(self, now: float, rate: float, burst: float) -> None:
        """Drop refilled buckets (lossless), else the oldest, to stay within `max_keys`."""
        full = [
            k
            for k, (tokens, last, _) in self._buckets.items()
            if tokens + (now - last) * rate >= burst
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            del self._buckets[next(iter(self._buckets))]

    def take(
        self, key: str, tokens: float, *, now: float, rate: float, burst: float, max_wait_s: float
    ) -> tuple[bool, float]:
        """Take or reserve `tokens` when refilled within `max_wait_s`; (granted, wait_s)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket[1] != now:
                bucket = self._bucket(key, now, rate, burst)
            balance = bucket[0] - tokens
            wait_s = 0.0 if balance >= 0 else -balance / rate
            if wait_s > max_wait_s:
                return False, wait_s
            bucket[0] = balance
        return True, wait_s

    def available(self, key: str, *, now: float, rate: float, burst: float) -> float:
        """The current balance of bucket `key`."""
        with self._lock:
            return self._bucket(key, now, rate, burst)[0]

    def put_back(self, key: str, tokens: float) -> None:
        """Return `tokens` to bucket `key` (ignored when the bucket was evicted)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket[0] = min(bucket[2], bucket[0] + tokens)
