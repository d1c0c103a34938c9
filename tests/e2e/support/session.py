"""An LSP session per test: its own settings and workspace, every notification recorded.

`session(settings)` starts `python -m server serve` through pytest-lsp (so responses are
still checked against the client's capabilities), initializes it, and on exit asserts the
audit log holds no `unexpected` event before shutting the server down. Tests await what
they need with `Session.until(predicate)`, which wakes on every notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.e2e.conftest import EXAMPLES, SERVER, command, init_params

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

STATUS = "parsercraft/status"
WAIT_S = 10.0
"""Bounds a wait in a broken test; passing tests are woken by the awaited notification."""

_RECORDED = (types.WINDOW_SHOW_MESSAGE, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, STATUS)


def plain(value: Any) -> Any:
    """pygls' namedtuple params (for methods it does not know) as plain dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class Session:
    """A running client and everything the server notified it of, in order."""

    def __init__(self) -> None:
        self.client: LanguageClient | None = None
        self.notifications: list[tuple[str, Any]] = []
        self._changed = asyncio.Event()

    # -- recording -------------------------------------------------------------------------

    def make_client(self) -> LanguageClient:
        """A pytest-lsp client whose notification handlers also record into this session."""
        client = LanguageClient(converter_factory=default_converter)
        features = dict(DEFAULT_CLIENT_FEATURES)
        for method in _RECORDED:
            features[method] = self._recorder(method, DEFAULT_CLIENT_FEATURES.get(method))
        register_lsp_features(client, features)
        return client

    def _recorder(self, method: str, original: Callable[..., Any] | None) -> Callable[..., Any]:
        """A client handler that runs pytest-lsp's own handler, then records the params."""

        def handler(ls: LanguageClient, params: Any) -> None:
            if original is not None:
                original(ls, params)
            self.notifications.append((method, plain(params) if method == STATUS else params))
            self._changed.set()

        return handler

    def of(self, method: str) -> list[Any]:
        """Every recorded notification of `method`, oldest first."""
        return [params for m, params in self.notifications if m == method]

    @property
    def statuses(self) -> list[dict[str, Any]]:
        """Every `parsercraft/status` payload received."""
        return self.of(STATUS)

    @property
    def messages(self) -> list[types.ShowMessageParams]:
        """Every `window/showMessage` received."""
        return self.of(types.WINDOW_SHOW_MESSAGE)

    def publishes(self, uri: str) -> list[types.PublishDiagnosticsParams]:
        """Every `publishDiagnostics` received for `uri`."""
        return [p for p in self.of(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS) if p.uri == uri]

    async def until(
        self, predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S
    ) -> None:
        """Return once `predicate()` holds, re-checking after each notification."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout_s
        while not predicate():
            self._changed.clear()
            left = end - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def status(
        self, predicate: Callable[[dict[str, Any]], bool], what: str, since: int = 0
    ) -> Any:
        """The first status payload (from the `since`-th on) that satisfies `predicate`."""
        start = since
        found: list[dict[str, Any]] = []

        def seen() -> bool:
            found[:] = [s for s in self.statuses[start:] if predicate(s)]
            return bool(found)

        await self.until(seen, what)
        return found[0]

    # -- requests --------------------------------------------------------------------------

    @property
    def lsp(self) -> LanguageClient:
        """The client (only while the session runs)."""
        assert self.client is not None
        return self.client

    async def command(self, name: str, *arguments: Any) -> Any:
        """Run a `parsercraft.*` command."""
        return await command(self.lsp, name, *arguments)

    async def timed_command(self, name: str, *arguments: Any) -> tuple[Any, float]:
        """Run a command; its result and the seconds the client waited for it."""
        started = time.perf_counter()
        result = await self.command(name, *arguments)
        return result, time.perf_counter() - started

    async def health(self) -> dict[str, Any]:
        """`parsercraft.health`."""
        return dict(await self.command("parsercraft.health"))

    async def audit(self, **filters: Any) -> list[dict[str, Any]]:
        """`parsercraft.audit` events (filters as the command takes them)."""
        arguments = (filters,) if filters else ()
        result = await self.command("parsercraft.audit", *arguments)
        return list(result["events"])

    async def metrics(self) -> dict[str, Any]:
        """`parsercraft.metrics` as JSON."""
        return dict(await self.command("parsercraft.metrics"))

    def push_settings(self, settings: dict[str, Any]) -> None:
        """Push the whole `parsercraft` section with `workspace/didChangeConfiguration`."""
        self.lsp.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"parsercraft": settings})
        )

    async def hover(self, uri: str, line: int, character: int) -> types.Hover | None:
        """`textDocument/hover`."""
        return await self.lsp.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        )

    async def completion(self, uri: str, line: int, character: int) -> types.CompletionList:
        """`textDocument/completion`, always as a list."""
        result = await self.lsp.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        )
        if isinstance(result, list):
            return types.CompletionList(is_incomplete=False, items=result)
        assert result is not None
        return result

    async def formatting(self, uri: str) -> list[types.TextEdit] | None:
        """`textDocument/formatting` with 2-space tabs."""
        return await self.lsp.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                options=types.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        )


@contextlib.asynccontextmanager
async def session(
    settings: dict[str, Any] | None = None,
    *,
    root: Path = EXAMPLES,
    client_name: str = "visual_studio_code",
    allow_unexpected: bool = False,
) -> AsyncIterator[Session]:
    """A started and initialized server; shut down (and checked for `unexpected`) on exit."""
    recorder = Session()
    config = ClientServerConfig(server_command=SERVER, client_factory=recorder.make_client)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    recorder.client = client
    closed = False
    try:
        await client.initialize_session(init_params(client_name, root, settings))
        yield recorder
        if not allow_unexpected:
            unexpected = await recorder.audit(kind="unexpected")
            assert unexpected == [], f"the server audited unexpected errors: {unexpected}"
        await asyncio.wait_for(client.shutdown_session(), WAIT_S)
        closed = True
    finally:
        await _stop(client, closed=closed)


async def _stop(client: LanguageClient, *, closed: bool) -> None:
    """Stop the client; after a failure, tell the server to exit (or kill it) first."""
    # pygls' stop() waits for the server process to end but never ends it.
    if not closed and client.error is None:
        with contextlib.suppress(Exception):
            client.exit(None)
    try:
        await asyncio.wait_for(asyncio.shield(client.stop()), WAIT_S)
    except TimeoutError:
        process = client._server  # the client's own child process; no public accessor
        if process is not None and process.returncode is None:
            process.kill()
        await client.stop()
