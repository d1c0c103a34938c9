"""Policy: layer order, every degradation reason, fallbacks, audit, listeners, statistics."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tenacity import stop_after_attempt, wait_fixed

from resilience import (
    AuditLog,
    Breaker,
    BreakerState,
    Bulkhead,
    Degradation,
    FakeClock,
    Policy,
    RateLimiter,
    Retry,
    Transition,
)


class UnavailableError(Exception):
    """A transient dependency failure."""

    is_transient = True


async def ok(x: int = 1) -> int:
    """Return the argument."""
    return x


async def fail() -> int:
    """Fail transiently."""
    raise UnavailableError("down")


async def buggy() -> int:
    """Fail with an unclassified error, as a bug would."""
    raise KeyError("bug")


def breaker(clock: FakeClock, **kwargs: object) -> Breaker:
    """A small breaker: opens after two failures in a window of two."""
    settings: dict[str, object] = {"minimum_calls": 2, "window_size": 2, "wait_duration_s": 5.0}
    settings.update(kwargs)
    return Breaker("p", clock=clock, **settings)  # type: ignore[arg-type]  # test kwargs


async def test_success_returns_the_value(clock: FakeClock) -> None:
    """A successful call returns its own value and is not degraded."""
    policy: Policy[int] = Policy("p", clock=clock, breaker=breaker(clock), deadline_s=1.0)
    outcome = await policy.run(ok, 5)
    assert (outcome.value, outcome.degraded, outcome.is_degraded) == (5, None, False)
    assert policy.statistics().successes == 1


async def test_failure_degrades_to_the_fallback_value(clock: FakeClock, audit: AuditLog) -> None:
    """A classified failure returns the fallback value, with the reason and an audited error id."""
    policy = Policy("p", clock=clock, fallback_value=-1, audit=audit)
    outcome = await policy.run(fail)
    assert outcome.value == -1
    assert outcome.degraded is not None
    assert (outcome.degraded.reason, outcome.degraded.error_class) == ("failure", "transient")
    [event] = audit.query(kind="fallback")
    assert event.error_id == outcome.degraded.error_id


async def test_without_fallback_the_degraded_value_is_none(clock: FakeClock) -> None:
    """With no fallback configured a degraded outcome carries None."""
    outcome = await Policy[int]("p", clock=clock).run(fail)
    assert outcome.value is None and outcome.degraded is not None


async def test_fallback_callable_gets_the_degradation(clock: FakeClock) -> None:
    """A fallback callable receives the degradation and its result is the value."""
    seen: list[Degradation] = []

    def fallback(d: Degradation) -> int:
        seen.append(d)
        return 42

    outcome = await Policy("p", clock=clock, fallback=fallback).run(fail)
    assert outcome.value == 42
    assert seen[0].reason == "failure"


async def test_async_fallback_is_awaited(clock: FakeClock) -> None:
    """A coroutine fallback is awaited."""

    async def fallback(d: Degradation) -> int:
        return 7

    assert (await Policy[int]("p", clock=clock, fallback=fallback).run(fail)).value == 7


@pytest.mark.allow_unexpected
async def test_failing_fallback_degrades_to_none(
    clock: FakeClock, audit: AuditLog, caplog: pytest.LogCaptureFixture
) -> None:
    """A fallback that raises is logged and audited, and the value is None."""

    def fallback(d: Degradation) -> int:
        raise RuntimeError("fallback broke")

    outcome = await Policy("p", clock=clock, fallback=fallback, audit=audit).run(fail)
    assert outcome.value is None
    assert "fallback failed" in caplog.text
    assert audit.query(kind="unexpected")[0].fields["reason"] == "fallback failed"


@pytest.mark.allow_unexpected
async def test_unexpected_error_is_logged_audited_and_degrades(
    clock: FakeClock, audit: AuditLog, caplog: pytest.LogCaptureFixture
) -> None:
    """An unclassified exception is logged with its traceback, audited, and degrades."""
    outcome = await Policy("p", clock=clock, fallback_value=0, audit=audit).run(buggy)
    assert outcome.degraded is not None and outcome.degraded.reason == "unexpected"
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info is not None
    assert outcome.degraded.error_id in record.getMessage()
    assert audit.query(kind="unexpected")[0].error_id == outcome.degraded.error_id
    assert policy_failures(audit) == []


def policy_failures(audit: AuditLog) -> list[str]:
    """Kinds of fallback events in the audit log."""
    return [e.kind for e in audit.query(kind="fallback")]


async def test_open_breaker_degrades_without_calling(clock: FakeClock, audit: AuditLog) -> None:
    """Once the breaker opens, calls are rejected as circuit_open and the function is not run."""
    calls = 0

    async def counted() -> int:
        nonlocal calls
        calls += 1
        raise UnavailableError

    policy: Policy[int] = Policy("p", clock=clock, breaker=breaker(clock), audit=audit)
    await policy.run(counted)
    await policy.run(counted)
    outcome = await policy.run(counted)
    assert calls == 2
    assert outcome.degraded is not None and outcome.degraded.reason == "circuit_open"
    [transition] = audit.query(kind="breaker_transition")
    assert (transition.fields["old"], transition.fields["new"]) == ("closed", "open")
    assert audit.query(kind="rejection")[0].fields["reason"] == "circuit_open"


async def test_breaker_recovers_through_half_open(clock: FakeClock) -> None:
    """After the wait, passing trial calls close the breaker again."""
    policy: Policy[int] = Policy("p", clock=clock, breaker=breaker(clock, half_open_max_calls=1))
    await policy.run(fail)
    await policy.run(fail)
    clock.advance(5.0)
    assert (await policy.run(ok)).value == 1
    assert policy.statistics().breaker_state == "closed"


async def test_deadline_degrades_and_counts_as_breaker_failure(clock: FakeClock) -> None:
    """A call cut by the overall deadline degrades as `deadline` and fails in the breaker."""
    b = breaker(clock, minimum_calls=1, window_size=1)
    policy: Policy[int] = Policy("p", clock=clock, deadline_s=0.5, breaker=b)

    async def slow() -> int:
        await clock.sleep(10.0)
        return 1

    task = asyncio.create_task(policy.run(slow))
    await clock.wait_for_sleepers(1)
    clock.advance(0.5)
    outcome = await task
    assert outcome.degraded is not None and outcome.degraded.reason == "deadline"
    assert b.state is BreakerState.OPEN
    assert policy.statistics().failures == {"timeout": 1}


async def test_attempt_deadline_is_retried(auto_clock: FakeClock) -> None:
    """A per-attempt timeout is a transient failure that retry repeats."""
    attempts = 0

    async def slow_then_fast() -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await auto_clock.sleep(10.0)
        return attempts

    policy: Policy[int] = Policy(
        "p",
        clock=auto_clock,
        attempt_deadline_s=1.0,
        retry=Retry("p", stop=stop_after_attempt(3), wait=wait_fixed(0.1), clock=auto_clock),
        breaker=breaker(auto_clock, minimum_calls=5, window_size=5),
    )
    outcome = await policy.run(slow_then_fast)
    assert outcome.value == 2
    assert policy.statistics().breaker is not None


async def test_full_bulkhead_degrades(clock: FakeClock) -> None:
    """A call finding every slot taken degrades as bulkhead_full."""
    gate = asyncio.Event()

    async def held() -> int:
        await gate.wait()
        return 1

    policy: Policy[int] = Policy("p", clock=clock, bulkhead=Bulkhead("p", max_concurrent=1))
    first = asyncio.create_task(policy.run(held))
    await asyncio.sleep(0)
    outcome = await policy.run(ok)
    assert outcome.degraded is not None and outcome.degraded.reason == "bulkhead_full"
    gate.set()
    assert (await first).value == 1
    assert policy.statistics().rejections == {"bulkhead_full": 1}


async def test_deadline_bounds_the_bulkhead_queue(clock: FakeClock) -> None:
    """A caller queued for a slot past the deadline degrades as `deadline` and leaves the queue."""
    gate = asyncio.Event()

    async def held() -> int:
        await gate.wait()
        return 1

    policy: Policy[int] = Policy(
        "p", clock=clock, deadline_s=1.0, bulkhead=Bulkhead("p", max_concurrent=1, max_wait=1)
    )
    first = asyncio.create_task(policy.run(held))
    await asyncio.sleep(0)
    queued = asyncio.create_task(policy.run(ok))
    await asyncio.sleep(0)
    clock.advance(1.0)
    outcome = await queued
    assert outcome.degraded is not None and outcome.degraded.reason == "deadline"
    gate.set()
    await first
    assert policy.statistics().bulkhead is not None
    stats = policy.statistics().bulkhead
    assert stats is not None and (stats.active, stats.waiting) == (0, 0)


async def test_rate_limit_degrades(clock: FakeClock) -> None:
    """A call without a token degrades as rate_limited; keys have their own buckets."""
    policy: Policy[int] = Policy(
        "p", clock=clock, limiter=RateLimiter("p", rate=1.0, burst=1, clock=clock)
    )
    assert not (await policy.run(ok)).is_degraded
    limited = await policy.run(ok)
    assert limited.degraded is not None and limited.degraded.reason == "rate_limited"
    assert not (await policy.run_for("other", ok)).is_degraded


async def test_retries_then_exhausts(auto_clock: FakeClock, audit: AuditLog) -> None:
    """Retries are audited and exhaustion degrades as retries_exhausted."""
    policy: Policy[int] = Policy(
        "p",
        clock=auto_clock,
        audit=audit,
        retry=Retry("p", stop=stop_after_attempt(3), wait=wait_fixed(0.1), clock=auto_clock),
    )
    outcome = await policy.run(fail)
    assert outcome.degraded is not None and outcome.degraded.reason == "retries_exhausted"
    assert [e.fields["attempt"] for e in audit.query(kind="retry")] == [1, 2]


async def test_rejection_inside_retry_is_not_retried(auto_clock: FakeClock) -> None:
    """When the breaker opens between attempts, the rejection ends the call at once."""
    calls = 0

    async def counted() -> int:
        nonlocal calls
        calls += 1
        raise UnavailableError

    policy: Policy[int] = Policy(
        "p",
        clock=auto_clock,
        retry=Retry("p", stop=stop_after_attempt(5), wait=wait_fixed(0.1), clock=auto_clock),
        breaker=breaker(auto_clock),
    )
    outcome = await policy.run(counted)
    assert calls == 2
    assert outcome.degraded is not None and outcome.degraded.reason == "circuit_open"


async def test_outer_cancellation_propagates(clock: FakeClock) -> None:
    """Cancelling the caller cancels the call; it is not turned into a degraded outcome."""

    async def slow() -> int:
        await clock.sleep(10.0)
        return 1

    policy: Policy[int] = Policy("p", clock=clock, deadline_s=5.0, breaker=breaker(clock))
    task = asyncio.create_task(policy.run(slow))
    await clock.wait_for_sleepers(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert policy.statistics().breaker_state == "closed"


async def test_listeners_hear_breaker_transitions(clock: FakeClock) -> None:
    """Policy listeners hear each transition of the policy's breaker."""
    seen: list[Transition] = []
    policy: Policy[int] = Policy("p", clock=clock, breaker=breaker(clock))
    policy.add_listener(seen.append)
    await policy.run(fail)
    await policy.run(fail)
    assert [t.new for t in seen] == [BreakerState.OPEN]


async def test_statistics_summarise_calls(clock: FakeClock) -> None:
    """Statistics count calls by result and report latency percentiles in milliseconds."""

    async def takes(seconds: float) -> int:
        clock.advance(seconds)
        return 1

    policy: Policy[int] = Policy("p", clock=clock)
    for ms in range(1, 101):
        await policy.run(takes, ms / 1000)
    await policy.run(fail)
    stats = policy.statistics()
    assert (stats.calls, stats.successes, stats.degraded) == (101, 100, 1)
    assert stats.failures == {"transient": 1}
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms) == pytest.approx((50.0, 95.0, 99.0))
    assert stats.breaker_state == "none"


async def test_rate_limit_wait_is_taken_within_max_wait(clock: FakeClock) -> None:
    """With a max wait, a caller waits for its reserved token instead of degrading."""
    policy: Policy[int] = Policy.from_config(
        "p", {"rateLimit": {"rate": 1, "burst": 1, "maxWaitS": 2}}, clock=clock
    )
    assert not (await policy.run(ok)).is_degraded
    waiting = asyncio.create_task(policy.run(ok, 3))
    await clock.wait_for_sleepers(1)
    clock.advance(1.0)
    assert (await waiting).value == 3
