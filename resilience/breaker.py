"""Circuit breaker: closed, open, half-open, forced-open and disabled, on failure and slow rates."""

from __future__ import annotations

import math
import threading
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, TypeVar, TypeVarTuple

import attrs

from resilience.clock import SYSTEM_CLOCK
from resilience.errors import CircuitOpen
from resilience.store import BreakerSnapshot, InMemoryBreakerStore
from resilience.window import FAILED, SLOW, CountWindow, TimeWindow

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from resilience.clock import Clock
    from resilience.store import BreakerStore
    from resilience.window import Window

__all__ = ["Breaker", "BreakerState", "BreakerStatistics", "Transition"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class BreakerState(StrEnum):
    """The five states of a breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"
    FORCED_OPEN = "forced_open"
    DISABLED = "disabled"


@attrs.frozen
class Transition:
    """A breaker changed state."""

    breaker: str
    old: BreakerState
    new: BreakerState
    reason: str
    at: float


@attrs.frozen
class BreakerStatistics:
    """A snapshot of a breaker: state, window rates and counters."""

    name: str
    state: BreakerState
    window_calls: int
    window_failures: int
    window_slow: int
    failure_rate: float
    slow_call_rate: float
    not_permitted: int
    transitions: int
    half_open_permits_left: int


class Breaker:
    """A thread- and task-safe circuit breaker; its lock is never held during the call."""

    def __init__(
        self,
        name: str = "breaker",
        *,
        failure_rate_threshold: float = 0.5,
        minimum_calls: int = 10,
        window_size: int = 20,
        window_type: Literal["count", "time"] = "count",
        wait_duration_s: float = 5.0,
        half_open_max_calls: int = 2,
        slow_call_duration_s: float | None = None,
        slow_call_rate_threshold: float = 1.0,
        record_on: tuple[type[BaseException], ...] = (Exception,),
        ignore_on: tuple[type[BaseException], ...] = (),
        clock: Clock | None = None,
        store: BreakerStore | None = None,
    ) -> None:
        if not 0.0 < failure_rate_threshold <= 1.0:
            raise ValueError(
                f"failure_rate_threshold must be in (0, 1], got {failure_rate_threshold!r}"
            )
        if not 0.0 < slow_call_rate_threshold <= 1.0:
            raise ValueError(
                f"slow_call_rate_threshold must be in (0, 1], got {slow_call_rate_threshold!r}"
            )
        for field, value in (
            ("minimum_calls", minimum_calls),
            ("window_size", window_size),
            ("half_open_max_calls", half_open_max_calls),
        ):
            if value < 1:
                raise ValueError(f"{field} must be >= 1, got {value!r}")
        if wait_duration_s < 0:
            raise ValueError(f"wait_duration_s must be >= 0, got {wait_duration_s!r}")
        self.name = name
        self.failure_rate_threshold = failure_rate_threshold
        self.slow_call_rate_threshold = slow_call_rate_threshold
        self.slow_call_duration_s = (
            math.inf if slow_call_duration_s is None else slow_call_duration_s
        )
        # A count window can never hold more than `window_size` calls.
        self.minimum_calls = (
            minimum_calls if window_type == "time" else min(minimum_calls, window_size)
        )
        self.wait_duration_s = wait_duration_s
        self.half_open_max_calls = half_open_max_calls
        self.record_on = record_on
        self.ignore_on = ignore_on
        self._clock = clock or SYSTEM_CLOCK
        self._store = store or InMemoryBreakerStore()
        self._window: Window = (
            CountWindow(window_size) if window_type == "count" else TimeWindow(window_size)
        )
        self._timed = window_type == "time"
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Transition], object]] = []
        self._not_permitted = 0
        self._transitions = 0
        self._permits = 0
        self._trials = [0, 0, 0]  # half-open results: calls, failures, slow
        saved = self._store.load(name)
        if saved is None:
            self._state, self._since, self._generation = (
                BreakerState.CLOSED,
                self._clock.monotonic(),
                0,
            )
        else:
            self._state, self._since = BreakerState(saved.state), saved.since
            self._generation = saved.generation
            if self._state is BreakerState.HALF_OPEN:
                self._permits = half_open_max_calls

    # -- state -----------------------------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose wait is over reads as half-open)."""
        if self._state is BreakerState.OPEN:
            self._emit(self._maybe_half_open())
        return self._state

    @property
    def is_open(self) -> bool:
        """True when the breaker rejects every call (open or forced open)."""
        return self.state in (BreakerState.OPEN, BreakerState.FORCED_OPEN)

    def add_listener(self, listener: Callable[[Transition], object]) -> Callable[[], None]:
        """Call `listener` after every transition; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def force_open(self) -> None:
        """Reject every call until `reset`."""
        with self._lock:
            t = self._transition(BreakerState.FORCED_OPEN, "forced open")
        self._emit(t)

    def disable(self) -> None:
        """Admit every call and record nothing until `reset`."""
        with self._lock:
            t = self._transition(BreakerState.DISABLED, "disabled")
        self._emit(t)

    def reset(self) -> None:
        """Close the breaker and forget the window."""
        with self._lock:
            self._window.clear()
            t = self._transition(BreakerState.CLOSED, "reset")
        self._emit(t)

    def _transition(self, new: BreakerState, reason: str) -> Transition | None:
        """Move to `new` (lock held); the caller emits the returned transition after unlocking."""
        old = self._state
        if old is new:
            return None
        now = self._clock.monotonic()
        self._state, self._since = new, now
        self._generation += 1  # after the state: see `acquire`
        self._transitions += 1
        if new is BreakerState.HALF_OPEN:
            self._permits = self.half_open_max_calls
            self._trials = [0, 0, 0]
        elif new is BreakerState.CLOSED:
            self._window.clear()
        self._store.save(self.name, BreakerSnapshot(new.value, now, self._generation))
        return Transition(self.name, old, new, reason, now)

    def _emit(self, transition: Transition | None) -> None:
        if transition is not None:
            for listener in tuple(self._listeners):
                listener(transition)

    def _maybe_half_open(self) -> Transition | None:
        with self._lock:
            if (
                self._state is BreakerState.OPEN
                and self._clock.monotonic() - self._since >= self.wait_duration_s
            ):
                return self._transition(
                    BreakerState.HALF_OPEN, f"open for {self.wait_duration_s:g}s; admitting trials"
                )
        return None

    # -- admission -------------------------------------------------------------------------------

    def acquire(self) -> int:
        """Admit one call and return its permit, or raise `CircuitOpen` at once."""
        # Lock-free fast path. The generation is read before the state and a transition writes
        # the state before the generation, so a racing transition yields a stale permit, whose
        # result is ignored, and never a half-open permit taken without the lock.
        generation = self._generation
        state = self._state
        if state is BreakerState.CLOSED or state is BreakerState.DISABLED:
            return generation
        if state is BreakerState.FORCED_OPEN or (
            state is BreakerState.OPEN
            and self._clock.monotonic() - self._since < self.wait_duration_s
        ):
            # Lock-free rejection: an open breaker must cost its callers next to nothing. The
            # counter is a statistic; a rare lost increment between threads is acceptable.
            self._not_permitted += 1
            raise CircuitOpen(self.name, state)
        transition = None
        with self._lock:
            if (
                self._state is BreakerState.OPEN
                and self._clock.monotonic() - self._since >= self.wait_duration_s
            ):
                transition = self._transition(
                    BreakerState.HALF_OPEN, f"open for {self.wait_duration_s:g}s; admitting trials"
                )
            state = self._state
            if state is BreakerState.HALF_OPEN and self._permits > 0:
                self._permits -= 1
                permit: int | None = self._generation
            elif state is BreakerState.CLOSED or state is BreakerState.DISABLED:
                permit = self._generation
            else:
                self._not_permitted += 1
                permit = None
        self._emit(transition)
        if permit is None:
            raise CircuitOpen(self.name, state)
        return permit

    def on_success(self, permit: int, duration_s: float) -> None:
        """Record a successful call admitted with `permit`."""
        self._record(permit, SLOW if duration_s >= self.slow_call_duration_s else 0)

    def on_error(self, permit: int, error: BaseException, duration_s: float) -> None:
        """Record a failed call: ignored types release, recorded types fail, others succeed."""
        if isinstance(error, self.ignore_on) or not isinstance(error, Exception):
            self.release(permit)
            return
        failed = FAILED if isinstance(error, self.record_on) else 0
        self._record(permit, failed | (SLOW if duration_s >= self.slow_call_duration_s else 0))

    def release(self, permit: int) -> None:
        """Give back a permit whose call produced no result (cancelled or ignored)."""
        with self._lock:
            if permit == self._generation and self._state is BreakerState.HALF_OPEN:
                self._permits = min(self.half_open_max_calls, self._permits + 1)

    def _record(self, permit: int, code: int) -> None:
        transition = None
        with self._lock:
            if permit != self._generation:
                return  # admitted before the last transition: it says nothing about now
            state = self._state
            if state is BreakerState.CLOSED:
                now = self._clock.monotonic() if self._timed else 0.0  # count windows ignore it
                calls, failures, slow = self._window.record(code, now)
                # In a count window a fast success cannot raise either rate, so once the
                # previous result was judged (calls > minimum) there is nothing to judge.
                if calls >= self.minimum_calls and (
                    code or self._timed or calls == self.minimum_calls
                ):
                    transition = self._judge(calls, failures, slow)
            elif state is BreakerState.HALF_OPEN:
                trials = self._trials
                trials[0] += 1
                trials[1] += code & FAILED
                trials[2] += (code & SLOW) >> 1
                if trials[0] >= self.half_open_max_calls:
                    transition = self._judge(trials[0], trials[1], trials[2]) or self._transition(
                        BreakerState.CLOSED, f"{trials[0]} trial call(s) passed"
                    )
        self._emit(transition)

    def _judge(self, calls: int, failures: int, slow: int) -> Transition | None:
        """Open when the failure or slow-call rate over `calls` reaches its threshold."""
        if failures / calls >= self.failure_rate_threshold:
            return self._transition(
                BreakerState.OPEN,
                f"failure rate {failures}/{calls} >= {self.failure_rate_threshold:g}",
            )
        if slow / calls >= self.slow_call_rate_threshold:
            return self._transition(
                BreakerState.OPEN,
                f"slow-call rate {slow}/{calls} >= {self.slow_call_rate_threshold:g} "
                f"(slower than {self.slow_call_duration_s:g}s)",
            )
        return None

    async def call(self, fn: Callable[[*Ts], Awaitable[T]], *args: *Ts) -> T:
        """Run `fn(*args)` through the breaker; raises `CircuitOpen` when not admitted."""
        permit = self.acquire()
        clock = self._clock
        start = clock.monotonic()
        try:
            result = await fn(*args)
        except BaseException as exc:
            self.on_error(permit, exc, clock.monotonic() - start)
            raise
        self.on_success(permit, clock.monotonic() - start)
        return result

    def statistics(self) -> BreakerStatistics:
        """The current state, window counts and rates."""
        state = self.state
        with self._lock:
            calls, failures, slow = self._window.counts(self._clock.monotonic())
            return BreakerStatistics(
                name=self.name,
                state=state,
                window_calls=calls,
                window_failures=failures,
                window_slow=slow,
                failure_rate=failures / calls if calls else 0.0,
                slow_call_rate=slow / calls if calls else 0.0,
                not_permitted=self._not_permitted,
                transitions=self._transitions,
                half_open_permits_left=self._permits if state is BreakerState.HALF_OPEN else 0,
            )
