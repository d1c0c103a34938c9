"""Semantic tokens (full, range and delta) and folding ranges of an analysed document.

Semantic tokens follow LSP's relative encoding: five integers per token (deltaLine,
deltaStartChar, length, tokenType, tokenModifiers), with positions and lengths in UTF-16 code
units and lines as `LineIndex` counts them (split at `\\n`). A token that spans lines (a block
comment, a triple-quoted string) is emitted once per line, because many clients do not
support multi-line tokens. Names are classified through the symbol table: a user name is a
function, class, variable, parameter or namespace (an import), with `declaration` at its
definition; builtins are functions with `defaultLibrary`; BASIC line numbers are macros.

Folding ranges come from multi-line blocks of every style, multi-line block comments, runs
of two or more comment-only lines, and runs of import lines. A block ends on the line before
its closer when the closer starts its line, so the closer stays visible.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Literal

import attrs

from server.engine.legend import TOKEN_MODIFIERS, TOKEN_TYPES
from server.engine.query import token_count_before
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.analysis import Analysis

__all__ = [
    "TOKEN_MODIFIERS",
    "TOKEN_TYPES",
    "Fold",
    "FoldKind",
    "SemanticEdit",
    "folding_ranges",
    "semantic_tokens",
    "semantic_tokens_delta",
    "semantic_tokens_range",
]

FoldKind = Literal["region", "comment", "imports"]

_T = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECLARATION, _LIBRARY, _READONLY = 1, 2, 4
_DEF_TYPES = {
    "function": (_T["function"], 0),
    "procedure": (_T["function"], 0),
    "class": (_T["class"], 0),
    "variable": (_T["variable"], 0),
    "constant": (_T["variable"], _READONLY),
    "parameter": (_T["parameter"], 0),
    "import": (_T["namespace"], 0),
    "label": (_T["macro"], 0),
}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_PLAIN = {
    TokenKind.KEYWORD: (_T["keyword"], 0),
    TokenKind.STRING: (_T["string"], 0),
    TokenKind.COMMENT: (_T["comment"], 0),
    TokenKind.OPERATOR: (_T["operator"], 0),
    TokenKind.NUMBER: (_T["number"], 0),
    TokenKind.LINE_NUMBER: (_T["macro"], _DECLARATION),
}


@attrs.frozen
class SemanticEdit:
    """Replace `delete_count` integers at index `start` of the previous data with `data`."""

    start: int
    delete_count: int
    data: tuple[int, ...]


@attrs.frozen
class Fold:
    """A folding range over whole lines `[start_line, end_line]` (0-based)."""

    start_line: int
    end_line: int
    kind: FoldKind | None = None


def _utf16(text: str, start: int, end: int, astral: bool) -> int:
    """The UTF-16 length of `text[start:end]`."""
    if not astral:
        return end - start
    chunk = text[start:end]
    return len(chunk) + len(_ASTRAL.findall(chunk))


def _encode(analysis: Analysis, first: int, start: int, end: int) -> list[int]:
    """Relative-encoded data of tokens from index `first` that intersect `[start, end)`.

    One pass; lines advance at NEWLINE tokens holding `\\n` and inside multi-line tokens,
    so no per-token search of the text is needed. Hot loop: locals, `is` on kinds.
    """
    text = analysis.text
    tokens = analysis.tokens
    data: list[int] = []
    if first >= len(tokens):
        return data
    astral = _ASTRAL.search(text) is not None
    line_index = analysis.line_index
    line = line_index.line_of(tokens[first].start)
    line_start = line_index.line_starts[line]
    prev_line, prev_col = 0, 0
    col_at, col_units = line_start, 0  # astral text: UTF-16 column `col_units` at `col_at`
    prev: Token | None = tokens[first - 1] if first > 0 else None
    target_at = analysis.symbols.target_at
    defs = analysis.symbols.definitions
    ndefs = len(defs)
    member = analysis.spec.member_access
    plain = _PLAIN
    def_types = _DEF_TYPES
    newline, punct, ident, builtin, number, comment, string = (
        TokenKind.NEWLINE,
        TokenKind.PUNCT,
        TokenKind.IDENT,
        TokenKind.BUILTIN,
        TokenKind.NUMBER,
        TokenKind.COMMENT,
        TokenKind.STRING,
    )
    variable, prop, function, number_type = (
        _T["variable"],
        _T["property"],
        _T["function"],
        _T["number"],
    )
    append = data.extend
    for i in range(first, len(tokens)):
        tok = tokens[i]
        kind, tok_text, tok_start, tok_end = tok[0], tok[1], tok[2], tok[3]
        if tok_start >= end:
            break
        if kind is newline:
            if "\n" in tok_text:
                line += 1
                line_start = tok_end
            continue
        if kind is punct:
            prev = tok
            continue
        if kind is ident or kind is builtin or kind is number:
            target = target_at.get(tok_start)
            if target is not None and 0 <= target < ndefs:
                d = defs[target]
                type_, mods = def_types.get(d[1], (variable, 0))
                if d[4] == tok_start:
                    mods |= _DECLARATION
            elif kind is builtin:
                type_, mods = function, _LIBRARY
            elif kind is number:
                type_, mods = number_type, 0
            elif prev is not None and prev[1] == member and prev[3] == tok_start:
                type_, mods = prop, 0
            else:
                type_, mods = variable, 0
            prev = tok
        else:
            found = plain.get(kind)
            if kind is not comment:
                prev = tok
            if found is None:
                continue
            type_, mods = found
            if (kind is comment or kind is string) and "\n" in tok_text:
                line, line_start, prev_line, prev_col = _multiline(
                    text,
                    tok,
                    (line, line_start, prev_line, prev_col),
                    (start, end, astral),
                    (type_, mods, data),
                )
                continue
        if tok_end <= start:
            continue
        if astral:  # incremental, so that a long line costs linear time
            if col_at < line_start:
                col_at, col_units = line_start, 0
            col_units += _utf16(text, col_at, tok_start, True)
            col_at = tok_start
            col = col_units
            length = _utf16(text, tok_start, tok_end, True)
        else:
            col = tok_start - line_start
            length = tok_end - tok_start
        if line == prev_line:
            append((0, col - prev_col, length, type_, mods))
        else:
            append((line - prev_line, col, length, type_, mods))
        prev_line, prev_col = line, col
    return data


def _multiline(
    text: str,
    tok: Token,
    state: tuple[int, int, int, int],
    window: tuple[int, int, bool],
    out: tuple[int, int, list[int]],
) -> tuple[int, int, int, int]:
    """Emit a token spanning lines once per line; the (line, line start, prev line, prev col)."""
    line, line_start, prev_line, prev_col = state
    start, end, astral = window
    type_, mods, data = out
    piece = tok.start
    while True:
        nl = text.find("\n", piece, tok.end)
        piece_end = tok.end if nl < 0 else nl
        shown_end = piece_end
        if nl >= 0 and piece_end > piece and text[piece_end - 1] == "\r":
            shown_end -= 1
        length = _utf16(text, piece, shown_end, astral)
        if length > 0 and piece_end > start and piece < end:
            col = _utf16(text, line_start, piece, astral)
            delta = line - prev_line
            data.extend((delta, col - prev_col if delta == 0 else col, length, type_, mods))
            prev_line, prev_col = line, col
        if nl < 0:
            return line, line_start, prev_line, prev_col
        line += 1
        piece = line_start = nl + 1


def semantic_tokens(analysis: Analysis) -> tuple[int, ...]:
    """The whole document's semantic token data; linear in the number of tokens."""
    return tuple(_encode(analysis, 0, 0, len(analysis.text) + 1))


def semantic_tokens_range(analysis: Analysis, start: int, end: int) -> tuple[int, ...]:
    """Data of the tokens intersecting `[start, end)`, relative-encoded from (0, 0)."""
    size = len(analysis.text)
    start = max(0, min(start, size))
    end = max(start, min(end, size + 1))
    if end <= start:
        return ()
    tokens = analysis.tokens
    first = token_count_before(tokens, start)
    if first > 0 and tokens[first - 1].end > start:
        first -= 1  # a token that starts before the range and reaches into it
    return tuple(_encode(analysis, first, start, end))


def semantic_tokens_delta(
    previous: tuple[int, ...], current: tuple[int, ...]
) -> tuple[SemanticEdit, ...]:
    """One edit turning `previous` into `current` (none when equal), over the differing middle."""
    if previous == current:
        return ()
    limit = min(len(previous), len(current))
    head = 0
    step = 512  # compare slices first: C speed on long equal runs
    while head + step <= limit and previous[head : head + step] == current[head : head + step]:
        head += step
    while head < limit and previous[head] == current[head]:
        head += 1
    tail = 0
    room = limit - head
    n_prev, n_cur = len(previous), len(current)
    while (
        tail + step <= room
        and previous[n_prev - tail - step : n_prev - tail]
        == current[n_cur - tail - step : n_cur - tail]
    ):
        tail += step
    while tail < room and previous[n_prev - 1 - tail] == current[n_cur - 1 - tail]:
        tail += 1
    return (SemanticEdit(head, len(previous) - head - tail, current[head : len(current) - tail]),)


def _starts_line(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether token `index` is the first on its line (a BASIC line number does not count)."""
    j = index - 1
    if j >= 0 and tokens[j].kind is TokenKind.LINE_NUMBER:
        j -= 1
    return j < 0 or tokens[j].kind is TokenKind.NEWLINE


def folding_ranges(analysis: Analysis) -> tuple[Fold, ...]:
    """Folds of blocks, block comments, comment-line runs and import runs; sorted, unique."""
    line_of = analysis.line_index.line_of
    tokens = analysis.tokens
    found: dict[tuple[int, int], FoldKind | None] = {}

    def add(first: int, last: int, kind: FoldKind | None) -> None:
        if last > first and found.get((first, last)) is None:
            found[(first, last)] = kind

    starts = analysis.line_index.line_starts
    find_line = bisect.bisect_right
    size = len(analysis.text)
    for block in analysis.blocks.blocks:
        close_start, close_end = block.close_start, block.close_end
        if close_start is None or close_end is None or close_end > size:
            continue
        first = find_line(starts, block.open_start) - 1
        last = find_line(starts, close_end if block.kind == "indent" else close_start) - 1
        if last <= first:
            continue  # most blocks and brackets sit on one line
        if block.kind != "indent":
            closer = block.close_token if block.close_token is not None else len(tokens)
            closer = min(closer, len(tokens) - 1)
            while closer > 0 and tokens[closer].start > close_start:
                closer -= 1  # the first word of a multi-word closer such as `END IF`
            if 0 <= closer < len(tokens) and _starts_line(tokens, closer):
                last -= 1
        add(first, last, None)
    run_first = run_last = -2
    comment = TokenKind.COMMENT
    for i in [i for i, t in enumerate(tokens) if t[0] is comment]:
        tok = tokens[i]
        first = line_of(tok.start)
        last = line_of(max(tok.end - 1, tok.start))
        if last > first:
            add(first, last, "comment")
            continue
        if not _starts_line(tokens, i):
            continue
        if first == run_last + 1:
            run_last = first
        else:
            add(run_first, run_last, "comment")
            run_first = run_last = first
    add(run_first, run_last, "comment")
    defs = analysis.symbols.definitions
    run_first = run_last = -2
    for index in analysis.tree.imports:
        if not 0 <= index < len(defs):
            continue
        line = line_of(defs[index].start)
        if line in (run_last, run_last + 1):
            run_last = line
        else:
            add(run_first, run_last, "imports")
            run_first = run_last = line
    add(run_first, run_last, "imports")
    return tuple(Fold(a, b, k) for (a, b), k in sorted(found.items()))
