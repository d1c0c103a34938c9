"""Document and configuration notifications: open, change, close, configuration changes.

The text itself is kept by the protocol's document store; these handlers schedule
diagnostics (debounced, so a burst of edits is coalesced) and apply new settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from server.lsp.server import ParserCraftServer


async def did_open(ls: ParserCraftServer, params: types.DidOpenTextDocumentParams) -> None:
    """Diagnose a newly opened document at once."""
    ls.diagnostics.schedule(params.text_document.uri, delay=False)


async def did_change(ls: ParserCraftServer, params: types.DidChangeTextDocumentParams) -> None:
    """Restart the diagnostics debounce of the edited document."""
    ls.diagnostics.schedule(params.text_document.uri)


async def did_close(ls: ParserCraftServer, params: types.DidCloseTextDocumentParams) -> None:
    """Drop pending work and clear the closed document's diagnostics."""
    ls.diagnostics.forget(params.text_document.uri)


async def did_change_configuration(
    ls: ParserCraftServer, params: types.DidChangeConfigurationParams
) -> None:
    """Apply pushed settings (`{"parsercraft": {...}}`), else pull them, then re-diagnose."""
    pushed = params.settings.get("parsercraft") if isinstance(params.settings, dict) else None
    await ls.reconfigure(pushed)


async def did_change_watched_files(
    ls: ParserCraftServer, params: types.DidChangeWatchedFilesParams
) -> None:
    """A config or project file changed on disk: reload languages and re-diagnose."""
    await ls.reconfigure(None, pull=False)


def register(server: ParserCraftServer) -> None:
    """Register the notifications."""
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
