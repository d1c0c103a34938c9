"""Token records produced by the lexer and read by the parser and the formatter."""

from __future__ import annotations

import enum
from typing import NamedTuple


class TokenKind(enum.Enum):
    """What a span of source text is; trivia kinds are listed in `TRIVIA`."""

    KEYWORD = "keyword"
    BUILTIN = "builtin"
    IDENT = "ident"
    NUMBER = "number"
    STRING = "string"
    COMMENT = "comment"
    OPERATOR = "operator"
    PUNCT = "punct"
    LINE_NUMBER = "line_number"
    NEWLINE = "newline"
    WHITESPACE = "whitespace"
    ERROR = "error"


TRIVIA = frozenset({TokenKind.WHITESPACE, TokenKind.NEWLINE, TokenKind.COMMENT})


class Token(NamedTuple):
    """A span `[start, end)` of the source in code-point offsets, with its kind and text.

    `terminated` is False for a string or block comment that runs off its line or the input.
    A NamedTuple rather than an attrs class: the lexer makes one per token, and creating a
    tuple costs half as much as a frozen attrs instance (measured), which matters for the
    per-keystroke analysis budget.
    """

    kind: TokenKind
    text: str
    start: int
    end: int
    terminated: bool = True
