"""Circuit breaker: every transition, windows, slow calls, half-open admission, safety."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from resilience import (
    Breaker,
    BreakerState,
    CircuitOpen,
    FakeClock,
    InMemoryBreakerStore,
    Transition,
)


class BoomError(Exception):
    """A recorded failure."""


class IgnoredError(Exception):
    """A failure the breaker is told to ignore."""


def make(clock: FakeClock, **kwargs: object) -> Breaker:
    """A breaker with small, test-friendly defaults."""
    settings: dict[str, object] = {
        "minimum_calls": 4,
        "window_size": 4,
        "failure_rate_threshold": 0.5,
        "wait_duration_s": 10.0,
        "half_open_max_calls": 2,
    }
    settings.update(kwargs)
    return Breaker("b", clock=clock, **settings)  # type: ignore[arg-type]  # test kwargs


def feed(b: Breaker, results: str, duration_s: float = 0.0) -> None:
    """Record one call per character: `s` success, `f` failure."""
    for r in results:
        permit = b.acquire()
        if r == "s":
            b.on_success(permit, duration_s)
        else:
            b.on_error(permit, BoomError(), duration_s)


def test_starts_closed(clock: FakeClock) -> None:
    """A new breaker is closed and admits calls."""
    b = make(clock)
    assert b.state is BreakerState.CLOSED
    assert not b.is_open


def test_closed_to_open_on_failure_rate(clock: FakeClock) -> None:
    """Closed opens when the failure rate over a full window reaches the threshold."""
    b = make(clock)
    feed(b, "ssff")
    assert b.state is BreakerState.OPEN


def test_no_open_below_minimum_calls(clock: FakeClock) -> None:
    """Rates are not judged before the window holds the minimum number of calls."""
    b = make(clock, minimum_calls=4, window_size=10)
    feed(b, "fff")
    assert b.state is BreakerState.CLOSED
    feed(b, "f")
    assert b.state is BreakerState.OPEN


def test_stays_closed_below_threshold(clock: FakeClock) -> None:
    """A failure rate under the threshold keeps the breaker closed."""
    b = make(clock, failure_rate_threshold=0.5)
    feed(b, "sssf" * 5)
    assert b.state is BreakerState.CLOSED
    assert b.statistics().failure_rate == 0.25


def test_count_window_forgets_oldest_results(clock: FakeClock) -> None:
    """A count window holds only the last `window_size` results."""
    b = make(clock, minimum_calls=4, window_size=4, failure_rate_threshold=0.75)
    feed(b, "ff")
    feed(b, "ssss")  # the two failures slide out
    feed(b, "ff")
    stats = b.statistics()
    assert (stats.window_calls, stats.window_failures) == (4, 2)
    assert b.state is BreakerState.CLOSED


def test_consecutive_counting_would_miss_alternating_failures(clock: FakeClock) -> None:
    """A dependency failing every other call trips a 50% rate window."""
    b = make(clock, minimum_calls=10, window_size=10)
    feed(b, "sf" * 5)
    assert b.state is BreakerState.OPEN


def test_time_window_expires_old_seconds(clock: FakeClock) -> None:
    """A time window forgets calls older than its size in seconds."""
    b = make(clock, window_type="time", window_size=10, minimum_calls=4)
    feed(b, "fff")
    clock.advance(11.0)
    feed(b, "sf")
    stats = b.statistics()
    assert (stats.window_calls, stats.window_failures) == (2, 1)
    feed(b, "ff")
    assert b.state is BreakerState.OPEN


def test_time_window_counts_calls_within_window(clock: FakeClock) -> None:
    """Calls spread over the window all count."""
    b = make(clock, window_type="time", window_size=10, minimum_calls=4)
    for _ in range(4):
        feed(b, "f")
        clock.advance(2.0)
    assert b.state is BreakerState.OPEN


def test_opens_on_slow_call_rate(clock: FakeClock) -> None:
    """Successful but slow calls open the breaker at the slow-call rate threshold."""
    b = make(clock, slow_call_duration_s=1.0, slow_call_rate_threshold=0.75)
    feed(b, "ss", duration_s=0.1)
    feed(b, "ss", duration_s=2.0)
    assert b.state is BreakerState.CLOSED
    feed(b, "s", duration_s=2.0)
    assert b.state is BreakerState.OPEN


def test_open_rejects_at_once(clock: FakeClock) -> None:
    """An open breaker raises CircuitOpen without calling and counts the rejection."""
    b = make(clock)
    feed(b, "ffff")
    with pytest.raises(CircuitOpen, match="'b' is open"):
        b.acquire()
    assert b.statistics().not_permitted == 1


def test_open_to_half_open_after_wait(clock: FakeClock) -> None:
    """After the wait duration an open breaker reads as half-open."""
    b = make(clock)
    feed(b, "ffff")
    clock.advance(9.9)
    assert b.state is BreakerState.OPEN
    clock.advance(0.1)
    assert b.state is BreakerState.HALF_OPEN


def test_half_open_admits_bounded_trials(clock: FakeClock) -> None:
    """Half-open admits exactly `half_open_max_calls` trials and rejects the rest."""
    b = make(clock, half_open_max_calls=2)
    feed(b, "ffff")
    clock.advance(10.0)
    b.acquire()
    b.acquire()
    with pytest.raises(CircuitOpen, match="half_open"):
        b.acquire()


def test_half_open_to_closed_when_trials_pass(clock: FakeClock) -> None:
    """Successful trials close the breaker with a fresh window."""
    b = make(clock)
    feed(b, "ffff")
    clock.advance(10.0)
    feed(b, "ss")
    assert b.state is BreakerState.CLOSED
    assert b.statistics().window_calls == 0


def test_half_open_to_open_when_trials_fail(clock: FakeClock) -> None:
    """Failing trials reopen the breaker for another wait."""
    b = make(clock)
    feed(b, "ffff")
    clock.advance(10.0)
    feed(b, "sf")
    assert b.state is BreakerState.OPEN
    clock.advance(9.0)
    assert b.state is BreakerState.OPEN


def test_half_open_reopens_on_slow_trials(clock: FakeClock) -> None:
    """Slow trial calls reopen the breaker."""
    b = make(clock, slow_call_duration_s=1.0, slow_call_rate_threshold=0.5)
    feed(b, "ffff")
    clock.advance(10.0)
    feed(b, "ss", duration_s=5.0)
    assert b.state is BreakerState.OPEN


def test_released_trial_permit_is_reusable(clock: FakeClock) -> None:
    """A trial that ends without a result gives its permit back."""
    b = make(clock, half_open_max_calls=1)
    feed(b, "ffff")
    clock.advance(10.0)
    permit = b.acquire()
    b.release(permit)
    b.on_success(b.acquire(), 0.0)
    assert b.state is BreakerState.CLOSED


async def test_half_open_admits_exactly_n_of_100_concurrent_callers(clock: FakeClock) -> None:
    """With 100 concurrent callers in half-open, exactly the configured number run."""
    b = make(clock, half_open_max_calls=3)
    feed(b, "ffff")
    clock.advance(10.0)
    gate = asyncio.Event()
    started = 0

    async def trial() -> str:
        nonlocal started
        started += 1
        await gate.wait()
        return "ran"

    tasks = [asyncio.create_task(b.call(trial)) for _ in range(100)]
    await asyncio.sleep(0)
    assert started == 3
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert sum(r == "ran" for r in results) == 3
    assert sum(isinstance(r, CircuitOpen) for r in results) == 97
    assert b.state is BreakerState.CLOSED


def test_half_open_admits_exactly_n_of_100_threads(clock: FakeClock) -> None:
    """With 100 threads racing in half-open, exactly the configured number get a permit."""
    b = make(clock, half_open_max_calls=5)
    feed(b, "ffff")
    clock.advance(10.0)
    barrier = threading.Barrier(100)

    def race() -> bool:
        barrier.wait()
        try:
            b.acquire()
        except CircuitOpen:
            return False
        return True

    with ThreadPoolExecutor(max_workers=100) as pool:
        admitted = sum(pool.map(lambda _: race(), range(100)))
    assert admitted == 5


def test_force_open_rejects_until_reset(clock: FakeClock) -> None:
    """Forced open rejects every call, never half-opens, and reset closes it."""
    b = make(clock)
    b.force_open()
    assert b.state is BreakerState.FORCED_OPEN and b.is_open
    clock.advance(1000.0)
    with pytest.raises(CircuitOpen, match="forced_open"):
        b.acquire()
    b.reset()
    assert b.state is BreakerState.CLOSED
    b.acquire()


def test_disabled_admits_everything_and_records_nothing(clock: FakeClock) -> None:
    """A disabled breaker admits every call and never opens."""
    b = make(clock)
    b.disable()
    feed(b, "f" * 20)
    assert b.state is BreakerState.DISABLED
    assert b.statistics().window_calls == 0
    b.reset()
    assert b.state is BreakerState.CLOSED


def test_reset_from_open_closes_and_clears(clock: FakeClock) -> None:
    """Reset moves an open breaker to closed with an empty window."""
    b = make(clock)
    feed(b, "ffff")
    b.reset()
    assert b.state is BreakerState.CLOSED
    assert b.statistics().window_calls == 0


def test_ignored_exceptions_do_not_count(clock: FakeClock) -> None:
    """Exceptions of an ignored type neither fail nor succeed."""
    b = make(clock, ignore_on=(IgnoredError,))
    for _ in range(10):
        b.on_error(b.acquire(), IgnoredError(), 0.0)
    assert b.statistics().window_calls == 0


def test_unrecorded_exceptions_count_as_success(clock: FakeClock) -> None:
    """Exceptions outside `record_on` count as successful calls."""
    b = make(clock, record_on=(BoomError,))
    for _ in range(4):
        b.on_error(b.acquire(), KeyError("x"), 0.0)
    stats = b.statistics()
    assert (stats.window_calls, stats.window_failures) == (4, 0)


def test_stale_permit_results_are_ignored(clock: FakeClock) -> None:
    """A call admitted before a transition does not count after it."""
    b = make(clock)
    stale = b.acquire()
    feed(b, "ffff")
    clock.advance(10.0)
    assert b.state is BreakerState.HALF_OPEN
    b.on_error(stale, BoomError(), 0.0)
    assert b.state is BreakerState.HALF_OPEN


def test_listeners_hear_every_transition(clock: FakeClock) -> None:
    """Listeners get each transition with old state, new state and reason; removal works."""
    b = make(clock)
    seen: list[Transition] = []
    remove = b.add_listener(seen.append)
    feed(b, "ffff")
    clock.advance(10.0)
    feed(b, "ss")
    b.force_open()
    b.disable()
    b.reset()
    remove()
    b.force_open()
    assert [(t.old.value, t.new.value) for t in seen] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
        ("closed", "forced_open"),
        ("forced_open", "disabled"),
        ("disabled", "closed"),
    ]
    assert "failure rate 4/4" in seen[0].reason


async def test_call_records_success_and_failure(clock: FakeClock) -> None:
    """`call` runs the function, records its result and re-raises its error."""
    b = make(clock)

    async def ok() -> int:
        return 7

    async def bad() -> int:
        raise BoomError

    assert await b.call(ok) == 7
    with pytest.raises(BoomError):
        await b.call(bad)
    stats = b.statistics()
    assert (stats.window_calls, stats.window_failures) == (2, 1)


def test_state_survives_in_the_store(clock: FakeClock) -> None:
    """A breaker built on a store restores the state saved by the previous one."""
    store = InMemoryBreakerStore()
    first = Breaker("shared", minimum_calls=1, window_size=1, clock=clock, store=store)
    feed(first, "f")
    second = Breaker("shared", clock=clock, store=store)
    assert second.state is BreakerState.OPEN


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("failure_rate_threshold", 0.0),
        ("slow_call_rate_threshold", 1.5),
        ("minimum_calls", 0),
        ("window_size", 0),
        ("half_open_max_calls", 0),
        ("wait_duration_s", -1.0),
    ],
)
def test_invalid_settings_are_refused(clock: FakeClock, field: str, value: float) -> None:
    """Out-of-range settings raise ValueError naming the field."""
    with pytest.raises(ValueError, match=field):
        Breaker("b", clock=clock, **{field: value})  # type: ignore[arg-type]  # test kwargs


def test_concurrent_recording_from_threads_loses_nothing(clock: FakeClock) -> None:
    """Results recorded from many threads at once are all counted."""
    b = make(clock, minimum_calls=100_000, window_size=10_000)

    def record() -> None:
        for _ in range(1000):
            b.on_success(b.acquire(), 0.0)

    threads = [threading.Thread(target=record) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert b.statistics().window_calls == 8000
