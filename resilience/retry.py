"""Retry on tenacity's strategies, driven by the injected clock, with a shared retry budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar, TypeVarTuple

import attrs
import tenacity
from tenacity import stop_after_attempt, stop_before_delay, wait_random_exponential

from resilience.classify import is_retryable, retry_after_s
from resilience.clock import SYSTEM_CLOCK
from resilience.errors import Rejected, RetriesExhausted

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from tenacity.stop import StopBaseT
    from tenacity.wait import WaitBaseT

    from resilience.clock import Clock

__all__ = ["Retry", "RetryAttempt", "RetryBudget", "RetryBudgetStatistics", "RetryStatistics"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

RetryOn: TypeAlias = (
    type[BaseException] | tuple[type[BaseException], ...] | Callable[[BaseException], bool]
)

# tenacity's strategies read a RetryCallState, which needs a retrying object; this one is never run.
_CARRIER = tenacity.AsyncRetrying()


@attrs.frozen
class RetryBudgetStatistics:
    """A snapshot of a retry budget over its window."""

    ratio: float
    min_retries: int
    window_calls: int
    window_retries: int
    denied: int


class RetryBudget:
    """Allows at most `max(min_retries, ratio * calls)` retries over the last `window_s` seconds.

    Shared by every caller of a policy, so an outage cannot multiply the load on a dependency.
    """

    def __init__(
        self,
        *,
        ratio: float = 0.2,
        min_retries: int = 3,
        window_s: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        if not 0.0 <= ratio <= 1.0:
            raise ValueError(f"ratio must be in [0, 1], got {ratio!r}")
        if min_retries < 0:
            raise ValueError(f"min_retries must be >= 0, got {min_retries!r}")
        if window_s <= 0:
            raise ValueError(f"window_s must be > 0, got {window_s!r}")
        self.ratio = ratio
        self.min_retries = min_retries
        self._clock = clock or SYSTEM_CLOCK
        self._slots = 10
        self._slot_s = window_s / self._slots
        self._calls = [0] * self._slots
        self._retries = [0] * self._slots
        self._epochs = [-1] * self._slots
        self._denied = 0

    def _slot(self) -> int:
        epoch = int(self._clock.monotonic() / self._slot_s)
        i = epoch % self._slots
        if self._epochs[i] != epoch:
            self._epochs[i] = epoch
            self._calls[i] = self._retries[i] = 0
        return i

    def _totals(self) -> tuple[int, int]:
        epoch = int(self._clock.monotonic() / self._slot_s)
        calls = retries = 0
        for i in range(self._slots):
            if epoch - self._epochs[i] < self._slots:
                calls += self._calls[i]
                retries += self._retries[i]
        return calls, retries

    def on_call(self) -> None:
        """Count one first attempt."""
        self._calls[self._slot()] += 1

    def try_spend(self) -> bool:
        """Take one retry from the budget; False when it is spent."""
        calls, retries = self._totals()
        if retries >= max(self.min_retries, self.ratio * calls):
            self._denied += 1
            return False
        self._retries[self._slot()] += 1
        return True

    def statistics(self) -> RetryBudgetStatistics:
        """Calls, retries and denials over the window."""
        calls, retries = self._totals()
        return RetryBudgetStatistics(self.ratio, self.min_retries, calls, retries, self._denied)


@attrs.frozen
class RetryAttempt:
    """A failed attempt that is about to be retried after `sleep_s`."""

    retry: str
    attempt: int
    error: BaseException
    sleep_s: float


@attrs.frozen
class RetryStatistics:
    """Counters of a retry strategy."""

    name: str
    calls: int
    retries: int
    exhausted: int
    budget: RetryBudgetStatistics | None


def _predicate(on: RetryOn) -> Callable[[BaseException], bool]:
    if isinstance(on, type | tuple):
        types = on
        return lambda exc: isinstance(exc, types)
    return on


class Retry:
    """Retries what `on` accepts (never a `Rejected`), until `stop`, the deadline or the budget."""

    def __init__(
        self,
        name: str = "retry",
        *,
        on: RetryOn = is_retryable,
        stop: StopBaseT | None = None,
        wait: WaitBaseT | None = None,
        budget: RetryBudget | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self._on = _predicate(on)
        self.stop: StopBaseT = stop or (stop_after_attempt(3) | stop_before_delay(2.0))
        # Full jitter: sleep uniformly in [0, min(max, multiplier * 2**attempt)].
        self.wait: WaitBaseT = wait or wait_random_exponential(multiplier=0.1, max=1.0)
        self.budget = budget
        self._clock = clock or SYSTEM_CLOCK
        self._listeners: list[Callable[[RetryAttempt], object]] = []
        self._calls = 0
        self._retries = 0
        self._exhausted = 0

    def add_listener(self, listener: Callable[[RetryAttempt], object]) -> Callable[[], None]:
        """Call `listener` before each retry sleep; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def call(
        self,
        fn: Callable[[*Ts], Awaitable[T]],
        *args: *Ts,
        deadline_at: float | None = None,
    ) -> T:
        """Run `fn(*args)`, retrying; never sleeps past `deadline_at` (a monotonic time).

        Raises the error itself when it is not retryable, else `RetriesExhausted`.
        """
        clock = self._clock
        self._calls += 1
        if self.budget is not None:
            self.budget.on_call()
        state = tenacity.RetryCallState(_CARRIER, None, (), {})
        state.start_time = clock.monotonic()
        while True:
            try:
                return await fn(*args)
            except BaseException as exc:
                # Cancellation and exits pass through; so do rejections and what `on` refuses.
                if not isinstance(exc, Exception) or isinstance(exc, Rejected) or not self._on(exc):
                    raise
                state.set_exception((type(exc), exc, exc.__traceback__))
                state.outcome_timestamp = clock.monotonic()
                sleep_s = self.wait(state)
                server_wait = retry_after_s(exc)
                if server_wait is not None:
                    sleep_s = max(sleep_s, server_wait)
                state.upcoming_sleep = sleep_s
                why = self._give_up(state, sleep_s, deadline_at)
                if why is not None:
                    self._exhausted += 1
                    raise RetriesExhausted(self.name, state.attempt_number, exc, why) from exc
                self._retries += 1
                event = RetryAttempt(self.name, state.attempt_number, exc, sleep_s)
                for listener in tuple(self._listeners):
                    listener(event)
                state.idle_for += sleep_s
                state.prepare_for_next_attempt()
                await clock.sleep(sleep_s)

    def _give_up(
        self, state: tenacity.RetryCallState, sleep_s: float, deadline_at: float | None
    ) -> str | None:
        """Why not to retry, or None to retry."""
        if self.stop(state):
            return "stop condition reached"
        if deadline_at is not None and self._clock.monotonic() + sleep_s >= deadline_at:
            return f"a {sleep_s:.3f}s pause would pass the deadline"
        if self.budget is not None and not self.budget.try_spend():
            return "retry budget spent"
        return None

    def statistics(self) -> RetryStatistics:
        """Calls, retries, give-ups and the budget."""
        return RetryStatistics(
            name=self.name,
            calls=self._calls,
            retries=self._retries,
            exhausted=self._exhausted,
            budget=None if self.budget is None else self.budget.statistics(),
        )
