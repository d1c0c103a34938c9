"""Token-bucket rate limiter: burst, refill, keys, waiting and bounds."""

from __future__ import annotations

import asyncio

import pytest

from resilience import FakeClock, InMemoryBucketStore, RateLimited, RateLimiter


def test_burst_is_granted_then_refused(clock: FakeClock) -> None:
    """A full bucket grants `burst` tokens at once and refuses the next."""
    limiter = RateLimiter("l", rate=1.0, burst=3, clock=clock)
    assert [limiter.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_tokens_refill_at_rate(clock: FakeClock) -> None:
    """An empty bucket refills `rate` tokens per second."""
    limiter = RateLimiter("l", rate=2.0, burst=2, clock=clock)
    assert limiter.try_acquire() and limiter.try_acquire()
    clock.advance(0.5)
    assert limiter.try_acquire()
    assert not limiter.try_acquire()


def test_refill_never_exceeds_burst(clock: FakeClock) -> None:
    """A long idle period refills no more than `burst`."""
    limiter = RateLimiter("l", rate=10.0, burst=2, clock=clock)
    clock.advance(100.0)
    assert limiter.available() == 2.0


def test_keys_have_separate_buckets(clock: FakeClock) -> None:
    """Each key draws from its own bucket."""
    limiter = RateLimiter("l", rate=1.0, burst=1, clock=clock)
    assert limiter.try_acquire("a")
    assert not limiter.try_acquire("a")
    assert limiter.try_acquire("b")


async def test_acquire_without_wait_raises_with_retry_after(clock: FakeClock) -> None:
    """`acquire` with no allowed wait raises RateLimited carrying the time to the next token."""
    limiter = RateLimiter("l", rate=4.0, burst=1, clock=clock)
    await limiter.acquire()
    with pytest.raises(RateLimited) as info:
        await limiter.acquire()
    assert info.value.retry_after_s == pytest.approx(0.25)


async def test_acquire_waits_for_a_reserved_token(clock: FakeClock) -> None:
    """`acquire` within its max wait reserves a token and sleeps until it is refilled."""
    limiter = RateLimiter("l", rate=1.0, burst=1, max_wait_s=2.0, clock=clock)
    await limiter.acquire()
    task = asyncio.create_task(limiter.acquire())
    await clock.wait_for_sleepers(1)
    assert not task.done()
    clock.advance(1.0)
    await task
    assert limiter.statistics().waited == 1


async def test_acquire_refuses_a_wait_longer_than_allowed(clock: FakeClock) -> None:
    """A wait beyond `max_wait_s` is refused without taking a token."""
    limiter = RateLimiter("l", rate=1.0, burst=1, clock=clock)
    await limiter.acquire()
    with pytest.raises(RateLimited):
        await limiter.acquire(max_wait_s=0.5)
    clock.advance(1.0)
    assert limiter.try_acquire()


async def test_cancelled_waiter_returns_its_reservation(clock: FakeClock) -> None:
    """A caller cancelled while waiting gives its reserved token back."""
    limiter = RateLimiter("l", rate=1.0, burst=1, max_wait_s=5.0, clock=clock)
    await limiter.acquire()
    task = asyncio.create_task(limiter.acquire())
    await clock.wait_for_sleepers(1)
    assert limiter.available() == -1.0
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert limiter.available() == 0.0


def test_store_keeps_a_bounded_number_of_keys(clock: FakeClock) -> None:
    """The bucket store never holds more than `max_keys` buckets."""
    store = InMemoryBucketStore(max_keys=10)
    limiter = RateLimiter("l", rate=1.0, burst=5, clock=clock, store=store)
    for i in range(100):
        limiter.try_acquire(f"k{i}")
    assert len(store) <= 10


def test_statistics_count_grants_and_refusals(clock: FakeClock) -> None:
    """Statistics report settings, grants, refusals and keys."""
    limiter = RateLimiter("l", rate=1.0, burst=1, clock=clock)
    limiter.try_acquire()
    limiter.try_acquire()
    stats = limiter.statistics()
    assert (stats.granted, stats.rejected, stats.keys, stats.burst) == (1, 1, 1, 1.0)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1.0), (1.0, 0.5)])
def test_invalid_settings_are_refused(rate: float, burst: float) -> None:
    """A non-positive rate or a burst under one token is refused."""
    with pytest.raises(ValueError, match=r"rate|burst"):
        RateLimiter("l", rate=rate, burst=burst)
