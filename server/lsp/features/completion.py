"""Completion: keywords as the language spells them, builtins with snippets, symbols in scope,
and package names and exports from the registry cache (`server.lsp.features.imports`).

Degraded (fault, deadline, open breaker): keywords and builtins only, `isIncomplete` true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from server.lsp.features import imports
from server.lsp.protocol import Raw

if TYPE_CHECKING:
    from server.lsp.server import ParserCraftServer

OPTIONS = types.CompletionOptions(trigger_characters=["."], resolve_provider=True)


async def completion(
    ls: ParserCraftServer, params: types.CompletionParams
) -> Raw | types.CompletionList | None:
    """Completion items at the cursor (with package names and exports from the registry
    cache in import lines and after `<package>.`), or the keyword-only list when degraded."""
    uri, position = params.text_document.uri, (params.position.line, params.position.character)
    snippets = snippet_support(ls)
    outcome = await ls.run("completion", "completion", uri, (position, snippets))
    packages = imports.completion_items(ls, uri, position, snippets)
    if outcome is None or outcome.degraded is None:
        value = None if outcome is None else outcome.value
        return None if value is None and not packages else Raw(imports.merge(value, packages))
    return fallback(ls, params)


def snippet_support(ls: ParserCraftServer) -> bool:
    """Whether the client accepts snippet insert texts (Neovim 0.7 does not advertise them)."""
    text_document = ls.client_capabilities.text_document
    completion = None if text_document is None else text_document.completion
    item = None if completion is None else completion.completion_item
    return bool(item is not None and item.snippet_support)


def fallback(ls: ParserCraftServer, params: types.CompletionParams) -> types.CompletionList:
    """The degraded list: the spec's keywords and builtins that match the word being typed."""
    from server.engine.complete import keyword_completions
    from server.engine.query import word_prefix

    doc = ls.documents.get(params.text_document.uri)
    language = None if doc is None else ls.language_of(doc)
    if doc is None or language is None:
        return types.CompletionList(is_incomplete=True, items=[])
    line_no, character = params.position.line, params.position.character
    line = doc.line(line_no) if line_no < doc.line_count else ""
    column = doc.offset_at(line_no, character) - doc.offset_at(line_no, 0)  # UTF-16 aware
    _, prefix = word_prefix(language.spec, line, column)
    items = [
        types.CompletionItem(
            label=c.label,
            kind=types.CompletionItemKind.Keyword
            if c.kind == "keyword"
            else types.CompletionItemKind.Function,
            detail=c.detail or None,
        )
        for c in keyword_completions(language.spec, prefix).items
    ]
    return types.CompletionList(is_incomplete=True, items=items)


async def resolve(ls: ParserCraftServer, item: types.CompletionItem) -> types.CompletionItem:
    """Full documentation of a keyword or builtin item (other items come back unchanged)."""
    from server.engine.complete import resolve_documentation

    data = item.data if isinstance(item.data, dict) else {}
    doc = ls.documents.get(str(data.get("uri", "")))
    language = None if doc is None else ls.language_of(doc)
    kind = data.get("kind")
    if language is None or kind not in ("keyword", "builtin"):
        return item
    docs = resolve_documentation(language.spec, item.label, str(kind))
    if docs:
        item.documentation = types.MarkupContent(kind=types.MarkupKind.Markdown, value=docs)
    return item


def register(server: ParserCraftServer) -> None:
    """Register completion and completionItem/resolve."""
    server.feature(types.TEXT_DOCUMENT_COMPLETION, OPTIONS)(completion)
    server.feature(types.COMPLETION_ITEM_RESOLVE)(resolve)
