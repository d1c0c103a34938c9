"""A lexer driven by a `LanguageSpec`: one compiled master regex per language.

Guarantees: `lex` never raises, runs in time linear in the input, and its tokens are
sorted and non-overlapping with only non-newline whitespace between them;
`with_whitespace` adds that whitespace as tokens, so the texts concatenate to the input.

Rules, in the order they are tried at each position (PARSERCRAFT.md section 12):
newline; block comment (longest start marker first, the first end marker closes, an
unterminated one runs to the end); line comment (a word prefix such as `REM` only as a
whole word); string (longest delimiter first; single-character delimiters stop at the end
of the line, a doubled delimiter or the escape character escapes); the language's
vocabulary entries that are not plain words (symbols such as `:=`, `#t`, `eq?`, `STR$`,
`Range.new`, and common compound operators; longest match, whole words only); number; word
(an identifier, with a trailing `$` in BASIC-like languages, looked up among the plain-word
keywords, builtins and word operators, case-folded when the language is case-insensitive);
any other character. In S-expression languages a word may contain symbol characters
(`sum-squares`, `null?`, `number->string`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.spec import LanguageSpec

_PUNCT = frozenset("()[]{},;:.")
_COMPOUND = (
    "**=",
    "//=",
    "...",
    "==",
    "!=",
    "<=",
    ">=",
    "<>",
    ":=",
    "->",
    "=>",
    "&&",
    "||",
    "**",
    "//",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "..",
    "::",
    "<<",
    ">>",
)
_Trie = dict[str, "_Trie"]
# tuple.__new__ builds a Token without the Python-level NamedTuple constructor (40% cheaper).
_make_token: Callable[[type[Token], tuple[TokenKind, str, int, int, bool]], Token] = tuple.__new__
# S-expression languages spell names with symbol characters: `sum-squares`, `null?`, `set!`.
_LISP_SYMBOL = r"[^\W\d][\w\-?!*<>=/+%&~^$.]*"
_NUMBER = r"0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"


class Lexer:
    """The compiled lexer of one language; build it with `lexer_for(spec)`."""

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec
        self.dollar_idents = spec.line_numbers or any(w.endswith("$") for w in _vocabulary(spec))
        self._closers: dict[str, str] = {}
        self._kinds: dict[str, TokenKind] = {}
        self._vocab_kinds = _vocab_kinds(spec)
        self._pattern = re.compile(self._build())
        # Dispatch by group number: a TokenKind for plain groups, None for the vocabulary,
        # closable (string/comment) groups and single characters, which need a lookup.
        index = self._pattern.groupindex
        self._index_kinds: list[TokenKind | None] = [None] * (self._pattern.groups + 1)
        for name, kind in self._kinds.items():
            if name not in self._closers:
                self._index_kinds[index[name]] = kind
        self._index_closers = {index[n]: index[c] for n, c in self._closers.items()}
        self._closable_kinds = {index[n]: self._kinds[n] for n in self._closers}
        self._vocab_index = index["v"]
        self._word_index = index["id"]

    def _build(self) -> str:
        """The master regex: leading blanks, then one named alternative per token class."""
        spec = self.spec
        alts: list[str] = [r"(?P<nl>\r\n|\n|\r)"]
        self._kinds["nl"] = TokenKind.NEWLINE
        comments = sorted(spec.block_comments, key=lambda pair: -len(pair[0]))
        for i, (start, end) in enumerate(comments):
            name = f"b{i}"
            alts.append(
                rf"(?P<{name}>{_word(start, spec)}(?s:.*?)(?:(?P<c{name}>{re.escape(end)})|\Z))"
            )
            self._closers[name] = f"c{name}"
            self._kinds[name] = TokenKind.COMMENT
        prefixes = sorted((p for p in spec.line_comments if p), key=len, reverse=True)
        if prefixes:
            alts.append("(?P<lc>(?:" + "|".join(_word(p, spec) for p in prefixes) + r")[^\r\n]*)")
            self._kinds["lc"] = TokenKind.COMMENT
        delimiters = sorted((d for d in spec.string_delimiters if d), key=len, reverse=True)
        for i, delim in enumerate(delimiters):
            name = f"s{i}"
            alts.append(f"(?P<{name}>{_string(delim, spec.escape_char, name)})")
            self._closers[name] = f"c{name}"
            self._kinds[name] = TokenKind.STRING
        word = r"[^\W\d]\w*" + (r"\$?" if self.dollar_idents else "")
        if spec.blocks.style == "sexpr":
            word = _LISP_SYMBOL
        is_word = re.compile(word).fullmatch
        symbols = sorted(w for w in self._vocab_kinds if not is_word(w))
        vocab = _trie_regex(symbols, self.dollar_idents)
        flags = "" if spec.case_sensitive else "?i:"
        alts.append(f"(?P<v>({flags}{vocab}))" if flags else f"(?P<v>{vocab})")
        alts.append(f"(?P<num>{_NUMBER})")
        self._kinds["num"] = TokenKind.NUMBER
        alts.append(f"(?P<id>{word})")
        alts.append(r"(?P<err>[\x00-\x08\x0e-\x1b\x7f\ufffd]+)")
        self._kinds["err"] = TokenKind.ERROR
        alts.append(r"(?P<ch>\S)")
        return r"[^\S\r\n]*(?:" + "|".join(alts) + ")"

    def lex(self, text: str) -> tuple[Token, ...]:
        """Tokens of `text` without whitespace tokens; never raises."""
        out: list[Token] = []
        append = out.append
        make = _make_token
        kinds = self._index_kinds
        closers = self._index_closers
        vocab = self._vocab_kinds
        vocab_index = self._vocab_index
        word_index = self._word_index
        ident = TokenKind.IDENT
        fold = str.upper if not self.spec.case_sensitive else None
        for m in self._pattern.finditer(text):
            i = m.lastindex or 0
            start, end = m.span(i)
            word = text[start:end]
            kind = kinds[i]
            if kind is not None:
                append(make(Token, (kind, word, start, end, True)))
            elif i == word_index:
                kind = vocab.get(fold(word) if fold else word, ident)
                append(make(Token, (kind, word, start, end, True)))
            elif i == vocab_index:
                append(make(Token, (vocab[fold(word) if fold else word], word, start, end, True)))
            elif i in closers:
                closed = m.start(closers[i]) >= 0
                append(make(Token, (self._closable_kinds[i], word, start, end, closed)))
            else:
                append(make(Token, (_char_kind(word), word, start, end, True)))
        if self.spec.line_numbers:
            return tuple(_mark_line_numbers(out))
        return tuple(out)


def _char_kind(char: str) -> TokenKind:
    """The kind of a single character no other rule matched."""
    if char in _PUNCT:
        return TokenKind.PUNCT
    return TokenKind.OPERATOR if char.isprintable() else TokenKind.ERROR


def _vocabulary(spec: LanguageSpec) -> list[str]:
    """Every word the language defines: keyword spellings, builtin names, operator symbols."""
    words = [kw.custom for kw in spec.keywords]
    words += [fn.name for fn in spec.builtins]
    words += [op.symbol for op in spec.operators]
    return [w for w in words if w and not w.isspace()]


def _vocab_kinds(spec: LanguageSpec) -> dict[str, TokenKind]:
    """Folded word -> token kind; a keyword wins over a builtin, a builtin over an operator.

    Common compound operators (`**`, `-=`, ...) are part of the vocabulary even when the
    config does not declare them, so that the longest match wins over a declared `*`.
    """
    table: dict[str, TokenKind] = dict.fromkeys(_COMPOUND, TokenKind.OPERATOR)
    for op in spec.operators:
        if op.symbol.strip():
            table[spec.fold(op.symbol)] = TokenKind.OPERATOR
    for fn in spec.builtins:
        if fn.name.strip():
            table[spec.fold(fn.name)] = TokenKind.BUILTIN
    for kw in spec.keywords:
        if kw.custom.strip():
            table[spec.fold(kw.custom)] = TokenKind.KEYWORD
    return table


def _word(marker: str, spec: LanguageSpec) -> str:
    """A regex for a comment marker: word-like markers such as `REM` match only whole words."""
    body = re.escape(marker)
    if not spec.case_sensitive and marker.isalpha():
        body = f"(?i:{body})"
    if marker[-1].isalnum() or marker[-1] == "_":
        body += r"(?!\w)"
    return body


def _string(delim: str, escape: str | None, name: str) -> str:
    """A regex for a string opened by `delim`; group `c<name>` matches when it is closed."""
    d = re.escape(delim)
    esc = f"{re.escape(escape)}." if escape else None
    if len(delim) > 1:
        body = f"(?:{esc}|(?!{d}).)" if esc else f"(?:(?!{d}).)"
        return f"{d}(?s:{body}*)(?:(?P<c{name}>{d})|\\Z)"
    excluded = re.escape(delim + (escape or "")) + r"\r\n"
    parts = [f"{d}{d}", f"[^{excluded}]"]
    if esc:
        parts.insert(0, esc)
    return f"{d}(?:{'|'.join(parts)})*(?P<c{name}>{d})?"


def _trie_regex(words: list[str], dollar_idents: bool) -> str:
    """A regex matching the longest of `words`, word-like ones only as whole words."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    boundary = r"(?![\w$])" if dollar_idents else r"(?!\w)"

    def emit(node: _Trie, last: str) -> str:
        alts = [re.escape(ch) + emit(node[ch], ch) for ch in sorted(k for k in node if k)]
        if "" in node:
            alts.append(boundary if (last.isalnum() or last == "_") else "")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return emit(trie, "") if trie else ""


def _mark_line_numbers(tokens: list[Token]) -> list[Token]:
    """In BASIC-like languages, a number that starts a line is a line number."""
    at_line_start = True
    for i, tok in enumerate(tokens):
        if tok.kind is TokenKind.NEWLINE:
            at_line_start = True
            continue
        if at_line_start and tok.kind is TokenKind.NUMBER and tok.text.isdigit():
            tokens[i] = tok._replace(kind=TokenKind.LINE_NUMBER)
        at_line_start = False
    return tokens


@functools.lru_cache(maxsize=64)
def lexer_for(spec: LanguageSpec) -> Lexer:
    """The compiled lexer of `spec`, cached."""
    return Lexer(spec)


def lex(spec: LanguageSpec, text: str) -> tuple[Token, ...]:
    """Tokens of `text` in `spec`'s language, whitespace omitted; never raises."""
    return lexer_for(spec).lex(text)


def with_whitespace(tokens: tuple[Token, ...], text: str) -> list[Token]:
    """`tokens` with WHITESPACE tokens filling every gap, so the texts concatenate to `text`."""
    out: list[Token] = []
    pos = 0
    for tok in tokens:
        if tok.start > pos:
            out.append(Token(TokenKind.WHITESPACE, text[pos : tok.start], pos, tok.start))
        out.append(tok)
        pos = tok.end
    if pos < len(text):
        out.append(Token(TokenKind.WHITESPACE, text[pos:], pos, len(text)))
    return out
