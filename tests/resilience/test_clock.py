"""FakeClock: timers, sleeping and auto-advance."""

from __future__ import annotations

import asyncio

import pytest

from resilience import SYSTEM_CLOCK, FakeClock


def test_advance_fires_due_timers_in_time_order(clock: FakeClock) -> None:
    """Advancing fires every due timer, earliest first, with the clock at its time."""
    fired: list[tuple[str, float]] = []
    clock.call_later(2.0, lambda: fired.append(("b", clock.monotonic())))
    clock.call_later(1.0, lambda: fired.append(("a", clock.monotonic())))
    clock.call_later(5.0, lambda: fired.append(("c", clock.monotonic())))
    clock.advance(3.0)
    assert fired == [("a", 1.0), ("b", 2.0)]
    assert clock.monotonic() == 3.0


def test_cancelled_timer_does_not_fire(clock: FakeClock) -> None:
    """A cancelled timer never runs."""
    fired: list[int] = []
    clock.call_later(1.0, lambda: fired.append(1)).cancel()
    clock.advance(2.0)
    assert fired == []


def test_advance_rejects_negative_time(clock: FakeClock) -> None:
    """Time cannot be moved backwards."""
    with pytest.raises(ValueError, match="cannot advance"):
        clock.advance(-1.0)


def test_wall_time_moves_with_monotonic_time() -> None:
    """Wall time is the wall start plus the time advanced."""
    clock = FakeClock(wall_start=1000.0)
    clock.advance(2.5)
    assert clock.wall() == 1002.5


async def test_sleep_returns_once_advanced(clock: FakeClock) -> None:
    """A sleeper wakes when the clock passes its wake-up time, not before."""
    task = asyncio.create_task(clock.sleep(2.0))
    await clock.wait_for_sleepers(1)
    clock.advance(1.0)
    await asyncio.sleep(0)
    assert not task.done()
    clock.advance(1.0)
    await task
    assert clock.sleepers == 0


async def test_auto_advance_sleep_moves_time(auto_clock: FakeClock) -> None:
    """With auto-advance, sleeping moves the clock by the delay at once."""
    await auto_clock.sleep(3.0)
    assert auto_clock.monotonic() == 3.0


async def test_system_clock_sleep_and_timer() -> None:
    """The system clock sleeps on the loop and arms loop timers."""
    fired = asyncio.Event()
    SYSTEM_CLOCK.call_later(0.0, fired.set)
    await SYSTEM_CLOCK.sleep(0)
    await fired.wait()
    assert SYSTEM_CLOCK.monotonic() > 0 and SYSTEM_CLOCK.wall() > 1e9
