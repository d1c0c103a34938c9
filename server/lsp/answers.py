"""The feature jobs run in worker processes: engine query, then JSON-ready LSP data.

Each job takes the `JobContext` (document, spec, cached analysis) and the handler's plain
arguments (positions as `(line, character)` pairs) and returns data the event loop sends as
it is. Positions are converted here, next to the analysis' line index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from server.engine import analysis as engine
from server.engine import complete, fixes, highlight, hints, rename, signature
from server.engine.format import FormatOptions, format_range, format_text
from server.engine.text import LineIndex
from server.lsp import convert

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.lsp.jobs import JobContext

_COMPLETION_KINDS = {
    "keyword": types.CompletionItemKind.Keyword,
    "builtin": types.CompletionItemKind.Function,
    "function": types.CompletionItemKind.Function,
    "variable": types.CompletionItemKind.Variable,
    "parameter": types.CompletionItemKind.Variable,
    "class": types.CompletionItemKind.Class,
    "constant": types.CompletionItemKind.Constant,
    "snippet": types.CompletionItemKind.Snippet,
}


def _at(ctx: JobContext, args: tuple[object, ...], i: int = 0) -> int:
    """The offset of the `(line, character)` position in `args[i]`."""
    pair = args[i]
    assert isinstance(pair, tuple | list) and len(pair) == 2  # positions travel as pairs
    return ctx.analysis.line_index.offset(int(pair[0]), int(pair[1]))


def diagnostics(ctx: JobContext, args: tuple[object, ...]) -> object:
    """`(version, [Diagnostic])` for publishDiagnostics."""
    return ctx.version, convert.wire(convert.diagnostics(ctx.analysis))


def hover(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Hover for the word at the position."""
    a = ctx.analysis
    return convert.wire(convert.hover(a.line_index, engine.hover_at(a, _at(ctx, args))))


def completion(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The completion list at the position; `args[1]` false: no snippets (plain names)."""
    a = ctx.analysis
    result = complete.completions(a, _at(ctx, args))
    edit_range = convert.range_of(a.line_index, result.replace_start, result.replace_end)
    snippets = bool(args[1]) if len(args) > 1 else True
    items = [
        types.CompletionItem(
            label=c.label,
            kind=_COMPLETION_KINDS.get(c.kind, types.CompletionItemKind.Text),
            detail=c.detail or None,
            sort_text=c.sort_text or None,
            insert_text_format=(
                types.InsertTextFormat.Snippet
                if c.is_snippet and snippets
                else types.InsertTextFormat.PlainText
            ),
            text_edit=types.TextEdit(
                range=edit_range,
                new_text=c.label if c.is_snippet and not snippets else c.insert_text or c.label,
            ),
            data={"kind": c.kind, "uri": ctx.uri},
        )
        for c in result.items
    ]
    return convert.wire(types.CompletionList(is_incomplete=result.is_incomplete, items=items))


def signature_help(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Signature help for the call around the position."""
    info = signature.signature_at(ctx.analysis, _at(ctx, args))
    if info is None:
        return None
    params = [types.ParameterInformation(label=(start, end)) for start, end in info.parameters]
    sig = types.SignatureInformation(
        label=info.label,
        documentation=info.documentation or None,
        parameters=params,
        active_parameter=info.active_parameter,
    )
    return convert.wire(
        types.SignatureHelp(
            signatures=[sig], active_signature=0, active_parameter=info.active_parameter
        )
    )


def definition(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The location of the definition of the symbol at the position."""
    a = ctx.analysis
    span = engine.definition_at(a, _at(ctx, args))
    if span is None:
        return None
    return convert.wire(
        types.Location(uri=ctx.uri, range=convert.range_of(a.line_index, span[0], span[1]))
    )


def references(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Every occurrence of the symbol at the position (the definition only if asked)."""
    a = ctx.analysis
    at = _at(ctx, args)
    include_declaration = bool(args[1]) if len(args) > 1 else True
    spans = engine.references_at(a, at)
    definition_span = engine.definition_at(a, at)
    return convert.wire(
        [
            types.Location(uri=ctx.uri, range=convert.range_of(a.line_index, s, e))
            for s, e in spans
            if include_declaration or (s, e) != definition_span
        ]
    )


def prepare_rename(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The range and placeholder of a renameable symbol, or None."""
    a = ctx.analysis
    found = rename.prepare_rename(a, _at(ctx, args))
    if found is None:
        return None
    start, end, placeholder = found
    return convert.wire(
        types.PrepareRenamePlaceholder(
            range=convert.range_of(a.line_index, start, end), placeholder=placeholder
        )
    )


def rename_symbol(ctx: JobContext, args: tuple[object, ...]) -> object:
    """`{"edit": WorkspaceEdit}` or `{"refused": reason}`."""
    a = ctx.analysis
    result = rename.rename_edits(a, _at(ctx, args), str(args[1]))
    if isinstance(result, rename.RenameRefusal):
        return {"refused": result.reason}
    edits = [
        types.TextEdit(range=convert.range_of(a.line_index, e.start, e.end), new_text=e.new_text)
        for e in result
    ]
    return {"edit": convert.wire(types.WorkspaceEdit(changes={ctx.uri: edits}))}


def document_symbols(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The hierarchical outline."""
    a = ctx.analysis
    return convert.wire([convert.document_symbol(a.line_index, s) for s in engine.outline(a)])


def workspace_symbols(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Flat symbols of this document whose names contain the query (case-insensitive)."""
    a = ctx.analysis
    query = str(args[0]).lower()
    out: list[types.WorkspaceSymbol] = []
    stack = list(engine.outline(a))
    while stack:
        symbol = stack.pop()
        stack.extend(symbol.children)
        if query in symbol.name.lower():
            out.append(
                types.WorkspaceSymbol(
                    name=symbol.name,
                    kind=convert.symbol_kind(symbol.kind),
                    location=types.Location(
                        uri=ctx.uri,
                        range=convert.range_of(
                            a.line_index, symbol.selection_start, symbol.selection_end
                        ),
                    ),
                )
            )
    return convert.wire(out)


def folding(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Folding ranges of blocks, block comments and comment runs."""
    kinds = {"comment": types.FoldingRangeKind.Comment, "imports": types.FoldingRangeKind.Imports}
    return convert.wire(
        [
            types.FoldingRange(
                start_line=f.start_line,
                end_line=f.end_line,
                kind=kinds.get(f.kind or "", types.FoldingRangeKind.Region),
            )
            for f in highlight.folding_ranges(ctx.analysis)
        ]
    )


def semantic_tokens(ctx: JobContext, args: tuple[object, ...]) -> object:
    """The full semantic token data (a flat int list)."""
    return list(highlight.semantic_tokens(ctx.analysis))


def semantic_tokens_range(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Semantic tokens within a range."""
    return list(highlight.semantic_tokens_range(ctx.analysis, _at(ctx, args, 0), _at(ctx, args, 1)))


def inlay_hints(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Inferred-type hints within a range."""
    a = ctx.analysis
    out = [
        types.InlayHint(
            position=convert.position(a.line_index, h.offset),
            label=h.label,
            kind=types.InlayHintKind.Type if h.kind == "type" else types.InlayHintKind.Parameter,
            padding_left=h.kind == "type",
        )
        for h in hints.inlay_hints(a, _at(ctx, args, 0), _at(ctx, args, 1))
    ]
    return convert.wire(out)


def code_actions(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Quick fixes for the diagnostics in a range."""
    a = ctx.analysis
    out = []
    for fix in fixes.quick_fixes(a, _at(ctx, args, 0), _at(ctx, args, 1)):
        edits = [
            types.TextEdit(
                range=convert.range_of(a.line_index, e.start, e.end), new_text=e.new_text
            )
            for e in fix.edits
        ]
        out.append(
            types.CodeAction(
                title=fix.title,
                kind=types.CodeActionKind.QuickFix,
                edit=types.WorkspaceEdit(changes={ctx.uri: edits}),
                is_preferred=fix.is_preferred,
            )
        )
    return convert.wire(out)


def formatting(ctx: JobContext, args: tuple[object, ...]) -> object:
    """`{"edits": [TextEdit]}` or `{"refused": reason}` for the whole document."""
    options = FormatOptions(indent_width=int(args[0]))  # type: ignore[call-overload]  # an int
    return _format_reply(ctx, format_text(ctx.spec, ctx.text, options))


def range_formatting(ctx: JobContext, args: tuple[object, ...]) -> object:
    """Like `formatting`, for the lines of a range."""
    options = FormatOptions(indent_width=int(args[2]))  # type: ignore[call-overload]  # an int
    start, end = _at(ctx, args, 0), _at(ctx, args, 1)
    return _format_reply(ctx, format_range(ctx.spec, ctx.text, start, end, options))


def _format_reply(ctx: JobContext, result: object) -> object:
    """Edits in LSP ranges of the input text, or the refusal."""
    refused = getattr(result, "refused", None)
    if refused is not None:
        return {"refused": refused}
    index = LineIndex(ctx.text)
    edits = [
        types.TextEdit(range=convert.range_of(index, e.start, e.end), new_text=e.new_text)
        for e in getattr(result, "edits", ())
    ]
    return {"edits": convert.wire(edits)}


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
