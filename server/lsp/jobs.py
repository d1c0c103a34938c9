"""What runs inside a worker process: the job registry and the loop that serves it.

A job is a pure function of a `JobContext` and arguments; adding one is one entry in
`JOBS`. Jobs run in worker processes started by `server.lsp.worker.WorkerPool`, so a job
may be slow or even run away: the parent kills the worker at the job's deadline. Results
and exceptions travel back pickled. This module is what a worker imports, so it stays
small: it imports neither asyncio nor `resilience`, and the engine only in the worker.
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import sys
import traceback
from collections import OrderedDict
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection

    from server.engine.analysis import Analysis
    from server.engine.diagnostic import Diagnostic
    from server.engine.spec import LanguageSpec

__all__ = [
    "DOCUMENTS_PER_WORKER",
    "JOBS",
    "SPECS_PER_WORKER",
    "JobContext",
    "Request",
    "serve",
]

SPECS_PER_WORKER = 8
"""Specs a worker keeps; the parent mirrors the worker's LRU to know which it has."""

DOCUMENTS_PER_WORKER = 32
"""Document texts (and their last analysis) a worker keeps, least recently used dropped."""

_PICKLE_ERRORS = (pickle.PicklingError, TypeError, AttributeError)


class JobContext:
    """What a job may read: the document, its spec and its analysis, each made on demand."""

    __slots__ = ("_analysis", "_text", "spec", "uri", "version")

    def __init__(
        self,
        uri: str,
        version: int,
        spec: LanguageSpec,
        text: Callable[[], str],
        analysis: Callable[[], Analysis],
    ) -> None:
        self.uri = uri
        self.version = version
        self.spec = spec
        self._text = text
        self._analysis = analysis

    @property
    def text(self) -> str:
        """The document's text at `version`."""
        return self._text()

    @property
    def analysis(self) -> Analysis:
        """The analysis of the text under the spec, shared by jobs on the same version."""
        return self._analysis()


def analyze(ctx: JobContext, args: tuple[object, ...]) -> None:
    """Analyse the document so later jobs on this version find the analysis cached."""
    ctx.analysis  # noqa: B018 - evaluated for its side effect: filling the cache


def diagnostics(ctx: JobContext, args: tuple[object, ...]) -> tuple[Diagnostic, ...]:
    """The analysis' diagnostics, sorted by position."""
    return ctx.analysis.diagnostics


def echo(ctx: JobContext, args: tuple[object, ...]) -> tuple[object, ...]:
    """The arguments, unchanged: measures the round trip."""
    return args


def spin(ctx: JobContext, args: tuple[object, ...]) -> NoReturn:
    """Never return: stands in for a runaway handler (tests and the chaos setting)."""
    while True:
        pass


def regex(ctx: JobContext, args: tuple[object, ...]) -> tuple[int, int] | None:
    """The span of `re.match(pattern, subject)` for args `(pattern, subject)`, or None."""
    pattern, subject = args
    if not isinstance(pattern, str) or not isinstance(subject, str):
        raise TypeError(f"job 'regex' needs (pattern, subject) strings, got {args!r}")
    match = re.match(pattern, subject)
    return None if match is None else match.span()


def crash(ctx: JobContext, args: tuple[object, ...]) -> NoReturn:
    """Kill the worker process at once, as a segfault or the OOM killer would."""
    os._exit(3)


def fail(ctx: JobContext, args: tuple[object, ...]) -> NoReturn:
    """Raise ValueError: the error comes back to the caller as a JobError."""
    raise ValueError(f"job 'fail' failed on purpose with args {args!r}")


JOBS: dict[str, Callable[[JobContext, tuple[object, ...]], object]] = {
    "analyze": analyze,
    "crash": crash,
    "diagnostics": diagnostics,
    "echo": echo,
    "fail": fail,
    "regex": regex,
    "spin": spin,
}
"""Job name -> function run in a worker; the name is the `op` of `WorkerPool.call`."""

FEATURE_JOBS = (
    "code_actions",
    "completion",
    "definition",
    "diagnostics_lsp",
    "document_symbols",
    "folding",
    "formatting",
    "hover",
    "inlay_hints",
    "prepare_rename",
    "range_formatting",
    "references",
    "rename",
    "semantic_tokens",
    "semantic_tokens_range",
    "signature_help",
    "workspace_symbols",
)
"""The LSP feature jobs of `server.lsp.answers` (imported in the worker, on first use)."""


def _feature(name: str) -> Callable[[JobContext, tuple[object, ...]], object]:
    """A job that runs `server.lsp.answers.ANSWERS[name]`, importing it in the worker only."""

    def run(ctx: JobContext, args: tuple[object, ...]) -> object:
        from server.lsp.answers import ANSWERS

        return ANSWERS[name](ctx, args)

    run.__name__ = name
    return run


JOBS.update({name: _feature(name) for name in FEATURE_JOBS})


Request = tuple[int, str, str, int, int, bytes, "str | None", "bytes | None", tuple[str, ...]]
"""`(job_id, op, uri, version, spec_id, args_pickle, text, spec_pickle, forget)`."""


def serve(conn: Connection, parent_pid: int) -> None:
    """The worker process: run the jobs the parent sends until its connection closes.

    Each message is a `Request`; `text` and `spec_pickle` are None when the worker already
    has them. The reply is `("ok", job_id, result, analyses)` or `("err", job_id, type,
    message, traceback, analyses)`; `analyses` counts the analyses the job computed.
    """
    _detach(parent_pid)
    state = _State()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request: Request = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe or died: never outlive it
        state.sync(request)
        reply = state.run(request)
        try:
            conn.send(reply)
        except _PICKLE_ERRORS as exc:
            message = f"the result of job {request[1]!r} cannot be pickled: {exc}"
            conn.send(("err", request[0], type(exc).__name__, message, "", reply[-1]))
        except OSError:
            return


class _State:
    """A worker's documents, specs and last analysis per document, mirrored by the parent."""

    def __init__(self) -> None:
        from server.engine.analysis import analyze  # the worker, not the parent, pays for it
        from server.lsp import answers  # noqa: F401 - loaded before "ready": first jobs are fast

        self.analyze = analyze
        self.specs: OrderedDict[int, LanguageSpec] = OrderedDict()
        self.docs: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self.cache: dict[str, tuple[int, int, Analysis]] = {}
        self.analyses = 0

    def sync(self, request: Request) -> None:
        """Apply what the parent sent, in the order the parent updated its mirror."""
        _, _, uri, version, sid, _, text, spec_pickle, forget = request
        specs, docs, cache = self.specs, self.docs, self.cache
        for gone in forget:
            docs.pop(gone, None)
            cache.pop(gone, None)
        if spec_pickle is not None:
            specs[sid] = pickle.loads(spec_pickle)
        specs.move_to_end(sid)
        while len(specs) > SPECS_PER_WORKER:
            specs.popitem(last=False)
        if text is not None:
            docs[uri] = (version, text)
            cache.pop(uri, None)
        docs.move_to_end(uri)
        while len(docs) > DOCUMENTS_PER_WORKER:
            cache.pop(docs.popitem(last=False)[0], None)

    def analysis(self, uri: str, sid: int) -> Analysis:
        """The analysis of the worker's text of `uri` under spec `sid`, cached per version."""
        version, text = self.docs[uri]
        hit = self.cache.get(uri)
        if hit is not None and hit[0] == version and hit[1] == sid:
            return hit[2]
        result = self.analyze(self.specs[sid], text)
        self.cache[uri] = (version, sid, result)
        self.analyses += 1
        return result

    def run(self, request: Request) -> tuple[object, ...]:
        """The reply for one job: its result, or the exception it raised, as plain data."""
        job_id, op, uri, version, sid, args_pickle, *_ = request
        self.analyses = 0
        ctx = JobContext(
            uri,
            version,
            self.specs[sid],
            lambda: self.docs[uri][1],
            lambda: self.analysis(uri, sid),
        )
        try:
            result = JOBS[op](ctx, pickle.loads(args_pickle))
        except Exception as exc:  # the worker is an error reporter: every job error goes back
            trace = traceback.format_exc()
            return ("err", job_id, type(exc).__name__, str(exc), trace, self.analyses)
        return ("ok", job_id, result, self.analyses)


def _detach(parent_pid: int) -> None:
    """Make the worker quiet and mortal: no stdout, no Ctrl-C, and death with its parent."""
    # stdout carries the protocol in the parent; a stray write from a job must not reach it.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Ctrl-C in a terminal reaches the whole process group; the parent decides what dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        # PR_SET_PDEATHSIG: the kernel kills us when the parent dies, even while a job holds
        # the GIL in C (a catastrophic regex) and cannot notice the closed pipe.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(0)  # the parent died before the death signal was armed
