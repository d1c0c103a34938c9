"""Properties of the resilience primitives, checked with hypothesis on a fake clock."""

from __future__ import annotations

import asyncio
import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st
from tenacity import stop_after_attempt, wait_fixed

from resilience import (
    Breaker,
    BreakerState,
    CircuitOpen,
    FakeClock,
    Policy,
    RateLimiter,
    RetriesExhausted,
    Retry,
)

SETTINGS = settings(max_examples=150, deadline=None)


class UnavailableError(Exception):
    """A transient failure."""

    is_transient = True


@SETTINGS
@given(
    results=st.lists(st.booleans(), min_size=1, max_size=60),
    steps=st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=1, max_size=30),
    window=st.integers(min_value=1, max_value=10),
)
def test_an_open_breaker_admits_nothing(
    results: list[bool], steps: list[float], window: int
) -> None:
    """Whenever a breaker reads open or forced open, acquire raises CircuitOpen."""
    clock = FakeClock()
    b = Breaker("b", minimum_calls=window, window_size=window, wait_duration_s=5.0, clock=clock)
    for i, failed in enumerate(results):
        if i == len(results) // 2 and failed:
            b.force_open()
        if b.state in (BreakerState.OPEN, BreakerState.FORCED_OPEN):
            try:
                b.acquire()
            except CircuitOpen:
                pass
            else:
                raise AssertionError("an open breaker admitted a call")
            clock.advance(steps[i % len(steps)])
            continue
        try:
            permit = b.acquire()
        except CircuitOpen:
            continue
        if failed:
            b.on_error(permit, UnavailableError(), 0.0)
        else:
            b.on_success(permit, 0.0)


@SETTINGS
@given(
    max_attempts=st.integers(min_value=1, max_value=8),
    failures=st.integers(min_value=0, max_value=12),
    pause=st.floats(min_value=0.0, max_value=2.0),
    retry_after=st.one_of(st.none(), st.floats(min_value=0.0, max_value=3.0)),
    deadline=st.floats(min_value=0.01, max_value=10.0),
)
def test_a_retry_never_exceeds_its_attempts_or_its_deadline(
    max_attempts: int, failures: int, pause: float, retry_after: float | None, deadline: float
) -> None:
    """Attempts never exceed the maximum and no pause ends past the deadline."""
    clock = FakeClock(auto_advance=True)
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls <= failures:
            error = UnavailableError()
            error.retry_after_s = retry_after  # type: ignore[attr-defined]  # Retry-After
            raise error
        return "ok"

    retry = Retry("r", stop=stop_after_attempt(max_attempts), wait=wait_fixed(pause), clock=clock)

    async def run() -> None:
        with contextlib.suppress(RetriesExhausted):
            await retry.call(flaky, deadline_at=deadline)

    asyncio.run(run())
    assert 1 <= calls <= max_attempts
    assert clock.monotonic() < deadline or calls == 1


@SETTINGS
@given(
    max_attempts=st.integers(min_value=1, max_value=6),
    attempt_s=st.floats(min_value=0.0, max_value=1.0),
    pause=st.floats(min_value=0.0, max_value=1.0),
    deadline=st.floats(min_value=0.05, max_value=3.0),
)
def test_a_policy_with_retry_ends_by_its_deadline(
    max_attempts: int, attempt_s: float, pause: float, deadline: float
) -> None:
    """A policy's overall deadline bounds every attempt and pause of its retry."""
    clock = FakeClock(auto_advance=True)
    calls = 0

    async def slow_failure() -> int:
        nonlocal calls
        calls += 1
        await clock.sleep(attempt_s)
        raise UnavailableError

    policy: Policy[int] = Policy(
        "p",
        clock=clock,
        deadline_s=deadline,
        retry=Retry(
            "p", stop=stop_after_attempt(max_attempts), wait=wait_fixed(pause), clock=clock
        ),
    )
    outcome = asyncio.run(policy.run(slow_failure))
    assert outcome.degraded is not None
    assert calls <= max_attempts
    assert clock.monotonic() <= deadline + 1e-9


@SETTINGS
@given(
    rate=st.floats(min_value=0.1, max_value=100.0),
    burst=st.integers(min_value=1, max_value=50),
    ops=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=2.0), st.integers(min_value=1, max_value=5)),
        max_size=80,
    ),
)
def test_a_token_bucket_never_grants_more_than_burst_plus_rate_times_elapsed(
    rate: float, burst: int, ops: list[tuple[float, int]]
) -> None:
    """Granted tokens never exceed burst + rate * elapsed time."""
    clock = FakeClock()
    limiter = RateLimiter("l", rate=rate, burst=burst, clock=clock)
    granted = 0
    for advance, tokens in ops:
        clock.advance(advance)
        if limiter.try_acquire(tokens=tokens):
            granted += tokens
        assert granted <= burst + rate * clock.monotonic() + 1e-6
