"""The language server: documents, languages, policies, workers, and the feature runner.

Every feature handler calls `run(feature, op, uri, args)`: it resolves the document's language,
applies the feature's chaos setting (if any), and runs the engine job `op` in a worker process
through the feature's named policy. The result is an `Outcome`: a value, or a degradation the
handler renders as its degraded answer (STYLE.md section 2).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from resilience import AuditLog, Outcome
from server import __version__
from server.errors import ParserCraftError
from server.lsp import policies as policy_table
from server.lsp.catalog import Catalog, Resolved
from server.lsp.documents import DocumentStore
from server.lsp.features.diagnostics import DiagnosticsScheduler
from server.lsp.features.presentation import TokenCache
from server.lsp.imports import RegistryService
from server.lsp.protocol import ParserCraftProtocol
from server.lsp.status import StatusReporter
from server.settings import Settings, parse_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.lsp.documents import Document
    from server.lsp.worker import WorkerEvent, WorkerPool
    from server.settings import ChaosSetting

log = logging.getLogger(__name__)

WARM_UP_S = 20.0
"""How long the first requests wait for the engine workers to start."""

SHUTDOWN_BUDGET_S = 1.5
"""How long shutdown may spend stopping workers and flushing the audit log."""


@attrs.frozen
class _Job:
    """One feature computation: the engine job and everything it needs."""

    feature: str
    op: str
    language: Resolved
    uri: str
    version: int
    text: str
    args: tuple[object, ...]
    deadline_s: float


class InjectedFaultError(ParserCraftError):
    """A fault injected by the `chaos` setting (never raised unless a user configured it)."""


class ParserCraftServer(LanguageServer):
    """pygls' LanguageServer with our state; build it with `server.app.create_server`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            "parsercraft-ls",
            __version__,
            protocol_cls=ParserCraftProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.settings = settings
        self.started = time.monotonic()
        self.documents = DocumentStore()
        self.catalog = Catalog(None, settings.languages)
        self.audit = AuditLog(
            Path(settings.audit_file) if settings.audit_file else None,
            max_bytes=4 * 1024 * 1024,
            backups=3,
            ring_size=2048,
        )
        self.policies, self.policy_errors = policy_table.build(settings.policies, audit=self.audit)
        self.config_errors: list[str] = list(self.policy_errors)
        self._pool: WorkerPool | None = None
        self.status = StatusReporter(self)
        self.random = random.Random()
        self.stop_code: int | None = None
        self._stop: asyncio.Event | None = None
        self.last_degraded: dict[str, bool] = {}
        self.cancelled_before_start = 0
        self.diagnostics = DiagnosticsScheduler(self)
        self.tokens = TokenCache()
        self.registry = RegistryService(self)
        self._warned: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._workers_ready = False
        self._reported_catalog: dict[str, str] = {}
        self._progress_ids = itertools.count(1)
        for name, fp in self.policies.items():
            fp.policy.add_listener(self._breaker_listener(name))

    @property
    def pool(self) -> WorkerPool:
        """The engine worker pool, created (and its module imported) on first use."""
        if self._pool is None:
            from server.lsp.worker import WorkerPool

            self._pool = WorkerPool(self.settings.workers, on_event=self._on_worker_event)
        return self._pool

    @property
    def rpc(self) -> ParserCraftProtocol:
        """The protocol, typed as ours."""
        return cast("ParserCraftProtocol", self.protocol)

    def _breaker_listener(self, feature: str) -> Callable[[object], None]:
        """A breaker-transition listener that refreshes the status."""
        return lambda _transition: self.status.changed(feature)

    # -- configuration ----------------------------------------------------------------------

    def apply_settings(self, data: object) -> list[str]:
        """Take a new `parsercraft` section; rebuild policies and languages in one swap.

        Fields left out take their defaults; invalid fields keep their previous values, and the
        errors are returned (and kept for health). `workers` applies when the pool starts.
        """
        settings, errors = parse_settings(data, self.settings)
        if settings.audit_file != self.settings.audit_file:
            target = Path(settings.audit_file) if settings.audit_file else None
            if not self.audit.set_path(target):
                errors.append(f"setting 'auditFile': cannot open {settings.audit_file}")
                # Keep the old value, so the next delivery of this path tries again.
                settings = attrs.evolve(settings, audit_file=self.settings.audit_file)
        if settings.policies != self.settings.policies:
            built, self.policy_errors = policy_table.build(settings.policies, audit=self.audit)
            for name, fp in built.items():
                fp.policy.add_listener(self._breaker_listener(name))
            self.policies = built
        errors += self.policy_errors
        self.settings = settings
        self.catalog.configure(settings.languages, settings.indent_width)
        self.config_errors = errors
        if errors:
            self.audit.record("config", "settings", error_class="permanent", errors=errors)
        self.status.changed("settings")
        return errors

    async def reconfigure(
        self, pushed: object, *, pull: bool = True, rediagnose: bool = True
    ) -> None:
        """Apply pushed settings, or pull the `parsercraft` section; then re-diagnose."""
        data = pushed
        if data is None and pull:
            data = await self._pull_configuration()
        errors = self.apply_settings(data) if data is not None else []
        self.catalog.reload()
        self.registry.reset()  # parsercraft.toml or the lock may have changed
        for uri in self.documents.uris():  # re-read every config now, so errors show at once
            path = to_fs_path(uri)
            self.catalog.resolve(Path(path) if path else None)
        self._reported_catalog = dict(self.catalog.errors)
        self.report_config_errors(errors)  # one message for everything this reload found
        if rediagnose:
            self.background(self.rediagnose_all())

    async def rediagnose_all(self) -> None:
        """Recompute the diagnostics of every open document, with work-done progress."""
        uris = self.documents.uris()
        if not uris:
            return
        progress = await self.progress_begin("Re-checking ParserCraft documents")
        for done, uri in enumerate(uris, 1):
            self.diagnostics.schedule(uri, delay=False)
            task = self.diagnostics.pending.get(uri)
            if task is not None:
                await asyncio.wait([task], timeout=10.0)
            self.progress_report(progress, f"{done}/{len(uris)} documents", done, len(uris))
        self.progress_end(progress)

    async def progress_begin(self, title: str) -> str | None:
        """Start work-done progress (None when the client does not support it)."""
        window = self.client_capabilities.window
        if window is None or not window.work_done_progress:
            return None
        token = f"parsercraft-{next(self._progress_ids)}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 2.0)
        except Exception as exc:  # the client may refuse; progress is a courtesy
            log.info("no progress token: %s", exc)
            return None
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, percentage=0, cancellable=False)
        )
        return token

    def progress_report(self, token: str | None, message: str, done: int, total: int) -> None:
        """Report progress on a token from `progress_begin`."""
        if token is not None:
            percentage = int(100 * done / max(total, 1))
            self.work_done_progress.report(
                token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def progress_end(self, token: str | None) -> None:
        """End progress on a token from `progress_begin`."""
        if token is not None:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd())

    async def _pull_configuration(self) -> object:
        """The client's `parsercraft` section, or None when it cannot or will not answer.

        Only clients that advertise `workspace.configuration` are asked (asking others breaks
        the spec); Neovim 0.7.2 advertises nothing, and gets its settings to us through
        `initializationOptions` and pushed `didChangeConfiguration` settings instead.
        """
        workspace = self.client_capabilities.workspace
        if workspace is None or not workspace.configuration:
            return None
        params = types.ConfigurationParams(items=[types.ConfigurationItem(section="parsercraft")])
        try:
            result = await asyncio.wait_for(self.workspace_configuration_async(params), 2.0)
        except Exception as exc:  # a timeout, or any error the client answers with
            log.info("workspace/configuration unavailable: %s", exc)
            return None
        # pygls structures the result list as a tuple.
        return result[0] if isinstance(result, list | tuple) and result else None

    def report_config_errors(self, errors: list[str]) -> None:
        """One showMessage for new configuration errors; details go to the log."""
        for error in errors:
            self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Warning, message=error)
            )
        errors = errors + list(self.catalog.errors.values())
        if errors:
            summary = f"parsercraft-ls: {len(errors)} configuration problem(s); kept the last "
            summary += f"good settings. First: {errors[0]}"
            self.warn_once("config:" + "|".join(errors), summary)

    def warn_once(self, key: str, message: str) -> None:
        """Show a warning once per distinct key (a repeated problem does not nag)."""
        if key in self._warned:
            return
        self._warned.add(key)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )

    def background(self, coro: Any) -> None:
        """Run `coro` as a task the server keeps a reference to until it ends."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def indent_width(self, uri: str, options: types.FormattingOptions) -> int:
        """The formatting width: the project's or settings' width, else the editor's tab size."""
        doc = self.documents.get(uri)
        language = None if doc is None else self.language_of(doc)
        if language is not None:
            return language.indent_width
        return max(1, options.tab_size)

    def set_root(self, root: Path | None) -> None:
        """The workspace root for settings languages and relative config paths."""
        self.catalog.root = root

    # -- documents and languages ------------------------------------------------------------

    def language_of(self, doc: Document) -> Resolved | None:
        """The language of an open document (None when no mapping covers it).

        A config or project file that stopped loading is reported once (showMessage) and in
        health; its last good spec keeps serving.
        """
        path = to_fs_path(doc.uri)
        resolved = self.catalog.resolve(Path(path) if path else None)
        if self.catalog.errors and self.catalog.errors != self._reported_catalog:
            self._reported_catalog = dict(self.catalog.errors)
            self.report_config_errors([])
            self.status.changed("config")
        return resolved

    def too_large(self, doc: Document) -> bool:
        """Whether a document exceeds `maxDocumentMb` (it is then not analysed at all)."""
        return len(doc.text) > self.settings.max_document_mb * 1024 * 1024

    # -- the feature runner -----------------------------------------------------------------

    async def run(
        self, feature: str, op: str, uri: str, args: tuple[object, ...] = ()
    ) -> Outcome[Any] | None:
        """Run engine job `op` on document `uri` through the policy of `feature`.

        None when there is nothing to compute (unknown URI, no language, request cancelled
        before it started); otherwise an Outcome, degraded when the policy gave up.
        """
        msg_id = self.protocol.msg_id
        if msg_id is not None and self.rpc.is_cancelled(msg_id):
            self.cancelled_before_start += 1
            raise asyncio.CancelledError
        doc = self.documents.get(uri)
        if doc is None:
            return None
        if not self._workers_ready:
            await self._warm_up()
        language = self.language_of(doc)
        if language is None:
            return None
        if self.too_large(doc):
            return None
        fp = self.policies[feature]
        job = _Job(feature, op, language, doc.uri, doc.version, doc.text, args, fp.deadline_s)
        outcome = await fp.policy.run(self._call, job)
        degraded = outcome.degraded is not None
        if self.last_degraded.get(feature, False) != degraded:
            self.last_degraded[feature] = degraded
            self.status.changed(feature)
        return outcome

    async def _warm_up(self) -> None:
        """Wait (once) for the engine workers to start: starting up is not a feature fault."""
        from server.lsp.worker import WorkerError

        try:
            await asyncio.wait_for(self.pool.wait_ready(), WARM_UP_S)
        except (TimeoutError, WorkerError) as exc:
            log.warning("engine workers not ready: %s", exc)
        self._workers_ready = True

    async def _call(self, job: _Job) -> object:
        """One attempt: inject the configured faults, then run the job in a worker."""
        op = job.op
        chaos = self.settings.chaos.get(job.feature)
        if chaos is not None:
            op = await self._inject(job.feature, chaos, op)
        text = job.text
        return await self.pool.call(
            op,
            spec=job.language.spec,
            uri=job.uri,
            version=job.version,
            text=lambda: text,
            args=job.args,
            deadline_s=job.deadline_s,
        )

    async def _inject(self, feature: str, chaos: ChaosSetting, op: str) -> str:
        """Apply a feature's chaos setting; returns the job to run (`spin` when hanging)."""
        if chaos.latency_ms > 0:
            self.audit.record("chaos", feature, fault="latency", latency_ms=chaos.latency_ms)
            await asyncio.sleep(chaos.latency_ms / 1000)
        if chaos.hang:
            self.audit.record("chaos", feature, fault="hang", op=op)
            return "spin"
        if chaos.failure_rate > 0 and self.random.random() < chaos.failure_rate:
            self.audit.record("chaos", feature, error_class="permanent", fault="failure", op=op)
            raise InjectedFaultError(f"injected fault in {feature} (chaos.failureRate)")
        return op

    def _on_worker_event(self, event: WorkerEvent) -> None:
        """Audit worker kills, crashes and restarts."""
        self.audit.record(
            "worker",
            "workers",
            error_class="timeout" if event.kind == "killed" else "unexpected",
            event=event.kind,
            op=event.op,
            pid=event.pid,
            reason=event.reason,
            elapsed_s=round(event.elapsed_s, 3),
        )
        self.status.changed("workers")

    # -- lifecycle --------------------------------------------------------------------------

    def request_stop(self, code: int) -> None:
        """Ask the main loop to stop with exit code `code` (from exit, EOF, SIGTERM, parent)."""
        if self.stop_code is None:
            self.stop_code = code
        if self._stop is not None:
            self._stop.set()

    async def cleanup(self) -> None:
        """Bounded cleanup: stop workers and registry clients, flush the audit log
        (idempotent)."""
        try:
            await asyncio.wait_for(self.pool.close(), SHUTDOWN_BUDGET_S)
        except TimeoutError:
            log.warning("workers did not stop within %.1fs", SHUTDOWN_BUDGET_S)
        try:
            await asyncio.wait_for(self.registry.aclose(), SHUTDOWN_BUDGET_S / 3)
        except TimeoutError:
            log.warning("registry clients did not close within %.1fs", SHUTDOWN_BUDGET_S / 3)
        self.audit.flush()

    async def serve_streams(self, reader_stream: Any, writer_stream: Any) -> int:
        """Serve one client on byte streams until exit/EOF; returns the exit code."""
        from pygls.io_ import StdoutWriter

        from server.lsp.stdio import Reader, dispatch

        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.protocol.set_writer(StdoutWriter(writer_stream))
        reader = Reader(
            reader_stream,
            loop,
            lambda body: dispatch(self.protocol, body),
            lambda: self.request_stop(0 if self.protocol._shutdown else 1),
        )
        reader.start()
        if sys.platform != "win32":
            loop.add_signal_handler(signal.SIGTERM, self.request_stop, 0)
        self.background(self.status.watch_event_loop())
        await self._stop.wait()
        for task in list(self._tasks):
            task.cancel()
        await self.cleanup()
        self.audit.close()
        return self.stop_code or 0
