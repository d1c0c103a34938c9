"""Engine records <-> lsprotocol types; the only module that imports both.

Conversions run inside the worker process, next to the analysis and its `LineIndex`, and the
results are unstructured to JSON-ready data there, so the event loop only forwards them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.engine.diagnostic import Severity

if TYPE_CHECKING:
    from cattrs import Converter

    from server.engine.analysis import Analysis, HoverInfo, OutlineSymbol
    from server.engine.diagnostic import Diagnostic
    from server.engine.text import LineIndex

_SYMBOL_KINDS = {
    "function": types.SymbolKind.Function,
    "procedure": types.SymbolKind.Function,
    "class": types.SymbolKind.Class,
    "variable": types.SymbolKind.Variable,
    "constant": types.SymbolKind.Constant,
    "parameter": types.SymbolKind.Variable,
    "import": types.SymbolKind.Module,
    "label": types.SymbolKind.Key,
}
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
SOURCE = "parsercraft"


@cache
def converter() -> Converter:
    """pygls' converter (camelCase, None omitted), built once per process."""
    from pygls.protocol import default_converter

    built: Converter = default_converter()  # type: ignore[no-untyped-call]  # pygls is untyped here
    return built


def wire(value: object) -> Any:
    """`value` (lsprotocol objects, lists of them, or None) as JSON-ready data."""
    return converter().unstructure(value)


def offset(index: LineIndex, position: types.Position | tuple[int, int]) -> int:
    """The code-point offset of an LSP position (clamped to the text)."""
    if isinstance(position, types.Position):
        return index.offset(position.line, position.character)
    return index.offset(position[0], position[1])


def position(index: LineIndex, at: int) -> types.Position:
    """The LSP position (UTF-16) of a code-point offset."""
    line, character = index.position(at)
    return types.Position(line=line, character=character)


def range_of(index: LineIndex, start: int, end: int) -> types.Range:
    """The LSP range of a code-point span."""
    return types.Range(start=position(index, start), end=position(index, end))


def diagnostic(index: LineIndex, diag: Diagnostic) -> types.Diagnostic:
    """An LSP diagnostic with our code and source."""
    return types.Diagnostic(
        range=range_of(index, diag.start, diag.end),
        message=diag.message,
        severity=_SEVERITY[diag.severity],
        code=diag.code,
        source=SOURCE,
    )


def diagnostics(analysis: Analysis) -> list[types.Diagnostic]:
    """Every diagnostic of an analysis."""
    index = analysis.line_index
    return [diagnostic(index, d) for d in analysis.diagnostics]


def hover(index: LineIndex, info: HoverInfo | None) -> types.Hover | None:
    """Markdown hover: the title in a code block, then the details and the inferred type."""
    if info is None:
        return None
    parts = [f"```\n{info.title}\n```"]
    if info.detail:
        parts.append(info.detail)
    if info.type and info.type != "unknown" and info.kind == "symbol":
        parts.append(f"Type: `{info.type}`")
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(parts)),
        range=range_of(index, info.start, info.end),
    )


def unknown_hover() -> types.Hover:
    """The degraded hover: the type could not be computed."""
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="type unknown (analysis unavailable)"
        )
    )


def document_symbol(index: LineIndex, symbol: OutlineSymbol) -> types.DocumentSymbol:
    """A hierarchical document symbol."""
    return types.DocumentSymbol(
        name=symbol.name or "?",
        kind=_SYMBOL_KINDS.get(symbol.kind, types.SymbolKind.Variable),
        range=range_of(index, symbol.start, symbol.end),
        selection_range=range_of(index, symbol.selection_start, symbol.selection_end),
        detail=None if symbol.type in ("", "unknown") else symbol.type,
        children=[document_symbol(index, child) for child in symbol.children],
    )


def symbol_kind(kind: str) -> types.SymbolKind:
    """The LSP symbol kind of an outline kind."""
    return _SYMBOL_KINDS.get(kind, types.SymbolKind.Variable)
