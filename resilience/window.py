"""Sliding windows of call results for the breaker: by count or by time."""

from __future__ import annotations

from typing import Protocol

__all__ = ["CountWindow", "TimeWindow", "Window"]

FAILED = 1
SLOW = 2


class Window(Protocol):
    """Counts of calls, failures and slow calls over the recent past."""

    def record(self, code: int, now: float) -> tuple[int, int, int]:
        """Add one result (`FAILED | SLOW` bits); return (calls, failures, slow) after it."""

    def counts(self, now: float) -> tuple[int, int, int]:
        """(calls, failures, slow) in the window at `now`."""

    def clear(self) -> None:
        """Forget every result."""


class CountWindow:
    """The last `size` results."""

    __slots__ = ("_codes", "_failures", "_filled", "_index", "_size", "_slow")

    def __init__(self, size: int) -> None:
        self._size = size
        self._codes = bytearray(size)
        self.clear()

    def clear(self) -> None:
        """Forget every result."""
        self._codes[:] = bytes(self._size)
        self._index = 0
        self._filled = 0
        self._failures = 0
        self._slow = 0

    def record(self, code: int, now: float) -> tuple[int, int, int]:
        """Add one result, evicting the oldest once `size` results are held."""
        index = self._index
        if self._filled == self._size:
            old = self._codes[index]
            self._failures -= old & FAILED
            self._slow -= (old & SLOW) >> 1
        else:
            self._filled += 1
        self._codes[index] = code
        self._failures += code & FAILED
        self._slow += (code & SLOW) >> 1
        self._index = index + 1 if index + 1 < self._size else 0
        return self._filled, self._failures, self._slow

    def counts(self, now: float) -> tuple[int, int, int]:
        """(calls, failures, slow) over the last `size` results."""
        return self._filled, self._failures, self._slow


class TimeWindow:
    """Results of the last `size_s` whole seconds, in one bucket per second."""

    __slots__ = ("_calls", "_epochs", "_fails", "_last", "_size", "_slows", "_totals")

    def __init__(self, size_s: int) -> None:
        self._size = size_s
        self._calls = [0] * size_s
        self._fails = [0] * size_s
        self._slows = [0] * size_s
        self._epochs = [-1] * size_s
        self._totals = [0, 0, 0]
        self._last = -1

    def clear(self) -> None:
        """Forget every result."""
        for i in range(self._size):
            self._calls[i] = self._fails[i] = self._slows[i] = 0
            self._epochs[i] = -1
        self._totals = [0, 0, 0]

    def _expire(self, second: int) -> None:
        """Drop buckets older than `size_s` seconds before `second`."""
        if second <= self._last:
            return
        start = max(self._last + 1, second - self._size + 1)
        for sec in range(start, second + 1):
            i = sec % self._size
            if self._epochs[i] != sec:
                self._totals[0] -= self._calls[i]
                self._totals[1] -= self._fails[i]
                self._totals[2] -= self._slows[i]
                self._calls[i] = self._fails[i] = self._slows[i] = 0
                self._epochs[i] = sec
        self._last = second

    def record(self, code: int, now: float) -> tuple[int, int, int]:
        """Add one result to the bucket of the current second."""
        second = int(now)
        self._expire(second)
        i = second % self._size
        failed = code & FAILED
        slow = (code & SLOW) >> 1
        self._calls[i] += 1
        self._fails[i] += failed
        self._slows[i] += slow
        totals = self._totals
        totals[0] += 1
        totals[1] += failed
        totals[2] += slow
        return totals[0], totals[1], totals[2]

    def counts(self, now: float) -> tuple[int, int, int]:
        """(calls, failures, slow) over the last `size_s` seconds."""
        self._expire(int(now))
        return self._totals[0], self._totals[1], self._totals[2]
