"""Hover, signature help, definition, references, rename, document and workspace symbols.

Degraded results: hover says "type unknown"; the others answer nothing (None or []).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from server.lsp.features import imports
from server.lsp.protocol import Raw, RequestFailed

if TYPE_CHECKING:
    from resilience import Outcome
    from server.lsp.server import ParserCraftServer


UNKNOWN_HOVER = {"contents": {"kind": "markdown", "value": "type unknown (analysis unavailable)"}}
"""The degraded hover: the type could not be computed."""


def _pos(position: types.Position) -> tuple[int, int]:
    """An LSP position as the plain pair the worker jobs take."""
    return position.line, position.character


def _raw(outcome: Outcome[object] | None, degraded: object = None) -> object:
    """The worker's JSON-ready value, or `degraded` when there is no value."""
    if outcome is None:
        return None
    return degraded if outcome.degraded is not None else Raw(outcome.value)


async def hover(ls: ParserCraftServer, params: types.HoverParams) -> object:
    """Docs and inferred type of the word under the cursor ("type unknown" when degraded);
    a package export's signature and docs from the registry cache."""
    uri, at = params.text_document.uri, _pos(params.position)
    package = imports.hover(ls, uri, at)
    if package is not None:
        return Raw(package)
    return _raw(await ls.run("hover", "hover", uri, (at,)), Raw(UNKNOWN_HOVER))


async def signature_help(ls: ParserCraftServer, params: types.SignatureHelpParams) -> object:
    """The signature of the call around the cursor (a package function's from the cache)."""
    uri, at = params.text_document.uri, _pos(params.position)
    package = imports.signature_help(ls, uri, at)
    if package is not None:
        return Raw(package)
    return _raw(await ls.run("signatureHelp", "signature_help", uri, (at,)))


async def definition(ls: ParserCraftServer, params: types.DefinitionParams) -> object:
    """Where the symbol under the cursor is defined."""
    uri, at = params.text_document.uri, _pos(params.position)
    return _raw(await ls.run("references", "definition", uri, (at,)))


async def references(ls: ParserCraftServer, params: types.ReferenceParams) -> object:
    """Every use of the symbol under the cursor."""
    uri, at = params.text_document.uri, _pos(params.position)
    include = params.context.include_declaration
    return _raw(await ls.run("references", "references", uri, (at, include)), [])


async def prepare_rename(ls: ParserCraftServer, params: types.PrepareRenameParams) -> object:
    """The range of a renameable user symbol under the cursor, or None."""
    uri, at = params.text_document.uri, _pos(params.position)
    return _raw(await ls.run("rename", "prepare_rename", uri, (at,)))


async def rename(ls: ParserCraftServer, params: types.RenameParams) -> object:
    """Edits renaming every occurrence; a refused name is a request error with the reason."""
    uri, at = params.text_document.uri, _pos(params.position)
    outcome = await ls.run("rename", "rename", uri, (at, params.new_name))
    if outcome is None or outcome.degraded is not None:
        return None
    value = outcome.value
    assert isinstance(value, dict)
    if "refused" in value:
        raise RequestFailed(value["refused"])
    return Raw(value["edit"])


async def document_symbol(ls: ParserCraftServer, params: types.DocumentSymbolParams) -> object:
    """The document outline."""
    return _raw(await ls.run("symbols", "document_symbols", params.text_document.uri), [])


async def workspace_symbol(ls: ParserCraftServer, params: types.WorkspaceSymbolParams) -> object:
    """Symbols of every open document whose name contains the query."""
    found: list[object] = []
    for uri in ls.documents.uris():
        outcome = await ls.run("symbols", "workspace_symbols", uri, (params.query,))
        if outcome is not None and outcome.degraded is None and isinstance(outcome.value, list):
            found.extend(outcome.value)
    return Raw(found)


def register(server: ParserCraftServer) -> None:
    """Register the navigation features."""
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
    )(signature_help)
    server.feature(types.TEXT_DOCUMENT_DEFINITION)(definition)
    server.feature(types.TEXT_DOCUMENT_REFERENCES)(references)
    server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)(prepare_rename)
    server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))(rename)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbol)
    server.feature(types.WORKSPACE_SYMBOL)(workspace_symbol)
