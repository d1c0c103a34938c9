"""Block structure of S-expression languages: one pass matching `( )`, `[ ]` and `{ }`.

Split from `blocks.py`, which dispatches here for the `sexpr` style; the results (blocks,
depths, verbatim lines, problems and their messages) are those of the general scanner there,
which would treat every `(` as a block opener and `[`/`{` as brackets, without its per-token
keyword rules, which never apply to parentheses. Problems: PC100 unclosed `(`, PC101 `)` with
no open `(`, PC103 unclosed bracket, PC104 unmatched bracket. Never raises; linear time.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from server.engine.blocks import Block, BlockStructure
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.tokens import Token, TokenKind

_BRACKETS = {"[": "]", "{": "}"}
_BRACKET_OPENERS = {"]": "[", "}": "{"}
_new = tuple.__new__  # builds Blocks without the Python-level NamedTuple __new__ frame


def paren_structure(tokens: tuple[Token, ...], text: str) -> BlockStructure:
    """The blocks (`sexpr` lists and brackets) of an S-expression token stream."""
    depths = [0] * (text.count("\n") + 1)
    n_depths = len(depths)
    verbatim: set[int] = set()
    problems: list[Diagnostic] = []
    # A record is a Block in the making: [open_token, close_token, open_start, open_end,
    # close_start, close_end, kind]; the stack holds (record index, opener text, line).
    records: list[list[Any]] = []
    stack: list[tuple[int, str, int]] = []
    open_lists = 0  # `(` entries on the stack
    line = 0
    leading = True
    NEWLINE, COMMENT, STRING, PUNCT, LINE_NUMBER = (  # noqa: N806  # hot loop: locals
        TokenKind.NEWLINE,
        TokenKind.COMMENT,
        TokenKind.STRING,
        TokenKind.PUNCT,
        TokenKind.LINE_NUMBER,
    )
    for i, tok in enumerate(tokens):
        kind = tok[0]
        txt = tok[1]
        if kind is NEWLINE:
            if "\n" in txt:
                line += 1
                if line < n_depths:
                    depths[line] = len(stack)
            leading = True
            continue
        if kind is COMMENT or kind is STRING:
            if "\n" in txt:
                for _ in range(txt.count("\n")):
                    line += 1
                    if line < n_depths:
                        depths[line] = len(stack)
                        verbatim.add(line)
        elif kind is LINE_NUMBER:
            continue
        elif txt == "(":
            records.append([i, None, tok[2], tok[3], None, None, "sexpr"])
            stack.append((len(records) - 1, txt, line))
            open_lists += 1
        elif txt == ")":
            if open_lists:
                while stack[-1][1] != "(":
                    _unclosed(records, stack.pop(), problems)
                record = records[stack.pop()[0]]  # `_close` in short
                record[1] = i
                record[4] = tok[2]
                record[5] = tok[3]
                open_lists -= 1
                if leading:
                    depths[line] = len(stack)
                continue  # a closer keeps `leading`, as in the general scanner
            message = "unexpected ')': no open block to close"
            problems.append(Diagnostic(tok[2], tok[3], Severity.ERROR, "PC101", message))
        elif kind is PUNCT and txt in _BRACKETS:
            records.append([i, None, tok[2], tok[3], None, None, "bracket"])
            stack.append((len(records) - 1, txt, line))
        elif kind is PUNCT and txt in _BRACKET_OPENERS:
            closed = _close_bracket(records, stack, problems, i, tok)
            if closed and leading:
                depths[line] = len(stack)
                continue
        leading = False
    for entry in reversed(stack):
        _unclosed(records, entry, problems)
    blocks: tuple[Block, ...] = tuple(map(_new, repeat(Block), records))
    problems.sort(key=lambda d: (d.start, d.end))
    return BlockStructure(blocks, tuple(depths), frozenset(verbatim), tuple(problems))


def _close(record: list[Any], i: int, tok: Token) -> None:
    """Record the closer of a block or bracket."""
    record[1] = i
    record[4] = tok[2]
    record[5] = tok[3]


def _close_bracket(
    records: list[list[Any]],
    stack: list[tuple[int, str, int]],
    problems: list[Diagnostic],
    i: int,
    tok: Token,
) -> bool:
    """Handle `]` or `}`; True when it closed an open bracket (the one below may be skipped)."""
    opener = _BRACKET_OPENERS[tok[1]]
    if stack and stack[-1][1] in _BRACKETS:
        top = stack[-1]
        if top[1] == opener:
            _close(records[stack.pop()[0]], i, tok)
            return True
        if len(stack) > 1 and stack[-2][1] == opener:
            _unclosed(records, stack.pop(), problems)
            _close(records[stack.pop()[0]], i, tok)
            return True
        message = f"unmatched '{tok[1]}': the open bracket is '{top[1]}' on line {top[2] + 1}"
    else:
        message = f"unmatched '{tok[1]}'"
    problems.append(Diagnostic(tok[2], tok[3], Severity.ERROR, "PC104", message))
    return False


def _unclosed(
    records: list[list[Any]], entry: tuple[int, str, int], problems: list[Diagnostic]
) -> None:
    """Report a list or bracket that is never closed."""
    record = records[entry[0]]
    if entry[1] == "(":
        code, message = "PC100", "unclosed block '(': expected ')'"
    else:
        code, message = "PC103", f"unclosed '{entry[1]}'"
    problems.append(Diagnostic(record[2], record[3], Severity.ERROR, code, message))
