"""The feature jobs run in worker processes: an engine query, then LSP JSON via `convert`.

Each job takes the `JobContext` (document, spec, cached analysis) and the handler's plain
arguments (positions as `(line, character)` pairs) and returns data the event loop sends as
it is. Positions are converted here, next to the analysis' line index. Formatting does not
need an analysis: it builds its own line index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine import analysis as engine
from server.engine import complete, fixes, highlight, hints, rename, signature
from server.engine.format import FormatOptions, format_range, format_text
from server.engine.text import LineIndex
from server.lsp import convert

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.engine.format import FormatResult
    from server.lsp.jobs import JobContext

Json = convert.Json


def _at(ctx: JobContext, args: tuple[object, ...], i: int = 0) -> int:
    """The offset of the `(line, character)` position in `args[i]`."""
    pair = args[i]
    assert isinstance(pair, tuple | list) and len(pair) == 2  # positions travel as pairs
    return ctx.analysis.line_index.offset(int(pair[0]), int(pair[1]))


def diagnostics(ctx: JobContext, args: tuple[object, ...]) -> object:
    """`(version, [Diagnostic])` for publishDiagnostics."""
    return ctx.version, convert.diagnostics(ctx.analysis)


def hover(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Hover for the word at the position."""
    a = ctx.analysis
    return convert.hover(a.line_index, engine.hover_at(a, _at(ctx, args)))


def completion(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The completion list at the position; with `args[1]` false, no snippets (plain names)."""
    a = ctx.analysis
    result = complete.completions(a, _at(ctx, args))
    edit_range = convert.range_of(a.line_index, result.replace_start, result.replace_end)
    snippets = bool(args[1]) if len(args) > 1 else True
    items: list[Json] = []
    for c in result.items:
        snippet = c.is_snippet and snippets
        item: Json = {
            "label": c.label,
            "kind": convert.COMPLETION_KINDS.get(c.kind, 1),
            "sortText": c.sort_text,
            "insertTextFormat": convert.SNIPPET if snippet else convert.PLAIN_TEXT,
            "textEdit": {
                "range": edit_range,
                "newText": (c.insert_text or c.label) if snippet or not c.is_snippet else c.label,
            },
            "data": {"kind": c.kind, "uri": ctx.uri},
        }
        if c.detail:
            item["detail"] = c.detail
        items.append(item)
    return {"isIncomplete": result.is_incomplete, "items": items}


def signature_help(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Signature help for the call around the position."""
    info = signature.signature_at(ctx.analysis, _at(ctx, args))
    if info is None:
        return None
    sig: Json = {
        "label": info.label,
        "parameters": [{"label": [start, end]} for start, end in info.parameters],
        "activeParameter": info.active_parameter,
    }
    if info.documentation:
        sig["documentation"] = {"kind": "markdown", "value": info.documentation}
    return {"signatures": [sig], "activeSignature": 0, "activeParameter": info.active_parameter}


def definition(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The location of the definition of the symbol at the position."""
    a = ctx.analysis
    span = engine.definition_at(a, _at(ctx, args))
    return None if span is None else convert.location(ctx.uri, a.line_index, *span)


def references(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Every occurrence of the symbol at the position (the definition only if asked)."""
    a = ctx.analysis
    at = _at(ctx, args)
    include_declaration = bool(args[1]) if len(args) > 1 else True
    declaration = engine.definition_at(a, at)
    return [
        convert.location(ctx.uri, a.line_index, s, e)
        for s, e in engine.references_at(a, at)
        if include_declaration or (s, e) != declaration
    ]


def prepare_rename(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The range and placeholder of a renameable symbol, or None."""
    a = ctx.analysis
    found = rename.prepare_rename(a, _at(ctx, args))
    if found is None:
        return None
    start, end, placeholder = found
    return {"range": convert.range_of(a.line_index, start, end), "placeholder": placeholder}


def rename_symbol(ctx: JobContext, args: tuple[object, ...]) -> object:
    """`{"edit": WorkspaceEdit}` or `{"refused": reason}`."""
    a = ctx.analysis
    result = rename.rename_edits(a, _at(ctx, args), str(args[1]))
    if isinstance(result, rename.RenameRefusal):
        return {"refused": result.reason}
    edits = [convert.text_edit(a.line_index, e.start, e.end, e.new_text) for e in result]
    return {"edit": {"changes": {ctx.uri: edits}}}


def document_symbols(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The hierarchical outline."""
    a = ctx.analysis
    return [convert.document_symbol(a.line_index, s) for s in engine.outline(a)]


def workspace_symbols(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Flat symbols of this document whose names contain the query (case-insensitive)."""
    a = ctx.analysis
    query = str(args[0]).lower()
    out: list[Json] = []
    stack = list(engine.outline(a))
    while stack:
        symbol = stack.pop()
        stack.extend(symbol.children)
        if query in symbol.name.lower():
            out.append(
                {
                    "name": symbol.name,
                    "kind": convert.SYMBOL_KINDS.get(symbol.kind, 13),
                    "location": convert.location(
                        ctx.uri, a.line_index, symbol.selection_start, symbol.selection_end
                    ),
                }
            )
    return out


def folding(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Folding ranges of blocks, block comments and comment runs."""
    out: list[Json] = []
    for fold in highlight.folding_ranges(ctx.analysis):
        item: Json = {"startLine": fold.start_line, "endLine": fold.end_line}
        if fold.kind:
            item["kind"] = convert.FOLD_KINDS.get(fold.kind, "region")
        out.append(item)
    return out


def semantic_tokens(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The full semantic token data (a flat int list)."""
    return list(highlight.semantic_tokens(ctx.analysis))


def semantic_tokens_range(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Semantic tokens within a range."""
    return list(highlight.semantic_tokens_range(ctx.analysis, _at(ctx, args, 0), _at(ctx, args, 1)))


def inlay_hints(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Inferred-type (and parameter-name) hints within a range."""
    a = ctx.analysis
    return [
        {
            "position": convert.position(a.line_index, h.offset),
            "label": h.label,
            "kind": 1 if h.kind == "type" else 2,
            "paddingLeft": h.kind == "type",
            "paddingRight": h.kind != "type",
        }
        for h in hints.inlay_hints(a, _at(ctx, args, 0), _at(ctx, args, 1))
    ]


def code_actions(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Quick fixes for the diagnostics in a range."""
    a = ctx.analysis
    index = a.line_index
    out: list[Json] = []
    for fix in fixes.quick_fixes(a, _at(ctx, args, 0), _at(ctx, args, 1)):
        edits = [convert.text_edit(index, e.start, e.end, e.new_text) for e in fix.edits]
        action: Json = {
            "title": fix.title,
            "kind": "quickfix",
            "edit": {"changes": {ctx.uri: edits}},
            "isPreferred": fix.is_preferred,
        }
        if fix.diagnostic is not None:
            action["diagnostics"] = [convert.diagnostic(index, fix.diagnostic)]
        out.append(action)
    return out


def formatting(ctx: JobContext, args: tuple[object, ...]) -> object:
    """`{"edits": [TextEdit]}` or `{"refused": reason}` for the whole document."""
    options = FormatOptions(indent_width=_width(args[0]))
    return _format_reply(ctx, format_text(ctx.spec, ctx.text, options))


def range_formatting(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Like `formatting`, for the lines of a range."""
    options = FormatOptions(indent_width=_width(args[2]))
    index = LineIndex(ctx.text)
    start, end = (index.offset(int(p[0]), int(p[1])) for p in _pairs(args[:2]))
    return _format_reply(ctx, format_range(ctx.spec, ctx.text, start, end, options), index)


def _width(value: object) -> int:
    """An indentation width argument."""
    assert isinstance(value, int)
    return value


def _pairs(values: tuple[object, ...]) -> list[tuple[int, int]]:
    """Position pairs from job arguments."""
    out = []
    for pair in values:
        assert isinstance(pair, tuple | list) and len(pair) == 2
        out.append((int(pair[0]), int(pair[1])))
    return out


def _format_reply(ctx: JobContext, result: FormatResult, index: LineIndex | None = None) -> object:
    """Edits in LSP ranges of the input text, or the refusal."""
    if result.refused is not None:
        return {"refused": result.refused}
    index = index or LineIndex(ctx.text)
    return {"edits": [convert.text_edit(index, e.start, e.end, e.new_text) for e in result.edits]}


ANSWERS: dict[str, Callable[[JobContext, tuple[object, ...]], object]] = {
    "code_actions": code_actions,
    "completion": completion,
    "definition": definition,
    "diagnostics_lsp": diagnostics,
    "document_symbols": document_symbols,
    "folding": folding,
    "formatting": formatting,
    "hover": hover,
    "inlay_hints": inlay_hints,
    "prepare_rename": prepare_rename,
    "range_formatting": range_formatting,
    "references": references,
    "rename": rename_symbol,
    "semantic_tokens": semantic_tokens,
    "semantic_tokens_range": semantic_tokens_range,
    "signature_help": signature_help,
    "workspace_symbols": workspace_symbols,
}
"""Feature jobs, merged into the worker's job table when a worker starts."""
