"""Rate limiter: a token bucket per key (rate per second, burst), over a `BucketStore`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from resilience.clock import SYSTEM_CLOCK
from resilience.errors import RateLimited
from resilience.store import InMemoryBucketStore

if TYPE_CHECKING:
    from resilience.clock import Clock
    from resilience.store import BucketStore

__all__ = ["LimiterStatistics", "RateLimiter"]


@attrs.frozen
class LimiterStatistics:
    """A snapshot of a rate limiter: settings and counters."""

    name: str
    rate: float
    burst: float
    granted: int
    rejected: int
    waited: int
    keys: int


class RateLimiter:
    """Grants at most `burst + rate * elapsed` tokens per key over any stretch of time."""

    def __init__(
        self,
        name: str = "limiter",
        *,
        rate: float,
        burst: float | None = None,
        max_wait_s: float = 0.0,
        clock: Clock | None = None,
        store: BucketStore | None = None,
    ) -> None:
        burst = rate if burst is None else burst
        if rate <= 0:
            raise ValueError(f"rate must be > 0, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst!r}")
        if max_wait_s < 0:
            raise ValueError(f"max_wait_s must be >= 0, got {max_wait_s!r}")
        self.name = name
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_wait_s = max_wait_s
        self._clock = clock or SYSTEM_CLOCK
        self._store = store or InMemoryBucketStore()
        self._granted = 0
        self._rejected = 0
        self._waited = 0

    def try_acquire(self, key: str = "", tokens: float = 1.0, *, now: float | None = None) -> bool:
        """Take `tokens` from bucket `key` if there at `now` (None: the clock's); never waits."""
        granted, _ = self._store.take(
            key,
            tokens,
            now=self._clock.monotonic() if now is None else now,
            rate=self.rate,
            burst=self.burst,
            max_wait_s=0.0,
        )
        if granted:
            self._granted += 1
        else:
            self._rejected += 1
        return granted

    async def acquire(
        self, key: str = "", tokens: float = 1.0, *, max_wait_s: float | None = None
    ) -> None:
        """Take `tokens`, waiting up to `max_wait_s` (None: the limiter's), else `RateLimited`."""
        limit = self.max_wait_s if max_wait_s is None else max_wait_s
        granted, wait_s = self._store.take(
            key,
            tokens,
            now=self._clock.monotonic(),
            rate=self.rate,
            burst=self.burst,
            max_wait_s=limit,
        )
        if not granted:
            self._rejected += 1
            raise RateLimited(self.name, key, wait_s)
        if wait_s > 0:
            self._waited += 1
            try:
                await self._clock.sleep(wait_s)
            except BaseException:
                self._store.put_back(key, tokens)  # cancelled while waiting: free the reservation
                raise
        self._granted += 1

    def available(self, key: str = "") -> float:
        """Tokens in bucket `key` now (negative while reservations are pending)."""
        return self._store.available(
            key, now=self._clock.monotonic(), rate=self.rate, burst=self.burst
        )

    def statistics(self) -> LimiterStatistics:
        """Settings and counters."""
        return LimiterStatistics(
            name=self.name,
            rate=self.rate,
            burst=self.burst,
            granted=self._granted,
            rejected=self._rejected,
            waited=self._waited,
            keys=len(self._store),
        )
