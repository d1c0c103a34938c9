"""Push diagnostics: debounced per document, published per version, stale results dropped.

A degraded run (a fault, a deadline, an open breaker) publishes nothing, so the editor keeps
the last published set: a server fault never clears the user's diagnostics.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from lsprotocol import types

if TYPE_CHECKING:
    from server.lsp.server import ParserCraftServer


class DiagnosticsScheduler:
    """One pending diagnostics task per document; a new edit restarts its debounce."""

    def __init__(self, server: ParserCraftServer) -> None:
        self.server = server
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.published: dict[str, int] = {}

    def schedule(self, uri: str, *, delay: bool = True) -> None:
        """(Re)start the debounce for `uri`; a burst of edits leads to one computation."""
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        wait = self.server.settings.diagnostics_delay_ms / 1000 if delay else 0.0
        self.pending[uri] = asyncio.create_task(self._run(uri, wait))

    def forget(self, uri: str) -> None:
        """Stop work for a closed document and clear its diagnostics in the editor."""
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.published.pop(uri, None)
        self.server.pool.forget(uri)
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def _publish(self, uri: str, version: int, items: list[object]) -> None:
        """Send one publishDiagnostics for `version` of `uri`."""
        self.published[uri] = version
        self.server.rpc.notify_raw(
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            {"uri": uri, "version": version, "diagnostics": items},
        )

    async def _run(self, uri: str, wait: float) -> None:
        """Wait out the debounce, compute, and publish if the document did not move on."""
        try:
            await asyncio.sleep(wait)
            doc = self.server.documents.get(uri)
            if doc is None:
                return
            version = doc.version
            if self.server.too_large(doc):
                self._publish(uri, version, [_too_large(self.server.settings.max_document_mb)])
                return
            outcome = await self.server.run("diagnostics", "diagnostics_lsp", uri)
            current = self.server.documents.get(uri)
            if outcome is None and current is not None and uri in self.published:
                self._publish(uri, version, [])  # the document lost its language
                return
            if outcome is None or outcome.degraded is not None or current is None:
                return
            computed_version, items = cast("tuple[int, list[object]]", outcome.value)
            if current.version != version or computed_version != version:
                return  # stale: a newer edit has its own pending run
            self._publish(uri, version, items + self.server.registry.import_diagnostics(current))
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]
            self.server.status.changed("diagnostics")


def _too_large(limit_mb: float) -> dict[str, object]:
    """The one diagnostic of a document over the size limit."""
    return {
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "severity": 2,
        "code": "PC006",
        "source": "parsercraft",
        "message": f"document is larger than {limit_mb:g} MB (setting maxDocumentMb); "
        "it is not analysed",
    }
