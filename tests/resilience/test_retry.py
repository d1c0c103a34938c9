"""Retry: classification, attempts, elapsed time, Retry-After, the deadline and the budget."""

from __future__ import annotations

import pytest
from tenacity import stop_after_attempt, stop_before_delay, wait_fixed

from resilience import (
    BulkheadFull,
    FakeClock,
    RetriesExhausted,
    Retry,
    RetryAttempt,
    RetryBudget,
)


class UnavailableError(Exception):
    """A transient failure, by marker."""

    is_transient = True


class HttpError(Exception):
    """An HTTP failure carrying a status and an optional Retry-After."""

    def __init__(self, status: int, retry_after_s: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s


class Flaky:
    """Fails with the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        """Raise the next error, or return 'ok' once none is left."""
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_retries_transient_errors_until_success(auto_clock: FakeClock) -> None:
    """Transient failures are retried and the eventual value returned."""
    fn = Flaky(UnavailableError(), ConnectionResetError())
    retry = Retry("r", stop=stop_after_attempt(3), wait=wait_fixed(0.5), clock=auto_clock)
    assert await retry.call(fn) == "ok"
    assert fn.calls == 3
    assert auto_clock.monotonic() == 1.0


async def test_gives_up_after_max_attempts(auto_clock: FakeClock) -> None:
    """When attempts run out, RetriesExhausted carries the last error."""
    last = UnavailableError("third")
    fn = Flaky(UnavailableError(), UnavailableError(), last, UnavailableError())
    retry = Retry("r", stop=stop_after_attempt(3), wait=wait_fixed(0.1), clock=auto_clock)
    with pytest.raises(RetriesExhausted) as info:
        await retry.call(fn)
    assert info.value.last_error is last
    assert (info.value.attempts, fn.calls) == (3, 3)


async def test_gives_up_before_elapsed_limit(auto_clock: FakeClock) -> None:
    """No pause starts that would end past the elapsed-time bound."""
    fn = Flaky(*[UnavailableError() for _ in range(10)])
    retry = Retry(
        "r",
        stop=stop_after_attempt(10) | stop_before_delay(1.0),
        wait=wait_fixed(0.4),
        clock=auto_clock,
    )
    with pytest.raises(RetriesExhausted):
        await retry.call(fn)
    assert fn.calls == 3
    assert auto_clock.monotonic() == pytest.approx(0.8)


async def test_permanent_errors_are_not_retried(auto_clock: FakeClock) -> None:
    """An error that is not retryable is raised after one attempt."""
    fn = Flaky(HttpError(404))
    with pytest.raises(HttpError):
        await Retry("r", clock=auto_clock).call(fn)
    assert fn.calls == 1


async def test_rejections_are_never_retried(auto_clock: FakeClock) -> None:
    """A Rejected error is raised at once, even when `on` accepts it."""
    fn = Flaky(BulkheadFull("b", 1, 0))
    with pytest.raises(BulkheadFull):
        await Retry("r", on=Exception, clock=auto_clock).call(fn)
    assert fn.calls == 1


async def test_on_restricts_retries_to_listed_types(auto_clock: FakeClock) -> None:
    """Only the types listed in `on` are retried."""
    fn = Flaky(KeyError("x"), KeyError("y"))
    assert await Retry("r", on=KeyError, wait=wait_fixed(0), clock=auto_clock).call(fn) == "ok"
    with pytest.raises(ConnectionError):
        await Retry("r", on=KeyError, clock=auto_clock).call(Flaky(ConnectionError()))


async def test_retry_after_is_honoured(auto_clock: FakeClock) -> None:
    """A server's Retry-After lengthens the pause beyond the backoff."""
    fn = Flaky(HttpError(429, retry_after_s=3.0))
    retry = Retry("r", stop=stop_after_attempt(2), wait=wait_fixed(0.1), clock=auto_clock)
    assert await retry.call(fn) == "ok"
    assert auto_clock.monotonic() == 3.0


async def test_never_sleeps_past_the_deadline(auto_clock: FakeClock) -> None:
    """A pause that would end past `deadline_at` is not taken."""
    fn = Flaky(HttpError(503, retry_after_s=5.0))
    retry = Retry("r", stop=stop_after_attempt(5), clock=auto_clock)
    with pytest.raises(RetriesExhausted, match="pass the deadline"):
        await retry.call(fn, deadline_at=2.0)
    assert auto_clock.monotonic() == 0.0


async def test_budget_exhaustion_stops_retries(auto_clock: FakeClock) -> None:
    """Once the shared budget is spent, failures are no longer retried."""
    budget = RetryBudget(ratio=0.0, min_retries=2, window_s=10.0, clock=auto_clock)
    retry = Retry(
        "r", stop=stop_after_attempt(10), wait=wait_fixed(0), budget=budget, clock=auto_clock
    )
    fn = Flaky(*[UnavailableError() for _ in range(10)])
    with pytest.raises(RetriesExhausted, match="budget"):
        await retry.call(fn)
    assert fn.calls == 3
    assert budget.statistics().denied == 1


def test_budget_allows_a_fraction_of_recent_calls(auto_clock: FakeClock) -> None:
    """The budget allows `ratio` retries per call in its window, and refills as calls age out."""
    budget = RetryBudget(ratio=0.1, min_retries=0, window_s=10.0, clock=auto_clock)
    for _ in range(50):
        budget.on_call()
    assert sum(budget.try_spend() for _ in range(10)) == 5
    auto_clock.advance(11.0)
    for _ in range(10):
        budget.on_call()
    assert budget.try_spend()
    assert not budget.try_spend()


async def test_listeners_hear_each_retry(auto_clock: FakeClock) -> None:
    """Listeners get one event per retry with the attempt, error and pause."""
    seen: list[RetryAttempt] = []
    retry = Retry("r", wait=wait_fixed(0.25), clock=auto_clock)
    retry.add_listener(seen.append)
    await retry.call(Flaky(UnavailableError(), UnavailableError()))
    assert [(e.attempt, e.sleep_s) for e in seen] == [(1, 0.25), (2, 0.25)]
    stats = retry.statistics()
    assert (stats.calls, stats.retries, stats.exhausted) == (1, 2, 0)


async def test_default_wait_is_full_jitter_within_the_cap(auto_clock: FakeClock) -> None:
    """The default backoff pauses between zero and its cap."""
    seen: list[RetryAttempt] = []
    retry = Retry("r", stop=stop_after_attempt(5), clock=auto_clock)
    retry.add_listener(seen.append)
    await retry.call(Flaky(*[UnavailableError() for _ in range(4)]))
    assert all(0.0 <= e.sleep_s <= 1.0 for e in seen)


@pytest.mark.parametrize(
    ("ratio", "minimum", "window"), [(1.5, 1, 1.0), (0.1, -1, 1.0), (0.1, 1, 0)]
)
def test_invalid_budget_settings_are_refused(ratio: float, minimum: int, window: float) -> None:
    """Budget settings out of range are refused."""
    with pytest.raises(ValueError, match=r"ratio|min_retries|window_s"):
        RetryBudget(ratio=ratio, min_retries=minimum, window_s=window)
