"""The one entry point of the language engine: `analyze(spec, text) -> Analysis`.

Stages: lex -> blocks -> structural parse -> symbols -> types -> diagnostics. Every stage is
total (no stage raises for any text), so `analyze` never raises; there is no catch-all.
Queries over an analysis: `outline`, `hover_at`, `definition_at`, `references_at`, and
`infer.type_at` / `infer.type_of_definition`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import attrs

from server.engine.blocks import BlockStructure, block_structure
from server.engine.check import all_problems
from server.engine.collect import collector_paused
from server.engine.infer import Types, infer_types
from server.engine.lex import lexer_for
from server.engine.nodes import Outline
from server.engine.parse import parse
from server.engine.symbols import Symbols, build_symbols, occurrences_of, symbol_at
from server.engine.text import LineIndex
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.diagnostic import Diagnostic
    from server.engine.spec import LanguageSpec

__all__ = [
    "Analysis",
    "HoverInfo",
    "OutlineSymbol",
    "analyze",
    "definition_at",
    "hover_at",
    "outline",
    "references_at",
]


@attrs.frozen(eq=False)
class Analysis:
    """Everything known about one document; diagnostics are sorted by position."""

    spec: LanguageSpec
    text: str
    tokens: tuple[Token, ...]
    blocks: BlockStructure
    tree: Outline
    symbols: Symbols
    types: Types
    diagnostics: tuple[Diagnostic, ...]
    line_index: LineIndex

    @property
    def outline(self) -> Outline:
        """The structural parse (alias of `tree`)."""
        return self.tree


@attrs.frozen
class OutlineSymbol:
    """A document-symbol entry: `start`/`end` contain `selection_start`/`selection_end`."""

    name: str
    kind: str
    type: str
    start: int
    end: int
    selection_start: int
    selection_end: int
    children: tuple[OutlineSymbol, ...] = ()


@attrs.frozen
class HoverInfo:
    """What to show for the word at a position: a title line and Markdown details."""

    start: int
    end: int
    kind: Literal["keyword", "builtin", "symbol"]
    title: str
    detail: str
    type: str


def analyze(spec: LanguageSpec, text: str) -> Analysis:
    """Analyse `text` as a program of `spec`'s language; never raises."""
    with collector_paused():
        return _analyze(spec, text)


def _analyze(spec: LanguageSpec, text: str) -> Analysis:
    """The passes of `analyze`, in order."""
    lexed = lexer_for(spec).scan(text)
    tokens = lexed.tokens
    blocks = block_structure(spec, tokens, text, hanging=False)
    tree = parse(spec, tokens, text, blocks, skippable=lexed.skippable)
    symbols = build_symbols(spec, tree)
    types = infer_types(spec, tree, symbols)
    line_index = LineIndex(text)
    diagnostics = all_problems(
        spec,
        text,
        tokens=tokens,
        blocks=blocks,
        outline=tree,
        symbols=symbols,
        types=types,
        line_index=line_index,
        flawed=lexed.flawed,
    )
    return Analysis(spec, text, tokens, blocks, tree, symbols, types, diagnostics, line_index)


def outline(analysis: Analysis) -> tuple[OutlineSymbol, ...]:
    """Top-level definitions with their nested definitions as children."""
    defs = analysis.symbols.definitions
    types = analysis.types.definition_types
    used_labels = {t for _, _, t in analysis.symbols.occurrences if defs[t].kind == "label"}
    counts: dict[int, int] = {}
    for _, _, t in analysis.symbols.occurrences:
        counts[t] = counts.get(t, 0) + 1
    children: dict[int, list[int]] = {}
    for i, d in enumerate(defs):
        if d.kind == "label" and (i not in used_labels or counts.get(i, 0) < 2):
            continue
        if analysis.symbols.aliases[i] >= 0:
            continue
        children.setdefault(d.scope, []).append(i)

    def build(i: int, depth: int) -> OutlineSymbol:
        d = defs[i]
        kids = children.get(i, []) if depth < 50 else []
        return OutlineSymbol(
            d.name,
            d.kind,
            types[i],
            min(d.start, d.name_start),
            max(d.end, d.name_end),
            d.name_start,
            d.name_end,
            tuple(build(k, depth + 1) for k in sorted(kids, key=lambda k: defs[k].name_start)),
        )

    top = sorted(children.get(-1, []), key=lambda k: defs[k].name_start)
    return tuple(build(i, 0) for i in top)


def _token_at(analysis: Analysis, offset: int) -> Token | None:
    """The token covering `offset` (a cursor right after a word counts)."""
    tokens = analysis.tokens
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid].start <= offset:
            lo = mid + 1
        else:
            hi = mid
    i = lo
    for j in (i - 1, i - 2):
        if 0 <= j < len(tokens):
            tok = tokens[j]
            if tok.kind is not TokenKind.NEWLINE and tok.start <= offset <= tok.end:
                return tok
    return None


def hover_at(analysis: Analysis, offset: int) -> HoverInfo | None:
    """Keyword meanings (all of them, §12.3), builtin signature, or user symbol and type."""
    tok = _token_at(analysis, offset)
    if tok is None:
        return None
    spec = analysis.spec
    word = spec.fold(tok.text)
    keywords = spec.keywords_by_custom.get(word, ())
    builtins = spec.builtins_by_name.get(word, ())
    if tok.kind in (TokenKind.KEYWORD, TokenKind.BUILTIN) and (keywords or builtins):
        lines = [
            f"keyword `{kw.custom}`: `{kw.original}` ({kw.category})"
            + (f": {kw.description}" if kw.description else "")
            for kw in keywords
        ]
        for fn in builtins:
            lines.append(
                f"builtin `{_signature(fn.name, fn.params, fn.min_args, fn.max_args)}`"
                f" -> {fn.return_type}" + (f": {fn.description}" if fn.description else "")
            )
        kind: Literal["keyword", "builtin"] = "keyword" if keywords else "builtin"
        ret = builtins[0].return_type if builtins and not keywords else "unknown"
        return HoverInfo(tok.start, tok.end, kind, tok.text, "\n\n".join(lines), ret)
    target = symbol_at(analysis.symbols, offset)
    if target is None:
        return None
    d = analysis.symbols.definitions[target]
    type_ = analysis.types.definition_types[target]
    title = f"{d.kind} {d.name}"
    if d.kind in ("function", "procedure"):
        params = ", ".join(
            analysis.symbols.definitions[p].name
            for p in d.params
            if p < len(analysis.symbols.definitions)
        )
        title = f"{d.kind} {d.name}({params})"
    detail = f"{title}: {type_}" + (" (implicitly declared)" if d.implicit else "")
    return HoverInfo(tok.start, tok.end, "symbol", title, detail, type_)


def _signature(name: str, params: tuple[str, ...], low: int, high: int) -> str:
    """`name(a, b)` from declared parameter names, else from the arity bounds."""
    if params:
        return f"{name}({', '.join(params)})"
    if high < 0:
        return f"{name}(...)" if low <= 0 else f"{name}({low}+ args)"
    if low == high or low < 0:
        return f"{name}({high} args)" if high != 1 else f"{name}(1 arg)"
    return f"{name}({low}-{high} args)"


def definition_at(analysis: Analysis, offset: int) -> tuple[int, int] | None:
    """The name span of the definition of the symbol at `offset`, or None."""
    target = symbol_at(analysis.symbols, offset)
    if target is None:
        return None
    d = analysis.symbols.definitions[target]
    return (d.name_start, d.name_end)


def references_at(analysis: Analysis, offset: int) -> tuple[tuple[int, int], ...]:
    """Every span naming the symbol at `offset`, its definition included; () if none."""
    target = symbol_at(analysis.symbols, offset)
    if target is None:
        return ()
    return occurrences_of(analysis.symbols, target)
