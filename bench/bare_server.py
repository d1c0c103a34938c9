"""The baseline of `bench/lsp.py`: a plain pygls 2.x server that does no work.

Incremental text sync through pygls' own workspace; completion, hover and formatting answer
an empty result at once. Everything a real server adds is measured against this.

Run: `.venv/bin/python bench/bare_server.py` (LSP over stdio).
"""

from __future__ import annotations

import logging

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer(
    "bare-pygls", "0", text_document_sync_kind=types.TextDocumentSyncKind.Incremental
)


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    """An empty list."""
    return types.CompletionList(is_incomplete=False, items=[])


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    """No hover."""
    return None


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: LanguageServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    """No edits."""
    return []


if __name__ == "__main__":
    # pygls warns on stderr for every cancel of an already answered request; the flood sends
    # 200 of them, and writing warnings is not the work being compared.
    logging.getLogger("pygls").setLevel(logging.ERROR)
    server.start_io()
