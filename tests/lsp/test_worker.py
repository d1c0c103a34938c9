"""The worker pool with real processes: sync, caching, errors, deadlines, crashes, shutdown."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from resilience.errors import DeadlineExceeded
from server.engine.spec import LanguageSpec
from server.languages import load_spec
from server.lsp.worker import (
    JobError,
    WorkerCrashed,
    WorkerEvent,
    WorkerPool,
    WorkerUnavailable,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SPEC = LanguageSpec(name="test")
ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 10.0  # only bounds a broken test; passing tests await events, not this


class Events:
    """Collects pool events and lets a test await the next one of a kind."""

    def __init__(self) -> None:
        self.seen: list[WorkerEvent] = []
        self._queue: asyncio.Queue[WorkerEvent] = asyncio.Queue()

    def __call__(self, event: WorkerEvent) -> None:
        """Record an event (the pool's on_event callback)."""
        self.seen.append(event)
        self._queue.put_nowait(event)

    async def next(self, kind: str) -> WorkerEvent:
        """The next event of `kind`, skipping others."""
        async with asyncio.timeout(WAIT_S):
            while True:
                event = await self._queue.get()
                if event.kind == kind:
                    return event


@pytest.fixture
def events() -> Events:
    """An event recorder."""
    return Events()


@pytest.fixture
async def pool(events: Events) -> AsyncIterator[WorkerPool]:
    """A started two-worker pool with both workers ready; closed afterwards."""
    workers = WorkerPool(2, on_event=events)
    await workers.start()
    async with asyncio.timeout(WAIT_S):
        await workers.wait_ready()
    yield workers
    await workers.close()


@pytest.fixture
async def single(events: Events) -> AsyncIterator[WorkerPool]:
    """A started one-worker pool, ready; closed afterwards."""
    workers = WorkerPool(1, on_event=events)
    await workers.start()
    async with asyncio.timeout(WAIT_S):
        await workers.wait_ready()
    yield workers
    await workers.close()


async def run(
    pool: WorkerPool,
    op: str,
    *args: object,
    version: int = 1,
    text: str = "",
    deadline_s: float = 5.0,
    spec: LanguageSpec = SPEC,
) -> object:
    """Call a job on `file:///t.x`."""
    return await pool.call(
        op,
        spec=spec,
        uri="file:///t.x",
        version=version,
        text=lambda: text,
        args=args,
        deadline_s=deadline_s,
    )


async def test_echo_round_trip(pool: WorkerPool) -> None:
    """A job's result comes back unchanged."""
    assert await run(pool, "echo", 1, "two", (3.0,)) == (1, "two", (3.0,))
    assert pool.statistics().completed == 1


async def test_document_is_sent_only_when_its_version_changes(single: WorkerPool) -> None:
    """The text callable runs and the text travels only for a version the worker lacks."""
    calls: list[int] = []

    def text() -> str:
        calls.append(1)
        return "x = 1\n"

    for version in (1, 1, 1, 2, 2):
        await single.call(
            "echo", spec=SPEC, uri="file:///t.x", version=version, text=text, deadline_s=5.0
        )
    stats = single.statistics()
    assert (len(calls), stats.documents_sent, stats.specs_sent) == (2, 2, 1)


async def test_equal_specs_are_sent_once(single: WorkerPool) -> None:
    """A spec equal to one the worker has is not sent again, even as a new object."""
    await run(single, "echo", spec=LanguageSpec(name="same"))
    await run(single, "echo", spec=LanguageSpec(name="same"))
    await run(single, "echo", spec=LanguageSpec(name="other"))
    assert single.statistics().specs_sent == 2


async def test_analysis_is_cached_per_version(single: WorkerPool) -> None:
    """Jobs on one version share one analysis; a new version analyses again."""
    spec = load_spec("preset:python_like")
    assert await run(single, "analyze", spec=spec, text="print(y)\n") is None
    first = await run(single, "diagnostics", spec=spec, text="print(y)\n")
    again = await run(single, "diagnostics", spec=spec, text="print(y)\n")
    assert first == again
    assert isinstance(first, tuple)
    assert [d.code for d in first] == ["PC140"]
    assert single.statistics().analyses == 1
    assert await run(single, "diagnostics", spec=spec, version=2, text="y = 1\n") == ()
    assert single.statistics().analyses == 2


async def test_job_exception_comes_back_as_job_error(pool: WorkerPool) -> None:
    """An exception in a job is re-raised as JobError, never as the foreign exception."""
    with pytest.raises(JobError) as caught:
        await run(pool, "fail", 7)
    assert not isinstance(caught.value, ValueError)
    assert (caught.value.op, caught.value.type_name) == ("fail", "ValueError")
    assert "(7,)" in caught.value.message
    assert "ValueError" in caught.value.traceback
    assert await run(pool, "echo", "still fine") == ("still fine",)


async def test_unknown_job_is_refused_without_a_worker(pool: WorkerPool) -> None:
    """An unknown op raises JobError at once."""
    with pytest.raises(JobError, match="unknown job 'nope'"):
        await run(pool, "nope")
    assert pool.statistics().completed == 0


@pytest.mark.parametrize(
    ("op", "args"), [("spin", ()), ("regex", ("(a+)+$", "a" * 40 + "b"))], ids=["spin", "regex"]
)
async def test_runaway_job_is_killed_at_its_deadline(
    pool: WorkerPool, events: Events, op: str, args: tuple[object, ...]
) -> None:
    """A runaway job raises DeadlineExceeded, its worker is killed and replaced, and the
    other worker keeps answering meanwhile."""
    loop = asyncio.get_running_loop()
    before = set(pool.statistics().pids)
    started = loop.time()
    runaway = asyncio.ensure_future(run(pool, op, *args, deadline_s=0.3))
    assert await run(pool, "echo", "meanwhile", version=1) == ("meanwhile",)
    assert loop.time() - started < 0.3
    assert not runaway.done()
    with pytest.raises(DeadlineExceeded):
        await runaway
    killed = await events.next("killed")
    assert (killed.op, killed.reason, killed.pid in before) == (op, "deadline", True)
    assert killed.elapsed_s >= 0.29
    restarted = await events.next("restarted")
    assert restarted.pid not in before
    async with asyncio.timeout(WAIT_S):
        await pool.wait_ready()
    stats = pool.statistics()
    assert (stats.killed, stats.restarts, stats.alive) == (1, 1, 2)
    assert killed.pid not in stats.pids
    assert await run(pool, "echo", "after") == ("after",)


async def test_crashed_worker_fails_its_job_and_is_replaced(
    single: WorkerPool, events: Events
) -> None:
    """A worker that dies fails its job with WorkerCrashed; a replacement takes the next."""
    with pytest.raises(WorkerCrashed) as caught:
        await run(single, "crash")
    assert caught.value.exitcode == 3
    crashed = await events.next("crashed")
    assert crashed.op == "crash"
    await events.next("restarted")
    assert await run(single, "echo", "next") == ("next",)
    stats = single.statistics()
    assert (stats.crashed, stats.restarts, stats.killed) == (1, 1, 0)


async def test_cancelled_queued_call_never_runs(single: WorkerPool, events: Events) -> None:
    """Cancelling a call still waiting for a worker removes it: it never runs."""
    spinning = asyncio.ensure_future(run(single, "spin", deadline_s=0.3))
    queued = asyncio.ensure_future(run(single, "crash", deadline_s=5.0))
    await asyncio.sleep(0)  # one loop turn: both calls are now dispatched or queued
    assert (single.statistics().busy, single.statistics().queued) == (1, 1)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert single.statistics().queued == 0
    with pytest.raises(DeadlineExceeded):
        await spinning
    await events.next("restarted")
    assert await run(single, "echo", "ok") == ("ok",)
    assert [e.kind for e in events.seen] == ["killed", "restarted"]
    assert single.statistics().crashed == 0


async def test_queued_call_times_out_without_killing(single: WorkerPool, events: Events) -> None:
    """A call that waits past its deadline in the queue fails; only the runaway is killed."""
    spinning = asyncio.ensure_future(run(single, "spin", deadline_s=0.4))
    await asyncio.sleep(0)  # one loop turn: the spin takes the only worker
    with pytest.raises(DeadlineExceeded):
        await run(single, "echo", deadline_s=0.1)
    with pytest.raises(DeadlineExceeded):
        await spinning
    await events.next("restarted")
    assert single.statistics().killed == 1


async def test_large_text_is_sent_off_the_loop(single: WorkerPool) -> None:
    """A text over the large-payload threshold reaches the worker intact."""
    spec = load_spec("preset:python_like")
    text = "# " + "a" * 300_000 + "\nprint(y)\n"
    result = await run(single, "diagnostics", spec=spec, text=text, deadline_s=10.0)
    assert isinstance(result, tuple)
    assert [(d.code, d.start) for d in result] == [("PC140", len(text) - 3)]
    assert single.statistics().documents_sent == 1


async def test_too_many_restarts_break_the_pool(events: Events) -> None:
    """Past the restart budget the pool reports itself broken and refuses calls at once."""
    pool = WorkerPool(1, on_event=events, max_restarts=1)
    await pool.start()
    try:
        with pytest.raises(WorkerCrashed):
            await run(pool, "crash")
        await events.next("restarted")
        with pytest.raises(WorkerCrashed):
            await run(pool, "crash")
        await events.next("broken")
        assert pool.statistics().is_broken
        with pytest.raises(WorkerUnavailable, match="broken"):
            await run(pool, "echo")
    finally:
        await pool.close()


async def test_close_leaves_no_child_processes(events: Events) -> None:
    """close() kills and reaps every worker, even a busy one; calling it twice is fine."""
    pool = WorkerPool(2, on_event=events)
    await pool.start()
    async with asyncio.timeout(WAIT_S):
        await pool.wait_ready()
    pids = set(pool.statistics().pids)
    assert len(pids) == 2
    spinning = asyncio.ensure_future(run(pool, "spin", deadline_s=30.0))
    await asyncio.sleep(0)  # one loop turn: the spin is dispatched
    await pool.close()
    await pool.close()
    with pytest.raises(WorkerUnavailable):
        await spinning
    assert pids.isdisjoint(p.pid for p in multiprocessing.active_children())
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(WorkerUnavailable, match="closed"):
        await run(pool, "echo")
    assert events.seen == []


PARENT = textwrap.dedent(
    """
    import asyncio, os, sys
    from server.engine.spec import LanguageSpec
    from server.lsp.worker import WorkerPool

    async def main():
        pool = WorkerPool(2)
        await pool.start()
        await pool.wait_ready()
        spec = LanguageSpec(name="t")
        asyncio.ensure_future(
            pool.call("spin", spec=spec, uri="u", version=1, text=str, deadline_s=60)
        )
        await asyncio.sleep(0)
        sys.stdout.write(" ".join(map(str, pool.statistics().pids)) + "\\n")
        sys.stdout.flush()
        os._exit(0)

    asyncio.run(main())
    """
)


def _resolve(future: asyncio.Future[None]) -> None:
    """Resolve a future once, however often the reader callback fires."""
    if not future.done():
        future.set_result(None)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfds")
async def test_workers_die_with_their_parent() -> None:
    """When the parent process dies, idle and busy workers exit too: no orphans."""
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(WAIT_S):
        out, _ = await parent.communicate()
    pids = [int(p) for p in out.split()]
    assert len(pids) == 2
    loop = asyncio.get_running_loop()
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue  # already gone
        gone: asyncio.Future[None] = loop.create_future()
        loop.add_reader(fd, _resolve, gone)
        try:
            async with asyncio.timeout(WAIT_S):
                await gone  # a pidfd becomes readable when its process exits
        finally:
            loop.remove_reader(fd)
            os.close(fd)
