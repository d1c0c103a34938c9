"""Per-call overhead of a full resilience policy next to circuitbreaker, aiolimiter and tenacity.

Run: `python bench/resilience_overhead.py [--calls N] [--repeats R] [--json PATH]`.
Every figure is the median, over R repeats, of the mean time per call of N sequential calls of a
no-op coroutine, in microseconds. `*_overhead` columns subtract the bare call.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import tenacity
from aiolimiter import AsyncLimiter
from circuitbreaker import CircuitBreaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resilience import Breaker, Bulkhead, Policy, RateLimiter
from resilience.deadline import DeadlineQueue

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


async def noop() -> int:
    """The protected call: returns at once."""
    return 1


async def timed(call: Callable[[], Awaitable[object]], calls: int) -> float:
    """Mean microseconds per call of `calls` sequential calls, with the collector paused."""
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            await call()
        return (time.perf_counter() - start) / calls * 1e6
    finally:
        gc.enable()


async def measure_all(
    candidates: dict[str, Callable[[], Awaitable[object]]], calls: int, repeats: int
) -> dict[str, float]:
    """Median per candidate; candidates take turns in every repeat, so load spikes hit all alike."""
    for call in candidates.values():  # warm up caches and the specialising interpreter
        await timed(call, min(calls, 2000))
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, call in candidates.items():
            samples[name].append(await timed(call, calls))
    return {name: statistics.median(values) for name, values in samples.items()}


def full_policy() -> Policy[int]:
    """Limiter + bulkhead + deadline + breaker; nothing fails and nothing is limited."""
    return Policy(
        "bench",
        limiter=RateLimiter("bench", rate=1e12, burst=1e12),
        bulkhead=Bulkhead("bench", max_concurrent=64, max_wait=64),
        deadline_s=10.0,
        breaker=Breaker("bench", minimum_calls=10, window_size=100),
    )


async def run(calls: int, repeats: int) -> dict[str, float]:
    """Every measurement of one run, in microseconds per call."""
    policy = full_policy()
    no_deadline: Policy[int] = Policy(
        "bench",
        limiter=RateLimiter("bench", rate=1e12, burst=1e12),
        bulkhead=Bulkhead("bench", max_concurrent=64, max_wait=64),
        breaker=Breaker("bench", minimum_calls=10, window_size=100),
    )
    breaker_only: Policy[int] = Policy("bench", breaker=Breaker("bench"))
    protected = CircuitBreaker(failure_threshold=5, recovery_timeout=30)(noop)
    limiter = AsyncLimiter(1e12, 1)
    retrying = tenacity.AsyncRetrying(stop=tenacity.stop_after_attempt(3))
    open_policy = full_policy()
    assert open_policy.breaker is not None
    open_policy.breaker.force_open()

    async def limited() -> int:
        async with limiter:
            return await noop()

    async def with_timeout() -> int:
        async with asyncio.timeout(10.0):
            return await noop()

    breaker = Breaker("bench", window_size=100)
    bucket = RateLimiter("bench", rate=1e12, burst=1e12)
    slots = Bulkhead("bench", max_concurrent=64)
    queue = DeadlineQueue(10.0)

    async def bucket_call() -> int:
        if not bucket.try_acquire():
            raise AssertionError("the bench bucket ran dry")
        return await noop()

    async def queued_deadline() -> int:
        entry = queue.arm()
        try:
            result = await noop()
        except BaseException as exc:
            queue.disarm(entry, exc)
            raise
        queue.disarm(entry)
        return result

    return await measure_all(
        {
            "bare_us": noop,
            "policy_us": lambda: policy.run(noop),
            "policy_no_deadline_us": lambda: no_deadline.run(noop),
            "policy_breaker_only_us": lambda: breaker_only.run(noop),
            "open_reject_us": lambda: open_policy.run(noop),
            "circuitbreaker_us": protected,
            "aiolimiter_us": limited,
            "tenacity_us": lambda: retrying(noop),
            "asyncio_timeout_us": with_timeout,
            "breaker_call_us": lambda: breaker.call(noop),
            "limiter_us": bucket_call,
            "bulkhead_us": lambda: slots.call(noop),
            "deadline_queue_us": queued_deadline,
        },
        calls,
        repeats,
    )


def table(results: dict[str, float]) -> str:
    """A readable table with the overhead over the bare call and the ratio to tenacity."""
    bare = results["bare_us"]
    tenacity_us = results["tenacity_us"]
    rows = [
        ("bare no-op coroutine", "bare_us"),
        ("Policy: limiter+bulkhead+deadline+breaker", "policy_us"),
        ("Policy: limiter+bulkhead+breaker (no deadline)", "policy_no_deadline_us"),
        ("Policy: breaker only", "policy_breaker_only_us"),
        ("Policy: rejected at once (forced open)", "open_reject_us"),
        ("circuitbreaker 2.x decorator", "circuitbreaker_us"),
        ("aiolimiter AsyncLimiter", "aiolimiter_us"),
        ("tenacity AsyncRetrying (no failure)", "tenacity_us"),
        ("asyncio.timeout alone", "asyncio_timeout_us"),
        ("resilience Breaker.call alone", "breaker_call_us"),
        ("resilience RateLimiter.try_acquire + call", "limiter_us"),
        ("resilience Bulkhead.call alone", "bulkhead_us"),
        ("resilience DeadlineQueue arm/disarm + call", "deadline_queue_us"),
    ]
    out = [
        f"| {'measurement':<48} | {'us/call':>8} | {'overhead us':>11} | {'x tenacity':>10} |",
        f"|{'-' * 50}|{'-' * 10}:|{'-' * 12}:|{'-' * 11}:|",
    ]
    for label, key in rows:
        value = results[key]
        out.append(
            f"| {label:<48} | {value:8.2f} | {value - bare:11.2f} | {value / tenacity_us:10.2f} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and optionally write the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=10_000, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=15, help="repeats; the median is reported")
    parser.add_argument("--json", type=Path, help="write the medians to this JSON file")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.calls, args.repeats))
    sys.stdout.write(table(results) + "\n")
    overhead = results["policy_us"] - results["bare_us"]
    sys.stdout.write(
        f"\nfull policy adds {overhead:.2f} us per call (target < 10 us); "
        f"it costs {results['policy_us'] / results['tenacity_us']:.2f}x tenacity alone "
        f"(target < 1); an open-breaker rejection costs {results['open_reject_us']:.2f} us\n"
    )
    if args.json is not None:
        keys = ("policy_us", "circuitbreaker_us", "aiolimiter_us", "tenacity_us", "open_reject_us")
        summary = {key: round(results[key], 3) for key in (*keys, "bare_us")}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
