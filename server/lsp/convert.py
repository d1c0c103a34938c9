"""Engine records -> LSP JSON, built directly as dicts in the worker processes.

The results travel from the worker to the client as they are, so nothing on the event loop
converts them, and a worker never imports lsprotocol (its import alone costs ~0.25 s per worker
start). Field names and values follow LSP 3.17; the end-to-end tests check every shape against
real client capabilities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.engine.analysis import Analysis, HoverInfo, OutlineSymbol
    from server.engine.diagnostic import Diagnostic
    from server.engine.text import LineIndex

Json = dict[str, object]

SOURCE = "parsercraft"
SYMBOL_KINDS = {
    "function": 12,
    "procedure": 12,
    "class": 5,
    "variable": 13,
    "constant": 14,
    "parameter": 13,
    "import": 2,
    "label": 20,
}
"""Outline kind -> LSP SymbolKind (Function, Class, Variable, Constant, Module, Key)."""
COMPLETION_KINDS = {
    "keyword": 14,
    "builtin": 3,
    "function": 3,
    "variable": 6,
    "parameter": 6,
    "class": 7,
    "constant": 21,
    "snippet": 15,
}
"""Completion candidate kind -> LSP CompletionItemKind."""
FOLD_KINDS = {"comment": "comment", "imports": "imports", "region": "region"}
SNIPPET, PLAIN_TEXT = 2, 1


def position(index: LineIndex, at: int) -> Json:
    """`{line, character}` (UTF-16) of a code-point offset."""
    line, character = index.position(at)
    return {"line": line, "character": character}


def range_of(index: LineIndex, start: int, end: int) -> Json:
    """`{start, end}` of a code-point span."""
    return {"start": position(index, start), "end": position(index, end)}


def text_edit(index: LineIndex, start: int, end: int, new_text: str) -> Json:
    """A TextEdit replacing a code-point span."""
    return {"range": range_of(index, start, end), "newText": new_text}


def location(uri: str, index: LineIndex, start: int, end: int) -> Json:
    """A Location in document `uri`."""
    return {"uri": uri, "range": range_of(index, start, end)}


def diagnostic(index: LineIndex, diag: Diagnostic) -> Json:
    """An LSP Diagnostic with our code and source."""
    return {
        "range": range_of(index, diag.start, diag.end),
        "severity": int(diag.severity),
        "code": diag.code,
        "source": SOURCE,
        "message": diag.message,
    }


def diagnostics(analysis: Analysis) -> list[Json]:
    """Every diagnostic of an analysis."""
    index = analysis.line_index
    return [diagnostic(index, d) for d in analysis.diagnostics]


def hover(index: LineIndex, info: HoverInfo | None) -> Json | None:
    """Markdown hover: the title in a code block, then the details and the inferred type."""
    if info is None:
        return None
    parts = [f"```\n{info.title}\n```"]
    if info.detail:
        parts.append(info.detail)
    if info.type and info.type != "unknown" and info.kind == "symbol":
        parts.append(f"Type: `{info.type}`")
    return {
        "contents": {"kind": "markdown", "value": "\n\n".join(parts)},
        "range": range_of(index, info.start, info.end),
    }


def document_symbol(index: LineIndex, symbol: OutlineSymbol) -> Json:
    """A hierarchical DocumentSymbol."""
    out: Json = {
        "name": symbol.name or "?",
        "kind": SYMBOL_KINDS.get(symbol.kind, 13),
        "range": range_of(index, symbol.start, symbol.end),
        "selectionRange": range_of(index, symbol.selection_start, symbol.selection_end),
        "children": [document_symbol(index, child) for child in symbol.children],
    }
    if symbol.type not in ("", "unknown"):
        out["detail"] = symbol.type
    return out
