"""Deadlines on the injected clock: one per call, or a queue of many sharing one timer."""

from __future__ import annotations

import asyncio

import pytest

from resilience import Deadline, DeadlineExceeded, FakeClock
from resilience.deadline import DeadlineQueue


async def test_deadline_cuts_slow_work(clock: FakeClock) -> None:
    """Work still running when the deadline fires raises DeadlineExceeded."""

    async def slow() -> None:
        async with Deadline(1.0, name="d", clock=clock):
            await clock.sleep(5.0)

    task = asyncio.create_task(slow())
    await clock.wait_for_sleepers(1)
    clock.advance(1.0)
    with pytest.raises(DeadlineExceeded, match=r"deadline of 1\.000s"):
        await task


async def test_deadline_lets_fast_work_finish(clock: FakeClock) -> None:
    """Work that ends in time is untouched and the timer is disarmed."""
    async with Deadline(1.0, clock=clock) as deadline:
        assert deadline.remaining_s() == 1.0
    clock.advance(2.0)
    assert not deadline.expired


async def test_outer_cancellation_is_not_a_deadline(clock: FakeClock) -> None:
    """A cancellation from outside stays a CancelledError."""

    async def slow() -> None:
        async with Deadline(10.0, clock=clock):
            await clock.sleep(50.0)

    task = asyncio.create_task(slow())
    await clock.wait_for_sleepers(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_queue_cancels_each_call_at_its_own_deadline(clock: FakeClock) -> None:
    """Calls armed at different times expire in order, each exactly at its deadline."""
    queue = DeadlineQueue(2.0, name="q", clock=clock)
    ended: dict[str, float] = {}

    async def call(name: str) -> None:
        entry = queue.arm()
        try:
            await clock.sleep(100.0)
        except BaseException as exc:
            try:
                queue.disarm(entry, exc)
            except DeadlineExceeded:
                ended[name] = clock.monotonic()
                return
            raise

    first = asyncio.create_task(call("first"))
    await clock.wait_for_sleepers(1)
    clock.advance(1.0)
    second = asyncio.create_task(call("second"))
    await clock.wait_for_sleepers(2)
    clock.advance(1.0)
    await first
    clock.advance(1.0)
    await second
    assert ended == {"first": 2.0, "second": 3.0}
    assert len(queue) == 0


async def test_queue_disarm_of_finished_call_raises_nothing(clock: FakeClock) -> None:
    """Disarming a call that finished in time is silent and frees its entry."""
    queue = DeadlineQueue(1.0, clock=clock)
    entry = queue.arm()
    queue.disarm(entry)
    clock.advance(5.0)
    assert not entry.expired and len(queue) == 0


def test_queue_refuses_non_positive_deadline() -> None:
    """A deadline must be positive."""
    with pytest.raises(ValueError, match="deadline_s"):
        DeadlineQueue(0.0)
