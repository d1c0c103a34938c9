"""Block structure of S-expression languages: one pass matching `( )`, `[ ]` and `{ }`.

Split from `blocks.py`, which dispatches here for the `sexpr` style; the results (blocks,
depths, verbatim lines, problems and their messages) are those of the general scanner there,
which would treat every `(` as a block opener and `[`/`{` as brackets, without its per-token
keyword rules, which never apply to parentheses. Problems: PC100 unclosed `(`, PC101 `)` with
no open `(`, PC103 unclosed bracket, PC104 unmatched bracket. Never raises; linear time.
"""

from __future__ import annotations

from typing import Any

from server.engine.blocks import Block, BlockStructure
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.tokens import Token, TokenKind

_BRACKETS = {"[": "]", "{": "}"}
_BRACKET_OPENERS = {"]": "[", "}": "{"}
_new = tuple.__new__  # builds Blocks without the Python-level NamedTuple __new__ frame
_Entry = tuple[int, str, int, int, int, int]  # a stack entry, see `paren_structure`


def paren_structure(tokens: tuple[Token, ...], text: str) -> BlockStructure:
    """The blocks (`sexpr` lists and brackets) of an S-expression token stream."""
    depths = [0] * (text.count("\n") + 1)
    n_depths = len(depths)
    verbatim: set[int] = set()
    problems: list[Diagnostic] = []
    # Blocks in opening order, each None until it is closed (or found unclosed at the end);
    # the stack holds (block index, opener text, line, opener token index, start, end).
    blocks: list[Any] = []
    stack: list[_Entry] = []
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
    # Texts of atoms seen once (names, numbers, builtins, keywords): a token's kind depends on
    # its text alone, as the lexer guarantees, so these need no rule below (numbers aside,
    # which BASIC-like specs mark as line numbers at a line start; they are never kept).
    plain: set[str] = set()
    ATOMS = (TokenKind.IDENT, TokenKind.BUILTIN, TokenKind.KEYWORD, TokenKind.OPERATOR)  # noqa: N806
    for i, tok in enumerate(tokens):
        txt = tok[1]
        if txt in plain:
            leading = False
            continue
        kind = tok[0]
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
            stack.append((len(blocks), txt, line, i, tok[2], tok[3]))
            blocks.append(None)
            open_lists += 1
        elif txt == ")":
            if open_lists:
                while stack[-1][1] != "(":
                    _unclosed(blocks, stack.pop(), problems)
                index, _, _, first, start, end = stack.pop()  # `_close` in short
                blocks[index] = _new(Block, (first, i, start, end, tok[2], tok[3], "sexpr"))
                open_lists -= 1
                if leading:
                    depths[line] = len(stack)
                continue  # a closer keeps `leading`, as in the general scanner
            message = "unexpected ')': no open block to close"
            problems.append(Diagnostic(tok[2], tok[3], Severity.ERROR, "PC101", message))
        elif kind is PUNCT and txt in _BRACKETS:
            stack.append((len(blocks), txt, line, i, tok[2], tok[3]))
            blocks.append(None)
        elif kind is PUNCT and txt in _BRACKET_OPENERS:
            closed = _close_bracket(blocks, stack, problems, i, tok)
            if closed and leading:
                depths[line] = len(stack)
                continue
        elif kind in ATOMS:
            plain.add(txt)
        leading = False
    for entry in reversed(stack):
        _unclosed(blocks, entry, problems)
    problems.sort(key=lambda d: (d.start, d.end))
    return BlockStructure(tuple(blocks), tuple(depths), frozenset(verbatim), tuple(problems))


def _close(blocks: list[Any], entry: _Entry, i: int, tok: Token) -> None:
    """Record the block of `entry`, closed by token `i`."""
    index, opener, _, first, start, end = entry
    kind = "sexpr" if opener == "(" else "bracket"
    blocks[index] = _new(Block, (first, i, start, end, tok[2], tok[3], kind))


def _close_bracket(
    blocks: list[Any],
    stack: list[_Entry],
    problems: list[Diagnostic],
    i: int,
    tok: Token,
) -> bool:
    """Handle `]` or `}`; True when it closed an open bracket (the one below may be skipped)."""
    opener = _BRACKET_OPENERS[tok[1]]
    if stack and stack[-1][1] in _BRACKETS:
        top = stack[-1]
        if top[1] == opener:
            _close(blocks, stack.pop(), i, tok)
            return True
        if len(stack) > 1 and stack[-2][1] == opener:
            _unclosed(blocks, stack.pop(), problems)
            _close(blocks, stack.pop(), i, tok)
            return True
        message = f"unmatched '{tok[1]}': the open bracket is '{top[1]}' on line {top[2] + 1}"
    else:
        message = f"unmatched '{tok[1]}'"
    problems.append(Diagnostic(tok[2], tok[3], Severity.ERROR, "PC104", message))
    return False


def _unclosed(blocks: list[Any], entry: _Entry, problems: list[Diagnostic]) -> None:
    """Record and report a list or bracket that is never closed."""
    index, opener, _, first, start, end = entry
    if opener == "(":
        kind, code, message = "sexpr", "PC100", "unclosed block '(': expected ')'"
    else:
        kind, code, message = "bracket", "PC103", f"unclosed '{opener}'"
    blocks[index] = _new(Block, (first, None, start, end, None, None, kind))
    problems.append(Diagnostic(start, end, Severity.ERROR, code, message))
