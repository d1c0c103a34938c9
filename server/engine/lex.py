"""A lexer driven by a `LanguageSpec`: one compiled master regex per language.

Guarantees: `lex` never raises, runs in time linear in the input, and its tokens are
sorted and non-overlapping with only non-newline whitespace between them;
`with_whitespace` adds that whitespace as tokens, so the texts concatenate to the input.

Rules, in the order they are tried at each position (PARSERCRAFT.md section 12):
newline; block comment (longest start marker first, the first end marker closes, an
unterminated one runs to the end); line comment (a word prefix such as `REM` only as a
whole word); string (longest delimiter first; single-character delimiters stop at the end
of the line, a doubled delimiter or the escape character escapes); the language's
vocabulary (keywords, builtins and operators, longest match, word-like entries only as whole
words, case-folded when the language is case-insensitive); number; identifier (a trailing
`$` in BASIC-like languages); common compound operators; any other character.
"""

from __future__ import annotations

import functools
import re
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

    def _build(self) -> str:
        """The master regex: leading blanks, then one named alternative per token class."""
        spec = self.spec
        alts: list[str] = [r"(?P<nl>\r\n|\n|\r)"]
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
        vocab = _trie_regex(sorted(self._vocab_kinds), self.dollar_idents)
        if vocab:
            flags = "" if spec.case_sensitive else "?i"
            alts.append(f"(?P<v>({flags}:{vocab}))" if flags else f"(?P<v>{vocab})")
        alts.append(f"(?P<num>{_NUMBER})")
        self._kinds["num"] = TokenKind.NUMBER
        alts.append(r"(?P<id>[^\W\d]\w*" + (r"\$?)" if self.dollar_idents else ")"))
        self._kinds["id"] = TokenKind.IDENT
        alts.append("(?P<op>" + "|".join(re.escape(op) for op in _COMPOUND) + ")")
        self._kinds["op"] = TokenKind.OPERATOR
        alts.append(r"(?P<err>[\x00-\x08\x0e-\x1b\x7f\ufffd]+)")
        self._kinds["err"] = TokenKind.ERROR
        alts.append(r"(?P<ch>\S)")
        return r"[^\S\r\n]*(?:" + "|".join(alts) + ")"

    def lex(self, text: str) -> tuple[Token, ...]:
        """Tokens of `text` without whitespace tokens; never raises."""
        out: list[Token] = []
        append = out.append
        kinds = self._kinds
        closers = self._closers
        vocab_kinds = self._vocab_kinds
        fold = self.spec.fold
        newline = TokenKind.NEWLINE
        for m in self._pattern.finditer(text):
            group = m.lastgroup or "ch"
            start, end = m.span(group)
            word = m.group(group)
            if group == "nl":
                append(Token(newline, word, start, end))
            elif group == "v":
                append(Token(vocab_kinds[fold(word)], word, start, end))
            elif group in closers:
                append(Token(kinds[group], word, start, end, m.group(closers[group]) is not None))
            elif group == "ch":
                kind = TokenKind.PUNCT if word in _PUNCT else TokenKind.OPERATOR
                if not word.isprintable() and not word.isspace():
                    kind = TokenKind.ERROR
                append(Token(kind, word, start, end))
            else:
                append(Token(kinds[group], word, start, end))
        if self.spec.line_numbers:
            return tuple(_mark_line_numbers(out))
        return tuple(out)


def _vocabulary(spec: LanguageSpec) -> list[str]:
    """Every word the language defines: keyword spellings, builtin names, operator symbols."""
    words = [kw.custom for kw in spec.keywords]
    words += [fn.name for fn in spec.builtins]
    words += [op.symbol for op in spec.operators]
    return [w for w in words if w and not w.isspace()]


def _vocab_kinds(spec: LanguageSpec) -> dict[str, TokenKind]:
    """Folded word -> token kind; a keyword wins over a builtin, a builtin over an operator."""
    table: dict[str, TokenKind] = {}
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
