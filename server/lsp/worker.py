"""Engine work off the event loop, in worker processes that can be killed.

A thread cannot be stopped, and `re` holds the GIL through a catastrophic backtracking match,
so a runaway job in a thread would freeze the server. Each job runs in a worker process
(`server.lsp.jobs.serve`), one job per worker at a time; a job past its deadline gets its
worker SIGKILLed and replaced. Documents and specs are sent to a worker only when it lacks
them: the parent mirrors each worker's LRU of (uri -> version) and spec ids.

```
WorkerError                      base of every error the worker pool raises on purpose
├── JobError                     a job raised; carries .op .type_name .message .traceback
├── WorkerCrashed                the worker died while running the job (.op .pid .exitcode)
└── WorkerUnavailable            the pool is not started, closed, or broken by restarts
```
A job past its deadline raises `resilience.errors.DeadlineExceeded` instead.

The module is over 500 lines on purpose: the pool is one state machine (one job per worker,
parent mirrors updated in the worker's order, every future resolved exactly once) and
splitting it would spread those invariants over several files.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING, Literal

import attrs

from resilience.errors import DeadlineExceeded
from server.errors import ParserCraftError
from server.lsp.jobs import DOCUMENTS_PER_WORKER, JOBS, SPECS_PER_WORKER, serve

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from server.engine.spec import LanguageSpec

__all__ = [
    "JobError",
    "WorkerCrashed",
    "WorkerError",
    "WorkerEvent",
    "WorkerPool",
    "WorkerPoolStatistics",
    "WorkerUnavailable",
]

log = logging.getLogger(__name__)

LARGE_TEXT = 256 * 1024
"""Texts longer than this (code points) are pickled and sent from a thread, not the loop."""

_JOIN_S = 1.0
_PICKLE_ERRORS = (pickle.PicklingError, TypeError, AttributeError)
_UNPICKLE_ERRORS = (
    pickle.UnpicklingError,
    ImportError,
    AttributeError,
    EOFError,
    TypeError,
    ValueError,
    IndexError,
)


class WorkerError(ParserCraftError):
    """Base of every error the worker pool raises on purpose."""


class JobError(WorkerError):
    """A job raised in its worker; the foreign exception is described, never re-raised."""

    def __init__(self, op: str, type_name: str, message: str, traceback: str) -> None:
        self.op = op
        self.type_name = type_name
        self.message = message
        self.traceback = traceback
        super().__init__(f"job {op!r} raised {type_name}: {message}")


class WorkerCrashed(WorkerError):  # noqa: N818 - the name is fixed by the pool API
    """The worker process running the job died on its own (crash, OOM kill)."""

    def __init__(self, op: str, pid: int | None, exitcode: int | None) -> None:
        self.op = op
        self.pid = pid
        self.exitcode = exitcode
        super().__init__(f"worker {pid} died with exit code {exitcode} while running {op!r}")


class WorkerUnavailable(WorkerError):  # noqa: N818 - the name is fixed by the pool API
    """The pool cannot run jobs: not started, closed, or broken by too many restarts."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"no worker available: {reason}")


@attrs.frozen
class WorkerEvent:
    """Something happened to a worker: it was killed, crashed, was restarted, or gave up."""

    kind: Literal["killed", "crashed", "restarted", "broken"]
    op: str | None
    uri: str | None
    pid: int | None
    elapsed_s: float
    reason: str


@attrs.frozen
class WorkerPoolStatistics:
    """A snapshot of the pool; `documents_sent` and `analyses` show the caches at work."""

    size: int
    alive: int
    ready: int
    busy: int
    queued: int
    completed: int
    killed: int
    crashed: int
    restarts: int
    documents_sent: int
    specs_sent: int
    analyses: int
    is_broken: bool
    pids: tuple[int, ...]


class _Worker:
    """The parent's side of one worker process."""

    __slots__ = (
        "conn",
        "docs",
        "forget",
        "is_dead",
        "is_ready",
        "job",
        "pid",
        "process",
        "reader",
        "reason",
        "requested_at",
        "specs",
    )

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.pid = process.pid
        self.docs: OrderedDict[str, int] = OrderedDict()
        self.specs: OrderedDict[int, None] = OrderedDict()
        self.forget: list[str] = []
        self.job: _Job | None = None
        self.is_ready = False
        self.is_dead = False
        self.reader: threading.Thread | None = None
        self.reason: str | None = None
        self.requested_at = 0.0


@attrs.define(eq=False)
class _Job:
    """One call: queued, then running on a worker, then resolved through `future`."""

    id: int
    op: str
    spec: LanguageSpec
    uri: str
    version: int
    text: Callable[[], str]
    args: tuple[object, ...]
    deadline_s: float
    future: asyncio.Future[object]
    queued_at: float
    started_at: float = 0.0
    worker: _Worker | None = None
    timer: asyncio.TimerHandle | None = None


def _launch(parent_pid: int) -> _Worker:
    """Start one worker process (blocking: run in the spawner thread)."""
    ctx = multiprocessing.get_context("spawn")
    conn, child_conn = ctx.Pipe(duplex=True)
    process = ctx.Process(
        target=serve, args=(child_conn, parent_pid), name="parsercraft-worker", daemon=True
    )
    process.start()
    child_conn.close()  # so the parent's recv sees EOF as soon as the worker dies
    return _Worker(process, conn)


class WorkerPool:
    """Runs `server.lsp.jobs.JOBS` in `size` killable worker processes, with deadlines."""

    def __init__(
        self,
        size: int = 2,
        *,
        on_event: Callable[[WorkerEvent], None] | None = None,
        max_restarts: int = 10,
        restart_window_s: float = 60.0,
    ) -> None:
        self.size = size
        self._on_event = on_event
        self._max_restarts = max_restarts
        self._restart_window_s = restart_window_s
        self._loop: asyncio.AbstractEventLoop | None = None
        # One long-lived spawner thread: PR_SET_PDEATHSIG in the worker fires when the
        # *thread* that started it exits, so it must not be a short-lived pool thread.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="parsercraft-spawn")
        self._workers: list[_Worker] = []
        self._launched: set[_Worker] = set()
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._restart_times: deque[float] = deque()
        self._job_ids = itertools.count()
        self._spec_ids = itertools.count()
        self._specs_by_id: dict[int, tuple[LanguageSpec, int, bytes]] = {}
        self._specs_by_value: dict[LanguageSpec, tuple[int, bytes]] = {}
        self._closing: asyncio.Future[None] | None = None
        self._broken: WorkerUnavailable | None = None
        self._counts = dict.fromkeys(
            ("completed", "killed", "crashed", "restarts", "documents", "specs", "analyses"), 0
        )

    async def start(self) -> None:
        """Launch the workers off the event loop; jobs queue until a worker is ready."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        await asyncio.gather(*(self._spawn(None, 0.0) for _ in range(self.size)))

    async def wait_ready(self) -> None:
        """Return once `size` workers are ready; WorkerUnavailable if the pool closes or breaks."""
        while sum(w.is_ready for w in self._workers) < self.size:
            self._check_usable()
            waiter = self._running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    async def call(
        self,
        op: str,
        *,
        spec: LanguageSpec,
        uri: str,
        version: int,
        text: Callable[[], str],
        args: tuple[object, ...] = (),
        deadline_s: float,
    ) -> object:
        """The result of job `op` on a worker; JobError, WorkerCrashed, DeadlineExceeded or
        WorkerUnavailable otherwise. `text` is called only if the worker lacks `version`."""
        self._check_usable()
        if op not in JOBS:
            raise JobError(op, "KeyError", f"unknown job {op!r}", "")
        loop = self._running_loop()
        now = loop.time()
        future, job_id = loop.create_future(), next(self._job_ids)
        job = _Job(job_id, op, spec, uri, version, text, args, deadline_s, future, now)
        job.timer = loop.call_at(now + deadline_s, self._on_deadline, job)
        self._queue.append(job)
        self._dispatch()
        try:
            return await job.future
        except asyncio.CancelledError:
            if job.worker is None:  # still queued: it will never run
                with suppress(ValueError):
                    self._queue.remove(job)
                if job.timer is not None:
                    job.timer.cancel()
            raise

    def forget(self, uri: str) -> None:
        """Let workers drop their copy of a closed document (told with their next job)."""
        for worker in self._workers:
            if worker.docs.pop(uri, None) is not None:
                worker.forget.append(uri)

    def statistics(self) -> WorkerPoolStatistics:
        """Current counts of workers, jobs, kills, restarts and cache traffic."""
        workers = [w for w in self._workers if not w.is_dead]
        c = self._counts
        return WorkerPoolStatistics(
            size=self.size,
            alive=len(workers),
            ready=sum(w.is_ready for w in workers),
            busy=sum(w.job is not None for w in workers),
            queued=len(self._queue),
            completed=c["completed"],
            killed=c["killed"],
            crashed=c["crashed"],
            restarts=c["restarts"],
            documents_sent=c["documents"],
            specs_sent=c["specs"],
            analyses=c["analyses"],
            is_broken=self._broken is not None,
            pids=tuple(w.pid for w in workers if w.pid is not None),
        )

    async def close(self) -> None:
        """Kill every worker and join its reader thread, within about a second; idempotent."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    # -- internals -------------------------------------------------------------------------

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The loop the pool was started on."""
        if self._loop is None:
            raise WorkerUnavailable("the worker pool was not started")
        return self._loop

    def _check_usable(self) -> None:
        """Raise WorkerUnavailable unless the pool can take jobs."""
        if self._closing is not None:
            raise WorkerUnavailable("the worker pool is closed")
        if self._broken is not None:
            raise self._broken
        self._running_loop()

    def _emit(self, event: WorkerEvent) -> None:
        """Hand an event to the listener, if any."""
        if self._on_event is not None:
            self._on_event(event)

    async def _spawn(self, reason: str | None, delay_s: float) -> None:
        """Start one worker (after `delay_s` of backoff) and its reader thread."""
        loop = self._running_loop()
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        if self._closing is not None:
            return
        requested_at = loop.time()
        try:
            worker = await loop.run_in_executor(self._spawner, self._launch)
        except OSError as exc:
            log.error("cannot start a worker process: %s", exc)
            self._restart("spawn failure")
            return
        if self._closing is not None:
            return  # close() kills whatever was launched
        worker.reason, worker.requested_at = reason, requested_at
        worker.reader = threading.Thread(
            target=self._read, args=(worker, loop), name=f"parsercraft-worker-{worker.pid}"
        )
        worker.reader.daemon = True
        self._workers.append(worker)
        worker.reader.start()

    def _launch(self) -> _Worker:
        """Start a worker process and remember it, so close() can kill it (spawner thread)."""
        worker = _launch(os.getpid())
        with self._lock:
            self._launched.add(worker)
        return worker

    def _read(self, worker: _Worker, loop: asyncio.AbstractEventLoop) -> None:
        """Reader thread: hand each message, still pickled, to the loop; reap at EOF."""
        # Unpickling may import modules and run code: it happens on the loop, not here.
        try:
            while True:
                data = worker.conn.recv_bytes()
                loop.call_soon_threadsafe(self._on_message, worker, data)
        except (EOFError, OSError, RuntimeError):
            pass  # the worker died (EOF), or the loop closed (RuntimeError)
        finally:
            worker.process.kill()  # whatever ended the reading, this worker is finished
            worker.process.join(_JOIN_S)
            with self._lock:
                self._launched.discard(worker)
            with suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(self._on_exit, worker)

    def _on_message(self, worker: _Worker, data: bytes) -> None:
        """A worker said it is ready, or answered its job."""
        if worker.is_dead:
            return
        job = worker.job
        try:
            message: tuple[object, ...] = pickle.loads(data)
        except _UNPICKLE_ERRORS as exc:
            if job is not None:
                reason = f"cannot read the result: {exc}"
                message = ("err", job.id, type(exc).__name__, reason, "", 0)
            else:
                log.warning("worker %s sent an unreadable message: %s", worker.pid, exc)
                return
        if message[0] == "ready":
            worker.is_ready = True
            if worker.reason is not None:
                elapsed = self._running_loop().time() - worker.requested_at
                self._emit(WorkerEvent("restarted", None, None, worker.pid, elapsed, worker.reason))
            if sum(w.is_ready for w in self._workers) >= self.size:
                self._wake_waiters(None)
            self._dispatch()
            return
        if job is None or job.id != message[1]:
            return
        worker.job = None
        self._counts["completed"] += 1
        analyses = message[-1]
        self._counts["analyses"] += analyses if isinstance(analyses, int) else 0
        if job.timer is not None:
            job.timer.cancel()
        if not job.future.done():
            if message[0] == "ok":
                job.future.set_result(message[2])
            else:
                error = JobError(job.op, str(message[2]), str(message[3]), str(message[4]))
                job.future.set_exception(error)
        self._dispatch()

    def _on_exit(self, worker: _Worker) -> None:
        """A worker's pipe closed: a crash unless the pool killed it or is closing."""
        if worker.is_dead or self._closing is not None:
            return
        self._discard(worker)
        job, worker.job = worker.job, None
        exitcode = worker.process.exitcode
        self._counts["crashed"] += 1
        op = job.op if job is not None else None
        log.warning("worker %s died with exit code %s running %s", worker.pid, exitcode, op)
        elapsed = 0.0
        if job is not None:
            elapsed = self._running_loop().time() - job.started_at
            self._fail(job, WorkerCrashed(job.op, worker.pid, exitcode))
        uri = job.uri if job is not None else None
        self._emit(WorkerEvent("crashed", op, uri, worker.pid, elapsed, f"exit code {exitcode}"))
        self._restart("crash")
        self._dispatch()

    def _on_deadline(self, job: _Job) -> None:
        """The caller's time is up; kill the worker if the job itself ran the whole deadline."""
        loop = self._running_loop()
        now = loop.time()
        worker = job.worker
        if worker is None:  # still queued: drop it, nothing to kill
            with suppress(ValueError):
                self._queue.remove(job)
            self._fail(job, DeadlineExceeded(job.op, job.deadline_s))
            return
        if worker.job is not job:
            return
        if now < job.started_at + job.deadline_s - 1e-3:
            # It waited in the queue: answer the caller now, but give the job its full run.
            self._fail(job, DeadlineExceeded(job.op, job.deadline_s))
            job.timer = loop.call_at(job.started_at + job.deadline_s, self._on_deadline, job)
            return
        self._discard(worker)
        worker.job = None
        worker.process.kill()
        self._counts["killed"] += 1
        elapsed = now - job.started_at
        log.warning(
            "killed worker %s: job %r on %s ran %.3fs", worker.pid, job.op, job.uri, elapsed
        )
        self._fail(job, DeadlineExceeded(job.op, job.deadline_s))
        self._emit(WorkerEvent("killed", job.op, job.uri, worker.pid, elapsed, "deadline"))
        self._restart("deadline")
        self._dispatch()

    def _fail(self, job: _Job, error: BaseException) -> None:
        """Resolve a job's future with an error, unless it is already resolved."""
        if job.timer is not None and job.worker is None:
            job.timer.cancel()
        if not job.future.done():
            job.future.set_exception(error)

    def _discard(self, worker: _Worker) -> None:
        """Take a worker out of service for good."""
        worker.is_dead = True
        worker.is_ready = False
        with suppress(ValueError):
            self._workers.remove(worker)

    def _restart(self, reason: str) -> None:
        """Replace a lost worker, with backoff; too many restarts in the window break the pool."""
        now = self._running_loop().time()
        times = self._restart_times
        while times and now - times[0] > self._restart_window_s:
            times.popleft()
        if len(times) >= self._max_restarts:
            self._break(reason)
            return
        times.append(now)
        self._counts["restarts"] += 1
        delay_s = 0.0 if len(times) == 1 else min(0.05 * 2 ** (len(times) - 2), 2.0)
        task = asyncio.ensure_future(self._spawn(reason, delay_s))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _break(self, reason: str) -> None:
        """Give up: refuse every queued and future call."""
        error = WorkerUnavailable(
            f"the worker pool is broken: {self._max_restarts} restarts within "
            f"{self._restart_window_s:.0f}s (last cause: {reason})"
        )
        self._broken = error
        log.error("%s", error)
        while self._queue:
            self._fail(self._queue.popleft(), error)
        self._wake_waiters(error)
        self._emit(WorkerEvent("broken", None, None, None, 0.0, reason))

    def _wake_waiters(self, error: BaseException | None) -> None:
        """Resolve everyone waiting in wait_ready()."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                if error is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(error)

    def _dispatch(self) -> None:
        """Start queued jobs on idle workers, preferring one that has the document."""
        queue = self._queue
        while queue:
            idle = [w for w in self._workers if w.is_ready and w.job is None]
            if not idle:
                return
            job = queue.popleft()
            if job.future.done():
                continue
            worker = idle[0]
            for candidate in idle:
                if candidate.docs.get(job.uri) == job.version:
                    worker = candidate
                    break
            self._start(worker, job)

    def _spec_entry(self, spec: LanguageSpec) -> tuple[int, bytes]:
        """The small id and pickle of a spec: by identity first, then by equality."""
        hit = self._specs_by_id.get(id(spec))
        if hit is not None and hit[0] is spec:
            return hit[1], hit[2]
        entry = self._specs_by_value.get(spec)
        if entry is None:
            if len(self._specs_by_value) >= 4 * SPECS_PER_WORKER:
                # Ids are never reused, so stale ids simply age out of the workers' LRUs.
                self._specs_by_value.clear()
                self._specs_by_id.clear()
            entry = (next(self._spec_ids), pickle.dumps(spec, pickle.HIGHEST_PROTOCOL))
            self._specs_by_value[spec] = entry
        self._specs_by_id[id(spec)] = (spec, *entry)
        return entry

    def _start(self, worker: _Worker, job: _Job) -> None:
        """Send a job (with the document and spec if the worker lacks them) and arm its kill."""
        try:
            sid, spec_pickle = self._spec_entry(job.spec)
            args_pickle = pickle.dumps(job.args, pickle.HIGHEST_PROTOCOL)
        except _PICKLE_ERRORS as exc:
            self._fail(job, JobError(job.op, type(exc).__name__, f"cannot send: {exc}", ""))
            return
        has_spec = sid in worker.specs
        has_text = worker.docs.get(job.uri) == job.version
        text = None if has_text else job.text()
        # Mirror the worker's LRU updates in exactly the order `jobs._State.sync` makes them.
        for gone in worker.forget:
            worker.docs.pop(gone, None)
        if not has_spec:
            worker.specs[sid] = None
            self._counts["specs"] += 1
        worker.specs.move_to_end(sid)
        while len(worker.specs) > SPECS_PER_WORKER:
            worker.specs.popitem(last=False)
        if text is not None:
            worker.docs[job.uri] = job.version
            self._counts["documents"] += 1
        worker.docs.move_to_end(job.uri)
        while len(worker.docs) > DOCUMENTS_PER_WORKER:
            worker.docs.popitem(last=False)
        forget, worker.forget = tuple(worker.forget), []
        spec_part = None if has_spec else spec_pickle
        request = (job.id, job.op, job.uri, job.version, sid, args_pickle, text, spec_part, forget)
        loop = self._running_loop()
        worker.job, job.worker, job.started_at = job, worker, loop.time()
        if text is not None and len(text) > LARGE_TEXT:
            task = loop.create_task(self._send_large(worker, request))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        try:
            worker.conn.send(request)
        except OSError:
            log.warning("worker %s: cannot send job %r; waiting for its exit", worker.pid, job.op)

    async def _send_large(self, worker: _Worker, request: tuple[object, ...]) -> None:
        """Pickle and send a large request from a thread, so the loop keeps running."""
        try:
            await self._running_loop().run_in_executor(None, worker.conn.send, request)
        except OSError:
            log.warning("worker %s: cannot send a large job; waiting for its exit", worker.pid)

    async def _close(self) -> None:
        """Fail all calls, kill all workers and join the reader threads."""
        loop = asyncio.get_running_loop()
        for task in list(self._tasks):
            task.cancel()
        error = WorkerUnavailable("the worker pool is closed")
        while self._queue:
            self._fail(self._queue.popleft(), error)
        for worker in list(self._workers):
            job, worker.job = worker.job, None
            if job is not None:
                if job.timer is not None:
                    job.timer.cancel()
                self._fail(job, error)
            self._discard(worker)
        self._wake_waiters(error)
        await loop.run_in_executor(None, self._terminate)

    def _terminate(self) -> None:
        """Kill every launched worker and wait for the reader threads (closing thread)."""
        deadline = time.monotonic() + _JOIN_S
        self._spawner.shutdown(wait=True)  # a launch in flight finishes, then is killed below
        with self._lock:
            workers = list(self._launched)
        for worker in workers:
            with suppress(OSError):
                worker.process.kill()
        for worker in workers:
            left_s = max(0.0, deadline - time.monotonic())
            if worker.reader is not None:
                worker.reader.join(left_s)  # the reader reaps its process at EOF
            else:
                worker.process.join(left_s)
