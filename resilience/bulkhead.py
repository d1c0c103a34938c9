"""Bulkhead: at most `max_concurrent` calls at once, at most `max_wait` callers queued."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, TypeVar, TypeVarTuple

import attrs

from resilience.errors import BulkheadFull

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["Bulkhead", "BulkheadStatistics"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@attrs.frozen
class BulkheadStatistics:
    """A snapshot of a bulkhead: occupancy and counters."""

    name: str
    max_concurrent: int
    max_wait: int
    active: int
    waiting: int
    admitted: int
    rejected: int


class Bulkhead:
    """Limits concurrent calls on one event loop; a full queue rejects at once with `BulkheadFull`.

    Waiters are admitted in arrival order. Waiting is bounded by the caller: a policy's deadline,
    or cancellation, removes a waiter without leaking its slot.
    """

    def __init__(self, name: str = "bulkhead", *, max_concurrent: int, max_wait: int = 0) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent!r}")
        if max_wait < 0:
            raise ValueError(f"max_wait must be >= 0, got {max_wait!r}")
        self.name = name
        self.max_concurrent = max_concurrent
        self.max_wait = max_wait
        self._active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._admitted = 0
        self._rejected = 0

    def try_enter(self) -> bool:
        """Take a slot if one is free and nobody is queued; never waits."""
        if self._active < self.max_concurrent and not self._waiters:
            self._active += 1
            self._admitted += 1
            return True
        return False

    async def enter(self) -> None:
        """Take a slot, queueing if allowed; raises `BulkheadFull` when the queue is full."""
        if self.try_enter():
            return
        if len(self._waiters) >= self.max_wait:
            self._rejected += 1
            raise BulkheadFull(self.name, self.max_concurrent, self.max_wait)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # the slot was handed over just as we were cancelled
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        self._admitted += 1

    def leave(self) -> None:
        """Free a slot, handing it straight to the oldest waiter."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes over; `_active` is unchanged
                return
        self._active -= 1

    async def call(self, fn: Callable[[*Ts], Awaitable[T]], *args: *Ts) -> T:
        """Run `fn(*args)` inside a slot."""
        await self.enter()
        try:
            return await fn(*args)
        finally:
            self.leave()

    def statistics(self) -> BulkheadStatistics:
        """Current occupancy and counters."""
        return BulkheadStatistics(
            name=self.name,
            max_concurrent=self.max_concurrent,
            max_wait=self.max_wait,
            active=self._active,
            waiting=len(self._waiters),
            admitted=self._admitted,
            rejected=self._rejected,
        )
