"""Block structure of indentation languages (a line ending in `:` opens a block).

Split from `blocks.py`, which re-exports the result through `block_structure`. Rules
(PARSERCRAFT.md §12.8): the body of a header is the run of following code lines indented deeper
than the header's logical line; blank and comment-only lines never close a block and take the
depth their own indentation suggests, bounded by the surrounding code lines; lines inside
unclosed brackets are continuations (+1 per open bracket). Linear, never raises.
"""

from __future__ import annotations

from server.engine.blocks import Block, BlockStructure
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.tokens import Token, TokenKind

_OPEN = {"(": ")", "[": "]", "{": "}"}
_new = tuple.__new__  # builds Blocks without the Python-level NamedTuple __new__ frame
_CLOSE = {")": "(", "]": "[", "}": "{"}


def _width(text: str, start: int, end: int) -> int:
    """The indentation width of `text[start:end]`, tabs to multiples of 8."""
    chunk = text[start:end]
    return len(chunk.expandtabs(8)) if "\t" in chunk else len(chunk)


def indent_structure(tokens: tuple[Token, ...], text: str) -> BlockStructure:
    """Blocks, line depths and problems of an indentation-structured token stream."""
    nlines = text.count("\n") + 1
    depths = [0] * nlines
    verbatim: set[int] = set()
    problems: list[Diagnostic] = []
    records: list[list[int | None]] = []
    kinds: list[str] = []
    brackets: list[tuple[int, str, int]] = []  # (record index, opener, line)
    # open indent blocks: (record index, body indent)
    blocks: list[tuple[int, int]] = []
    pending: int | None = None  # record index of a header waiting for its body
    pending_indent = 0
    pending_lines: list[tuple[int, int]] = []  # (line, own level) of blank/comment lines
    line = 0
    line_start = 0
    first = True  # no code token seen yet on this line
    noted = False  # this line already has a depth entry (it starts with a comment)
    logical_indent = 0
    last_code = -1  # index of the last code token
    last_sig = ""  # text of the last non-comment token of the current line

    def close_to(width: int) -> None:
        while blocks and width < blocks[-1][1]:
            rec = records[blocks.pop()[0]]
            if last_code >= 0:
                rec[1] = last_code
                rec[4] = tokens[last_code].start
                rec[5] = tokens[last_code].end

    def flush(depth: int, upper: int) -> None:
        for ln, own in pending_lines:
            depths[ln] = max(depth, min(own, upper))
        pending_lines.clear()

    def own_level(width: int) -> int:
        return sum(1 for _, body in blocks if body <= width)

    NEWLINE, COMMENT, PUNCT, STRING = (  # noqa: N806  # hot loop: locals, not enum lookups
        TokenKind.NEWLINE,
        TokenKind.COMMENT,
        TokenKind.PUNCT,
        TokenKind.STRING,
    )
    for i, tok in enumerate(tokens):
        kind = tok[0]
        if kind is NEWLINE:
            if first and not noted and line < nlines:
                if brackets:
                    depths[line] = len(blocks) + len(brackets)
                else:
                    pending_lines.append((line, 0))
            if last_sig == ":" and not brackets and pending is None:
                pending = len(records) - 1
                pending_indent = logical_indent
            if "\n" in tok.text:
                line += 1
                line_start = tok.end
            first = True
            noted = False
            last_sig = ""
            continue
        if kind is COMMENT:
            comment_only = first
            if first and not noted and line < nlines:
                noted = True
                if brackets:
                    depths[line] = len(blocks) + len(brackets)
                else:
                    pending_lines.append((line, own_level(_width(text, line_start, tok.start))))
            if "\n" in tok.text:
                for _ in range(tok.text.count("\n")):
                    line += 1
                    if line < nlines:
                        verbatim.add(line)
                        if comment_only and not brackets:
                            pending_lines.append((line, len(blocks)))
                        else:
                            depths[line] = len(blocks) + len(brackets)
            continue
        if first:
            first = False
            if noted and pending_lines and pending_lines[-1][0] == line:
                pending_lines.pop()  # a comment followed by code: a code line after all
            if brackets:
                if line < nlines:
                    lead = len(brackets) - (1 if tok.text in _CLOSE else 0)
                    depths[line] = len(blocks) + max(lead, 0)
            else:
                start = tok[2]  # an unindented line needs no `_width`
                width = 0 if start == line_start else _width(text, line_start, start)
                logical_indent = width
                if pending is not None:
                    if width > pending_indent:
                        blocks.append((pending, width))
                    else:
                        _no_body(records, pending, problems)
                    pending = None
                upper = len(blocks)
                if blocks and width < blocks[-1][1]:
                    close_to(width)
                if pending_lines:
                    flush(len(blocks), upper)
                if line < nlines:
                    depths[line] = len(blocks)
        txt = tok[1]
        if kind is PUNCT:
            if txt in _OPEN:
                records.append([i, None, tok.start, tok.end, None, None])
                kinds.append("bracket")
                brackets.append((len(records) - 1, txt, line))
            elif txt in _CLOSE:
                _close_bracket(records, brackets, problems, i, tok)
            elif txt == ":" and not brackets:
                records.append([i, None, tok.start, tok.end, None, None])
                kinds.append("indent")
            last_sig = txt
        else:
            last_sig = ""
            if kind is STRING and "\n" in txt:
                for _ in range(txt.count("\n")):
                    line += 1
                    if line < nlines:
                        verbatim.add(line)
                        depths[line] = len(blocks) + len(brackets)
        last_code = i
    if pending is not None:
        _no_body(records, pending, problems)
    upper = len(blocks)
    close_to(-1)
    flush(0, upper)
    for rec_index, _, _ in brackets:
        rec = records[rec_index]
        problems.append(
            Diagnostic(
                rec[2] or 0,
                rec[3] or 0,
                Severity.ERROR,
                "PC103",
                f"unclosed '{tokens[rec[0] or 0].text}'",
            )
        )
    return _freeze(records, kinds, depths, verbatim, problems)


def _no_body(records: list[list[int | None]], index: int, problems: list[Diagnostic]) -> None:
    """Report a header whose block has no indented body."""
    rec = records[index]
    problems.append(
        Diagnostic(
            rec[2] or 0,
            rec[3] or 0,
            Severity.ERROR,
            "PC100",
            "unclosed block: expected an indented body after ':'",
        )
    )


def _close_bracket(
    records: list[list[int | None]],
    brackets: list[tuple[int, str, int]],
    problems: list[Diagnostic],
    i: int,
    tok: Token,
) -> None:
    """Match a closing bracket against the open brackets, reporting mismatches."""
    opener = _CLOSE[tok.text]
    if brackets and brackets[-1][1] == opener:
        rec = records[brackets.pop()[0]]
    elif len(brackets) > 1 and brackets[-2][1] == opener:
        inner_index, inner_open, _ = brackets.pop()
        inner = records[inner_index]
        problems.append(
            Diagnostic(
                inner[2] or 0, inner[3] or 0, Severity.ERROR, "PC103", f"unclosed '{inner_open}'"
            )
        )
        rec = records[brackets.pop()[0]]
    else:
        detail = f": the open bracket is '{brackets[-1][1]}'" if brackets else ""
        problems.append(
            Diagnostic(
                tok.start, tok.end, Severity.ERROR, "PC104", f"unmatched '{tok.text}'{detail}"
            )
        )
        return
    rec[1] = i
    rec[4] = tok.start
    rec[5] = tok.end


def _freeze(
    records: list[list[int | None]],
    kinds: list[str],
    depths: list[int],
    verbatim: set[int],
    problems: list[Diagnostic],
) -> BlockStructure:
    """Drop indent headers that never got a body and freeze the rest."""
    out = []
    for rec, kind in zip(records, kinds, strict=True):
        if kind == "indent" and rec[1] is None:
            continue
        fields = (rec[0] or 0, rec[1], rec[2] or 0, rec[3] or 0, rec[4], rec[5])
        out.append(_new(Block, (*fields, "indent" if kind == "indent" else "bracket")))
    problems.sort(key=lambda d: (d.start, d.end))
    return BlockStructure(tuple(out), tuple(depths), frozenset(verbatim), tuple(problems))
