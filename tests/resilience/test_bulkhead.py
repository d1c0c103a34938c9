"""Bulkhead: concurrency cap, bounded queue, rejection and hand-over."""

from __future__ import annotations

import asyncio

import pytest

from resilience import Bulkhead, BulkheadFull


async def test_admits_up_to_max_concurrent_then_rejects_without_queue() -> None:
    """Without a queue, the call beyond `max_concurrent` is rejected at once."""
    bulkhead = Bulkhead("b", max_concurrent=2)
    await bulkhead.enter()
    await bulkhead.enter()
    with pytest.raises(BulkheadFull, match="'b' is full"):
        await bulkhead.enter()
    assert bulkhead.statistics().rejected == 1


async def test_queued_caller_gets_the_freed_slot() -> None:
    """A queued caller is admitted when a slot frees, in arrival order."""
    bulkhead = Bulkhead("b", max_concurrent=1, max_wait=2)
    await bulkhead.enter()
    order: list[str] = []

    async def wait(name: str) -> None:
        await bulkhead.enter()
        order.append(name)

    first = asyncio.create_task(wait("first"))
    second = asyncio.create_task(wait("second"))
    await asyncio.sleep(0)
    assert bulkhead.statistics().waiting == 2
    bulkhead.leave()
    await first
    bulkhead.leave()
    await second
    assert order == ["first", "second"]
    assert bulkhead.statistics().active == 1


async def test_full_queue_rejects() -> None:
    """When every slot and queue place is taken, the next caller is rejected."""
    bulkhead = Bulkhead("b", max_concurrent=1, max_wait=1)
    await bulkhead.enter()
    waiter = asyncio.create_task(bulkhead.enter())
    await asyncio.sleep(0)
    with pytest.raises(BulkheadFull):
        await bulkhead.enter()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter


async def test_cancelled_waiter_leaves_the_queue() -> None:
    """A cancelled waiter frees its queue place and takes no slot."""
    bulkhead = Bulkhead("b", max_concurrent=1, max_wait=1)
    await bulkhead.enter()
    waiter = asyncio.create_task(bulkhead.enter())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    bulkhead.leave()
    stats = bulkhead.statistics()
    assert (stats.active, stats.waiting) == (0, 0)


async def test_call_releases_its_slot_on_error() -> None:
    """`call` frees the slot whether the function returns or raises."""
    bulkhead = Bulkhead("b", max_concurrent=1)

    async def bad() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        await bulkhead.call(bad)
    assert bulkhead.try_enter()


@pytest.mark.parametrize(("concurrent", "wait"), [(0, 0), (1, -1)])
def test_invalid_settings_are_refused(concurrent: int, wait: int) -> None:
    """A cap under one or a negative queue is refused."""
    with pytest.raises(ValueError, match="max_"):
        Bulkhead("b", max_concurrent=concurrent, max_wait=wait)
