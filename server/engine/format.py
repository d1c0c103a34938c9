"""The formatter: re-indent by block depth, normalize spacing, never change the program.

`format_text` lays out every line; `format_range` only the lines a range touches. The rules:
keywords take the spec's spelling (case-insensitive languages), each line is indented by
its block depth (`blocks.block_structure`), spacing between tokens follows `layout.Spacer`,
comments and strings are copied byte for byte (the content lines of a multi-line comment or
string keep their indentation), a BASIC line number stays at column 0 followed by one space,
trailing whitespace goes (except inside a multi-line comment or string), runs of blank lines
are cut to `max_blank_lines`, leading and trailing blank lines go, a non-empty result ends in
exactly one line break, and every line break outside tokens takes the document's dominant
spelling (CRLF stays CRLF). Lines are never joined or split.

The safety gate re-lexes every changed line and compares its tokens with the input's (kinds
and texts; whitespace, runs of line breaks and keyword case in case-insensitive languages
aside); in indentation languages it also compares the block depth of every line of code. Any
difference returns the input unchanged with the reason in `refused`. Input with an
unterminated string or block comment is refused up front. Linear time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import attrs

from server.engine.blocks import block_structure
from server.engine.collect import collector_paused
from server.engine.layout import Spacer
from server.engine.lex import lex, lexer_for
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from server.engine.spec import LanguageSpec

__all__ = ["FormatOptions", "FormatResult", "TextEdit", "format_range", "format_text"]

_NEWLINE = TokenKind.NEWLINE
_COMMENT = TokenKind.COMMENT
_STRING = TokenKind.STRING
_LINE_NUMBER = TokenKind.LINE_NUMBER
_CASED = (TokenKind.KEYWORD, TokenKind.OPERATOR)  # a tuple: enum hashing is slow


@attrs.frozen
class FormatOptions:
    """How the formatter lays out a document."""

    indent_width: int = 4
    """Spaces per block level (at least 1; not used when `use_tabs`)."""
    use_tabs: bool = False
    """Indent with one tab per level instead of spaces."""
    max_blank_lines: int = 1
    """The longest run of blank lines kept between two lines of code."""
    keyword_case_from_spec: bool = True
    """In a case-insensitive language, spell keywords and word operators as the spec does."""


@attrs.frozen
class TextEdit:
    """Replace the input's code points `[start, end)` with `new_text`."""

    start: int
    end: int
    new_text: str


@attrs.frozen
class FormatResult:
    """The formatted text (or the input when refused), the edits that produce it from the input."""

    text: str
    edits: tuple[TextEdit, ...] = ()
    changed: bool = False
    refused: str | None = None


class _Row(NamedTuple):
    """One logical line: input span (line break included), its tokens, first physical line."""

    start: int
    end: int
    line: int
    first: int
    stop: int
    ending: str


def format_text(
    spec: LanguageSpec, text: str, options: FormatOptions | None = None
) -> FormatResult:
    """The whole document formatted, or the input unchanged with the reason it was refused."""
    with collector_paused():
        return _format(spec, text, options or FormatOptions(), None)


def format_range(
    spec: LanguageSpec,
    text: str,
    start_offset: int,
    end_offset: int,
    options: FormatOptions | None = None,
) -> FormatResult:
    """The document with only the lines that intersect `[start_offset, end_offset)` formatted."""
    lo = max(0, min(start_offset, end_offset, len(text)))
    hi = max(0, min(max(start_offset, end_offset), len(text)))
    with collector_paused():
        return _format(spec, text, options or FormatOptions(), (lo, hi))


def _format(
    spec: LanguageSpec, text: str, options: FormatOptions, span: tuple[int, int] | None
) -> FormatResult:
    """Lay out, gate and diff; `span` limits the rows that may change."""
    tokens = lex(spec, text)
    broken = _unterminated(tokens, text)
    if broken is not None:
        return FormatResult(text, refused=broken)
    depths = block_structure(spec, tokens, text).line_depths
    rows = _rows(tokens, text)
    new = _layout(spec, tokens, text, rows=rows, depths=depths, options=options)
    if span is not None:
        new = [
            fresh if _touches(row, span) else text[row.start : row.end]
            for row, fresh in zip(rows, new, strict=True)
        ]
    out = "".join(new)
    if out == text:
        return FormatResult(text)
    reason = _gate(spec, tokens, text, rows, new)
    if reason is None and spec.blocks.style == "indent":
        # Other styles derive depths from the tokens alone, which the gate just compared.
        out_tokens = lex(spec, out)
        out_depths = block_structure(spec, out_tokens, out).line_depths
        reason = _compare_depths(rows, depths, _rows(out_tokens, out), out_depths, tokens)
    if reason is not None:
        return FormatResult(text, refused=reason)
    return FormatResult(out, tuple(_edits(text, rows, new)), changed=True)


def _touches(row: _Row, span: tuple[int, int]) -> bool:
    """True when the row intersects the span (an empty span touches the row holding it)."""
    lo, hi = span
    if lo == hi:
        return row.start <= lo < row.end or lo == row.start
    return row.start < hi and lo < row.end


def _unterminated(tokens: Sequence[Token], text: str) -> str | None:
    """Why a file with an unterminated string or block comment cannot be formatted, or None."""
    for tok in tokens:
        if not tok.terminated:
            what = "string" if tok.kind is _STRING else "block comment"
            line = text.count("\n", 0, tok.start) + 1
            first = tok.text.splitlines()[0] if tok.text else tok.text
            return (
                f"cannot format: unterminated {what} {_show(first)} at line {line} "
                "(formatting could move code into or out of it)"
            )
    return None


def _rows(tokens: Sequence[Token], text: str) -> list[_Row]:
    """The logical lines of `text`; a multi-line comment or string stays inside one row.

    Physical lines are counted by `\\n` as `blocks.block_structure` counts them.
    """
    rows: list[_Row] = []
    start = first = line = row_line = 0
    for i, tok in enumerate(tokens):
        kind = tok.kind
        if kind is _NEWLINE:
            rows.append(_Row(start, tok.end, row_line, first, i, tok.text))
            if "\n" in tok.text:
                line += 1
            start, first, row_line = tok.end, i + 1, line
        elif (kind is _STRING or kind is _COMMENT) and "\n" in tok.text:
            line += tok.text.count("\n")
    rows.append(_Row(start, len(text), row_line, first, len(tokens), ""))
    return rows


def _dominant_ending(tokens: Sequence[Token]) -> str:
    """The most frequent line break outside tokens; `\\n` when there is none or on a tie."""
    counts = {"\n": 0, "\r\n": 0, "\r": 0}
    for tok in tokens:
        if tok.kind is _NEWLINE:
            counts[tok.text] += 1
    return max(("\n", "\r\n", "\r"), key=lambda e: counts[e])


def _layout(
    spec: LanguageSpec,
    tokens: Sequence[Token],
    text: str,
    *,
    rows: Sequence[_Row],
    depths: Sequence[int],
    options: FormatOptions,
) -> list[str]:
    """The new text of every row (an empty string deletes the row)."""
    spacer = Spacer(spec)
    ending = _dominant_ending(tokens)
    unit = "\t" if options.use_tabs else " " * max(1, options.indent_width)
    spell = _speller(spec) if options.keyword_case_from_spec and not spec.case_sensitive else None
    # A lone `\r` is a line break to the lexer but not to `block_structure`; keep indentation.
    reindent = not any(t.kind is _NEWLINE and t.text == "\r" for t in tokens)
    content = [row.first < row.stop for row in rows]
    last = max((i for i, has in enumerate(content) if has), default=-1)
    keep_blank = max(0, options.max_blank_lines)
    out: list[str] = []
    blanks = 0
    seen = False
    for i, row in enumerate(rows):
        if not content[i]:
            blanks += 1
            out.append(ending if seen and i < last and blanks <= keep_blank else "")
            continue
        blanks = 0
        seen = True
        toks = tokens[row.first : row.stop]
        texts = [
            spell.get(spec.fold(t.text), t.text) if spell and t.kind in _CASED else t.text
            for t in toks
        ]
        if toks[-1].kind is _COMMENT and "\n" not in texts[-1] and "\r" not in texts[-1]:
            texts[-1] = texts[-1].rstrip()
        gaps = spacer.gaps(toks, texts, text)
        if toks[0].kind is _LINE_NUMBER:
            # BASIC: the line number stays at column 0; the statement after it is indented.
            indent = ""
            if gaps:
                depth = depths[row.line] if reindent and row.line < len(depths) else 0
                gaps[0] = " " + unit * depth
        elif reindent and row.line < len(depths):
            indent = unit * depths[row.line]
        else:
            indent = text[row.start : toks[0].start].expandtabs(max(1, options.indent_width))
            if options.use_tabs:
                indent = text[row.start : toks[0].start]
        parts = [indent, texts[0]]
        for gap, word in zip(gaps, texts[1:], strict=True):
            parts.append(gap)
            parts.append(word)
        parts.append(ending)
        out.append("".join(parts))
    return out


def _speller(spec: LanguageSpec) -> dict[str, str]:
    """Folded word -> the spec's spelling, for keywords and word operators."""
    table: dict[str, str] = {}
    for op in spec.operators:
        if op.symbol.strip():
            table.setdefault(spec.fold(op.symbol), op.symbol)
    for kw in reversed(spec.keywords):
        if kw.custom.strip():
            table[spec.fold(kw.custom)] = kw.custom
    return table


def _comparable(spec: LanguageSpec, tok: Token) -> tuple[TokenKind, str, bool]:
    """What must survive formatting: kind, text (keyword case folded when case-insensitive,
    a comment's trailing blanks aside, any line break as `\\n`) and terminatedness."""
    kind = tok.kind
    text = tok.text
    if kind is _NEWLINE:
        text = "\n"
    elif kind is _COMMENT:
        text = text.rstrip()
    elif kind in _CASED and not spec.case_sensitive:
        text = spec.fold(text)
    return kind, text, tok.terminated


def _gate(
    spec: LanguageSpec, tokens: Sequence[Token], text: str, rows: Sequence[_Row], new: list[str]
) -> str | None:
    """Why the new rows would lex differently from the old ones, or None.

    Every row starts outside any token, where the lexer has no state, so re-lexing each changed
    row on its own and finding the row's tokens and one final line break proves that the whole
    result lexes to the input's tokens; unchanged rows need no work. A token that would run
    into the next row comes out unterminated and so differs.
    """
    lexer = lexer_for(spec)  # once: hashing the spec for the cache costs more than a short lex
    seen = 0
    for row, fresh in zip(rows, new, strict=True):
        old = tokens[row.first : row.stop]
        if fresh and fresh != text[row.start : row.end]:
            got = lexer.lex(fresh)
            want = [_comparable(spec, t) for t in old]
            want.append((_NEWLINE, "\n", True))
            have = [_comparable(spec, t) for t in got]
            if have != want:
                k = next(
                    (k for k, (a, b) in enumerate(zip(want, have, strict=False)) if a != b),
                    min(len(want), len(have)),
                )
                was = _show(old[k].text) if k < len(old) else "<end of line>"
                late = k >= len(got) or got[k].kind is _NEWLINE
                became = "<end of line>" if late else _show(got[k].text)
                line = text.count("\n", 0, old[k].start if k < len(old) else row.end) + 1
                return (
                    f"formatting would change the program: token {seen + k + 1} {was} "
                    f"became {became} at line {line}"
                )
        seen += len(old)
    return None


def _show(text: str) -> str:
    """`text` quoted for a message, escaped and cut to 30 characters."""
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return "'" + (shown if len(shown) <= 30 else shown[:27] + "...") + "'"


def _compare_depths(
    old_rows: Sequence[_Row],
    old_depths: Sequence[int],
    new_rows: Sequence[_Row],
    new_depths: Sequence[int],
    old_tokens: Sequence[Token],
) -> str | None:
    """Why the block depth of some line of code would change, or None (the tokens are equal)."""
    old = [r for r in old_rows if r.first < r.stop]
    new = [r for r in new_rows if r.first < r.stop]
    for a, b in zip(old, new, strict=False):
        da = old_depths[a.line] if a.line < len(old_depths) else -1
        db = new_depths[b.line] if b.line < len(new_depths) else -1
        if da != db and old_tokens[a.first].kind is not _LINE_NUMBER:
            return (
                f"formatting would change the block structure: line {a.line + 1} "
                f"would move from depth {da} to depth {db}"
            )
    if len(old) != len(new):
        return "formatting would change the program: the number of lines of code differs"
    return None


def _edits(text: str, rows: Sequence[_Row], new: Sequence[str]) -> list[TextEdit]:
    """One edit per run of changed rows, trimmed to the part that differs."""
    edits: list[TextEdit] = []
    i = 0
    n = len(rows)
    while i < n:
        row = rows[i]
        if new[i] == text[row.start : row.end]:
            i += 1
            continue
        j = i
        while j + 1 < n and new[j + 1] != text[rows[j + 1].start : rows[j + 1].end]:
            j += 1
        edits.append(_trimmed(text, rows[i].start, rows[j].end, "".join(new[i : j + 1])))
        i = j + 1
    return edits


def _trimmed(text: str, start: int, end: int, replacement: str) -> TextEdit:
    """The edit `[start, end) -> replacement` without the common prefix and suffix.

    A boundary never falls between the `\r` and `\n` of a CRLF.
    """
    old = text[start:end]
    limit = min(len(old), len(replacement))
    p = 0
    while p < limit and old[p] == replacement[p]:
        p += 1
    if 0 < p < len(old) and old[p - 1] == "\r" and old[p] == "\n":
        p -= 1
    s = 0
    while s < limit - p and old[-1 - s] == replacement[-1 - s]:
        s += 1
    cut = len(old) - s
    if s > 0 and cut > 0 and old[cut - 1] == "\r" and old[cut] == "\n":
        s -= 1
    return TextEdit(start + p, end - s, replacement[p : len(replacement) - s])
