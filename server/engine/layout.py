"""Spacing between the tokens of one line: the formatter's rules, decided pair by pair.

Each token states what it wants on its left and on its right (`_ANY` no opinion, `_ONE` one
space, `_NONE` no space, `_KEEP` the input's gap byte for byte); the stronger wish wins, in
that order. Two tokens without an opinion keep the input's spacing, so leaving input spacing
alone is always the fallback (PARSERCRAFT.md section 12.4: symbol keywords and odd names are
treated conservatively; alignment such as `count    : INTEGER` survives).

A symbolic operator is binary after an operand, unary (`-x`, `!x`) before one in prefix
position, and unsure otherwise (glued clusters such as `i++`, `a -1`, any operator of an
S-expression language, operators the spec does not declare such as `..`). Removing a space is
only done when the two texts still lex as the same two tokens (cached per pair).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine.lex import lex
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from server.engine.spec import LanguageSpec

__all__ = ["Spacer", "is_word"]

_ANY, _ONE, _NONE, _KEEP = range(4)
_BINARY, _UNARY, _UNSURE, _LEAD = range(4)

#: Symbolic operators that take one space on each side when they follow an operand.
_STANDARD_BINARY = (
    frozenset({"+", "-", "*", "/", "%", "^", "**", "//", "<<", ">>", "&", "|"})
    | frozenset({"=", "==", "!=", "<>", "<", "<=", ">", ">=", "&&", "||"})
    | frozenset({":=", "+=", "-=", "*=", "/=", "%=", "**=", "//="})
)
#: Symbolic operators kept tight to their operand in prefix position.
_PREFIX_OPS = frozenset({"-", "+", "!", "~"})
_VALUE_ORIGINALS = frozenset({"true", "false", "null", "none", "nil", "self", "this", "super"})
_CONTROL_ORIGINALS = frozenset(
    {"if", "elif", "while", "for", "switch", "catch", "until", "unless", "when", "match"}
)

_IDENT = TokenKind.IDENT
_NUMBER = TokenKind.NUMBER
_STRING = TokenKind.STRING
_BUILTIN = TokenKind.BUILTIN
_KEYWORD = TokenKind.KEYWORD
_OPERATOR = TokenKind.OPERATOR
_PUNCT = TokenKind.PUNCT
_VERBATIM = (TokenKind.COMMENT, TokenKind.ERROR)  # tuples: enum hashing is slow
_NAMES = (_IDENT, _BUILTIN, _KEYWORD)


def is_word(text: str) -> bool:
    """True when `text` contains a letter, digit or underscore (`MOD`, `#t`, `eq?`, `STR$`)."""
    return any(ch.isalnum() or ch == "_" for ch in text)


class Spacer:
    """The spacing rules of one language; `gaps` lays out one line of tokens."""

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec
        declared = {op.symbol for op in spec.operators if op.symbol and not is_word(op.symbol)}
        self.binary = _STANDARD_BINARY | declared
        member = spec.member_access
        self.member = member if member and member not in declared else None
        self.prefix_only = spec.blocks.style == "sexpr"
        self.statement_calls = spec.line_numbers
        fold = spec.fold
        self.values = frozenset(
            fold(kw.custom) for kw in spec.keywords if kw.original.lower() in _VALUE_ORIGINALS
        )
        self.control = frozenset(
            fold(kw.custom) for kw in spec.keywords if kw.original.lower() in _CONTROL_ORIGINALS
        )
        terminator = spec.statement_terminator
        self.separators = frozenset({",", ";", *([terminator] if terminator else [])})
        self.indent_style = spec.blocks.style == "indent"
        self._joins: dict[tuple[str, str], bool] = {}

    def gaps(self, toks: Sequence[Token], texts: Sequence[str], source: str) -> list[str]:
        """The text between each pair of neighbours of one line (`len(toks) - 1` gaps)."""
        n = len(toks)
        if n < 2:
            return []
        orig = [source[toks[i].end : toks[i + 1].start] for i in range(n - 1)]
        roles = self._roles(toks, orig)
        prefs = [self._prefs(i, toks, orig, roles) for i in range(n)]
        out: list[str] = []
        for i in range(n - 1):
            wish = max(prefs[i][1], prefs[i + 1][0])
            gap = orig[i]
            if wish in (_KEEP, _ANY):
                out.append(gap)
            elif wish == _ONE:
                out.append(" ")
            else:
                out.append("" if not gap or self._joinable(texts[i], texts[i + 1]) else " ")
        return out

    def _joinable(self, left: str, right: str) -> bool:
        """True when `left + right` still lexes as exactly those two tokens."""
        key = (left, right)
        found = self._joins.get(key)
        if found is None:
            toks = lex(self.spec, left + right)
            found = len(toks) == 2 and toks[0].text == left and toks[1].text == right
            self._joins[key] = found
        return found

    def _operand_end(self, tok: Token) -> bool:
        """True when a binary operator after `tok` has a left operand."""
        kind = tok.kind
        if kind is _IDENT or kind is _NUMBER or kind is _STRING:
            return True
        if kind is _PUNCT:
            return tok.text in (")", "]")
        return kind is _KEYWORD and self.spec.fold(tok.text) in self.values

    def _operand_start(self, tok: Token) -> bool:
        """True when `tok` can start the operand of a prefix operator."""
        kind = tok.kind
        if kind in (_IDENT, _NUMBER, _STRING, _BUILTIN):
            return True
        if kind is _PUNCT:
            return tok.text in ("(", "[")
        return kind is _KEYWORD and self.spec.fold(tok.text) in self.values

    def _symbolic(self, tok: Token) -> bool:
        """True for an operator written with symbols only, other than member access."""
        return tok.kind is _OPERATOR and tok.text != self.member and not is_word(tok.text)

    def _roles(self, toks: Sequence[Token], orig: Sequence[str]) -> list[int]:
        """Binary / unary / unsure / line-leading role of every symbolic operator, left to right."""
        n = len(toks)
        roles = [_UNSURE] * n
        for i, tok in enumerate(toks):
            if not self._symbolic(tok):
                continue
            if i == 0:
                roles[i] = _LEAD
            elif not self.prefix_only:
                roles[i] = self._role(i, toks, orig, roles)
        return roles

    def _role(self, i: int, toks: Sequence[Token], orig: Sequence[str], roles: list[int]) -> int:
        """The role of the symbolic operator `toks[i]` (not the first token of its line)."""
        tok = toks[i]
        text = tok.text
        prev = toks[i - 1]
        before = orig[i - 1]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        after = orig[i] if nxt is not None else ""
        if self._operand_end(prev):
            if text not in self.binary:
                return _UNSURE
            if nxt is None:
                return _BINARY
            if text in _PREFIX_OPS and before and not after:
                return _UNSURE  # `a -1`: binary or a signed operand; keep what was written
            if not after and self._symbolic(nxt) and not self._prefix_follows(i + 1, toks):
                return _UNSURE  # a glued cluster such as `i++` or `=<`
            return _BINARY
        if prev.kind is _BUILTIN or text not in _PREFIX_OPS or nxt is None:
            return _UNSURE  # `PRINT -1` in statement-call languages, `*args`, trailing ops
        if self._symbolic(prev) and not before and roles[i - 1] != _BINARY:
            return _UNSURE
        if prev.kind in _VERBATIM or (prev.kind is _KEYWORD and not is_word(prev.text)):
            return _UNSURE
        return _UNARY if self._operand_start(nxt) else _UNSURE

    def _prefix_follows(self, j: int, toks: Sequence[Token]) -> bool:
        """True when `toks[j]` is a unary operator before an operand (`:=-1`, `:=- y`)."""
        return (
            toks[j].text in _PREFIX_OPS and j + 1 < len(toks) and self._operand_start(toks[j + 1])
        )

    def _prefs(
        self, i: int, toks: Sequence[Token], orig: Sequence[str], roles: Sequence[int]
    ) -> tuple[int, int]:
        """(wish on the left, wish on the right) of `toks[i]`."""
        tok = toks[i]
        kind = tok.kind
        text = tok.text
        prev = toks[i - 1] if i else None
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if kind in _VERBATIM:
            return _KEEP, _KEEP
        if text == self.member and kind in (_PUNCT, _OPERATOR):
            return self._member_prefs(prev, nxt)
        if kind is _PUNCT:
            if text == ":" and self.indent_style and (nxt is None or nxt.kind in _VERBATIM):
                return _NONE, _KEEP  # `if x:` opening an indented block
            return self._punct_prefs(text, prev, orig[i - 1] if i else "")
        if kind is _KEYWORD:
            return (_ONE, _ONE) if is_word(text) else (_KEEP, _KEEP)
        if kind is _OPERATOR:
            if is_word(text):
                return _ONE, _ONE
            role = roles[i]
            if role == _BINARY:
                return _ONE, _ONE
            if role == _UNARY:
                return _ANY, _NONE
            return (_ANY, _KEEP) if role == _LEAD else (_KEEP, _KEEP)
        if kind is _BUILTIN and not is_word(text):
            return _KEEP, _KEEP
        return _ANY, _ANY

    def _member_prefs(self, prev: Token | None, nxt: Token | None) -> tuple[int, int]:
        """Member access (`a.b`, `END.`) is tight when both sides are names."""
        left = _KEEP
        if prev is not None and (
            prev.kind in _NAMES or (prev.kind is _PUNCT and prev.text in (")", "]"))
        ):
            left = _NONE
        right = _NONE if nxt is not None and nxt.kind in _NAMES and is_word(nxt.text) else _KEEP
        return left, right

    def _punct_prefs(self, text: str, prev: Token | None, before: str) -> tuple[int, int]:
        """Wishes of `,` `;` brackets and braces; `:` and others keep the input spacing."""
        if text in self.separators:
            return _NONE, _ONE
        if text in (")", "]"):
            return _NONE, _ANY
        if text == "}":
            return _KEEP, _ANY
        if text in ("(", "["):
            return self._open_left(text, prev, before), _NONE
        if text == "{" and prev is not None:
            after_head = prev.text == ")" or (prev.kind is _KEYWORD and is_word(prev.text))
            return (_ONE if after_head else _ANY), _KEEP
        return _KEEP, _KEEP

    def _open_left(self, text: str, prev: Token | None, before: str) -> int:
        """The left wish of `(` or `[`: tight for calls and indexing, else no opinion."""
        if prev is None:
            return _ANY
        if self.prefix_only:
            return _KEEP  # `(f (g x))`: a space between S-expressions is meaningful layout
        kind = prev.kind
        if kind is _IDENT or (kind is _PUNCT and prev.text in (")", "]")):
            return _NONE
        if kind is _BUILTIN:
            return _KEEP if self.statement_calls or not is_word(prev.text) else _NONE
        if text == "[" and kind is _STRING:
            return _NONE
        if kind is _KEYWORD and self.spec.fold(prev.text) in self.control:
            return _ONE  # `if (x)`, `while (x)`
        if kind is _KEYWORD and not before:
            return _KEEP  # `NOT(x)`, `return(x)`: function-like keywords stay as written
        return _ANY
