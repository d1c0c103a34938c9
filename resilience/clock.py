"""The `Clock` seam: every layer reads time, sleeps and arms timers through it."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SYSTEM_CLOCK", "Clock", "FakeClock", "SystemClock", "TimerHandle"]


class TimerHandle(Protocol):
    """A timer armed with `Clock.call_later`."""

    def cancel(self) -> None:
        """Disarm the timer; cancelling a fired or cancelled timer does nothing."""


class Clock(Protocol):
    """Monotonic time, wall time, sleeping and timers; `FakeClock` in tests."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""

    def wall(self) -> float:
        """Seconds since the Unix epoch, for timestamps only."""

    async def sleep(self, delay_s: float) -> None:
        """Suspend the calling task for `delay_s` seconds of this clock."""

    def call_later(self, delay_s: float, callback: Callable[[], object]) -> TimerHandle:
        """Run `callback` on the event loop after `delay_s` seconds of this clock."""


class SystemClock:
    """The real clock: `time.monotonic` and the running event loop's timers."""

    monotonic = staticmethod(time.monotonic)
    """Seconds from `time.monotonic` (bound directly: it is called several times per call)."""

    def wall(self) -> float:
        """Seconds since the Unix epoch."""
        return time.time_ns() / 1e9

    async def sleep(self, delay_s: float) -> None:
        """Sleep on the running event loop."""
        await asyncio.sleep(delay_s)

    def call_later(self, delay_s: float, callback: Callable[[], object]) -> TimerHandle:
        """Arm a timer on the running event loop (its time is also monotonic)."""
        return asyncio.get_running_loop().call_later(delay_s, callback)


SYSTEM_CLOCK: Clock = SystemClock()
"""The shared real clock, used when a layer is given no clock."""


class _FakeTimer:
    """A timer of a `FakeClock`."""

    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Disarm the timer."""
        self.cancelled = True


class FakeClock:
    """A clock that moves only when told to: `advance`, or each `sleep` when `auto_advance`."""

    def __init__(
        self, start: float = 0.0, *, wall_start: float = 1.7e9, auto_advance: bool = False
    ):
        self._now = start
        self._wall_offset = wall_start - start
        self.auto_advance = auto_advance
        self._timers: list[tuple[float, int, _FakeTimer]] = []
        self._order = itertools.count()
        self._sleepers = 0
        self._sleeper_waiters: list[tuple[int, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        """The fake monotonic time."""
        return self._now

    def wall(self) -> float:
        """The fake wall time: `wall_start` plus the time advanced so far."""
        return self._now + self._wall_offset

    @property
    def sleepers(self) -> int:
        """How many tasks are inside `sleep` right now."""
        return self._sleepers

    def call_later(self, delay_s: float, callback: Callable[[], object]) -> TimerHandle:
        """Arm a timer that fires when the clock is advanced past it."""
        timer = _FakeTimer(self._now + max(0.0, delay_s), callback)
        heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer

    def advance(self, delay_s: float) -> None:
        """Move time forward by `delay_s`, firing every due timer in time order."""
        if delay_s < 0:
            raise ValueError(f"cannot advance a clock by {delay_s!r}s")
        target = self._now + delay_s
        while self._timers and self._timers[0][0] <= target:
            when, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, when)
            if not timer.cancelled:
                timer.callback()
        self._now = target

    async def sleep(self, delay_s: float) -> None:
        """Wait until the clock passes `delay_s` from now; `auto_advance` jumps timer to timer."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        timer = self.call_later(delay_s, wake)
        self._sleepers += 1
        self._wake_sleeper_waiters()
        try:
            while self.auto_advance and not future.done():
                # Jump to the next timer only: one that cancels this task (a deadline) must
                # leave the clock at its own time, not at the end of this sleep.
                self.advance(max(0.0, self._timers[0][0] - self._now))
                await asyncio.sleep(0)
            await future
        finally:
            timer.cancel()
            self._sleepers -= 1

    async def wait_for_sleepers(self, count: int = 1) -> None:
        """Return once at least `count` tasks are inside `sleep`."""
        if self._sleepers >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleeper_waiters.append((count, future))
        await future

    def _wake_sleeper_waiters(self) -> None:
        """Resolve `wait_for_sleepers` calls whose count is reached."""
        still: list[tuple[int, asyncio.Future[None]]] = []
        for count, future in self._sleeper_waiters:
            if self._sleepers >= count:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((count, future))
        self._sleeper_waiters = still
