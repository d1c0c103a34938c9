"""Formatter depths of keyword languages beyond block nesting (split from `blocks.py`).

A statement hanging off `THEN`/`DO`/`ELSE` at the end of the line before is indented one
level, unless it starts with `BEGIN`; the entries of a `VAR`/`CONST`/`TYPE` section (Pascal
style) are indented one level until the next line that starts with a keyword. Linear time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.spec import LanguageSpec

_HANGERS = frozenset({"then", "do", "else"})
_BLOCK_HEADS = frozenset({"begin"})
_SECTIONS = frozenset({"var", "const", "type"})


def indent_hanging(spec: LanguageSpec, tokens: tuple[Token, ...], depths: list[int]) -> None:
    """Add the hanging-statement and declaration-section levels to `depths`, in place."""
    nd = len(depths)
    line = 0
    first: list[Token | None] = [None] * nd
    last: list[Token | None] = [None] * nd
    newline, comment, keyword = TokenKind.NEWLINE, TokenKind.COMMENT, TokenKind.KEYWORD
    for tok in tokens:
        kind = tok[0]
        text = tok[1]
        if kind is newline:
            if "\n" in text:
                line += 1
            continue
        if line < nd and kind is not comment:
            if first[line] is None:
                first[line] = tok
            last[line] = tok
        if "\n" in text:
            line += text.count("\n")
    memo: dict[str, frozenset[str]] = {}
    empty: frozenset[str] = frozenset()

    def originals(tok: Token) -> frozenset[str]:
        if tok[0] is not keyword:
            return empty
        found = memo.get(tok[1])
        if found is None:
            found = memo[tok[1]] = spec.originals_of(tok[1])
        return found

    prev: int | None = None
    in_section = False
    for n in range(nd):
        head = first[n]
        if head is None:
            continue
        if head[0] is keyword:  # `originals(head)` in short
            in_section = False
            head_originals = memo.get(head[1])
            if head_originals is None:
                head_originals = memo[head[1]] = spec.originals_of(head[1])
        else:
            head_originals = empty
            if in_section:
                depths[n] += 1
        if prev is not None and depths[n] == depths[prev]:
            tail = last[prev]
            if (
                tail is not None
                and originals(tail) & _HANGERS
                and not head_originals & _BLOCK_HEADS
            ):
                depths[n] += 1
        if head is last[n] and head_originals & _SECTIONS:
            in_section = True
        prev = n
