"""Formatting and range formatting through the engine's token-preserving formatter.

Degraded, or refused by the formatter's safety gate: no edits, and one warning message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from server.lsp.features.navigation import _pos
from server.lsp.protocol import Raw

if TYPE_CHECKING:
    from resilience import Outcome
    from server.lsp.server import ParserCraftServer


def _edits(ls: ParserCraftServer, uri: str, outcome: Outcome[object] | None) -> object:
    """The edits, or `[]` with a warning when degraded or refused."""
    if outcome is None:
        return None
    if outcome.degraded is not None:
        ls.warn_once(f"format:{uri}", "Formatting is unavailable right now; nothing was changed.")
        return []
    value = outcome.value
    assert isinstance(value, dict)
    if "refused" in value:
        ls.warn_once(f"format:{uri}", f"Not formatted: {value['refused']}")
        return []
    return Raw(value["edits"])


async def formatting(ls: ParserCraftServer, params: types.DocumentFormattingParams) -> object:
    """Edits that format the whole document."""
    uri = params.text_document.uri
    width = ls.indent_width(uri, params.options)
    return _edits(ls, uri, await ls.run("formatting", "formatting", uri, (width,)))


async def range_formatting(
    ls: ParserCraftServer, params: types.DocumentRangeFormattingParams
) -> object:
    """Edits that format the lines of a range."""
    uri, r = params.text_document.uri, params.range
    width = ls.indent_width(uri, params.options)
    args = (_pos(r.start), _pos(r.end), width)
    return _edits(ls, uri, await ls.run("formatting", "range_formatting", uri, args))


def register(server: ParserCraftServer) -> None:
    """Register formatting and range formatting."""
    server.feature(types.TEXT_DOCUMENT_FORMATTING)(formatting)
    server.feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)(range_formatting)
