"""A lexer driven by a `LanguageSpec`: one compiled master regex per language.

`findall` with the group-free form of the regex cuts the whole text into pieces in C: each
piece is a token with the blanks before it (only blanks at the very end form a piece of their
own). A piece's kind, its token text and whether it is terminated depend on its text alone, so
they are looked up in per-lexer memos of short texts (bounded) and classified by the grouped
regex only on first sight; end offsets are running sums of piece lengths, and a token starts
its text's length before its end. No Python code runs per token.

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
from itertools import accumulate, repeat
from operator import sub
from typing import TYPE_CHECKING, NamedTuple

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


class _Memo(dict[str, TokenKind]):
    """Piece (a token with the blanks before it) -> kind, classified on first sight.

    `texts` maps a piece to its token text (the piece without its blanks); `open` holds the
    token texts that are unterminated. Only short pieces are kept as keys; `open_chars`
    counts the characters held by `open`, so that the lexer can bound both (an unterminated
    comment may run to the end of the file).
    """

    __slots__ = ("classify", "open", "open_chars", "texts")

    def __init__(self, classify: Callable[[str], tuple[TokenKind, bool]]) -> None:
        super().__init__()
        self.classify = classify
        self.texts = _Texts()
        self.open: set[str] = set()
        self.open_chars = 0

    def __missing__(self, piece: str) -> TokenKind:
        kind, closed = self.classify(piece)
        if not closed:
            text = self.texts[piece]
            self.open.add(text)
            self.open_chars += len(text)
        if len(piece) <= _MEMO_TEXT_LIMIT:
            self[piece] = kind
        return kind


class _Texts(dict[str, str]):
    """Piece -> its token text: the piece without its leading blanks (short pieces kept)."""

    __slots__ = ()

    def __missing__(self, piece: str) -> str:
        text = _strip_blanks("", piece)
        if len(piece) <= _MEMO_TEXT_LIMIT:
            self[piece] = text
        return text


_strip_blanks = re.compile(r"\A[^\S\r\n]+").sub


class Lexer:
    """The compiled lexer of one language; build it with `lexer_for(spec)`."""

    def __init__(self, spec: LanguageSpec) -> None:
        self.spec = spec
        self.dollar_idents = spec.line_numbers or any(w.endswith("$") for w in _vocabulary(spec))
        self._closers: dict[str, str] = {}
        self._kinds: dict[str, TokenKind] = {}
        self._vocab_kinds = _vocab_kinds(spec)
        self._pattern = re.compile(r"[^\S\r\n]*(?:" + self._build(True) + ")")
        # The same alternatives without groups, each after the blanks before it, plus a run of
        # blanks at the end of the text: `findall` then cuts the whole text into pieces in C,
        # and the kind and token text of a piece depend on its text alone.
        alternatives = self._build(False)
        self._pieces = re.compile(rf"[^\S\r\n]*(?:{alternatives})|[^\S\r\n]+").findall
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
        self._memo = _Memo(self._classify)

    def _build(self, capture: bool) -> str:
        """The master regex alternatives, one per token class, named when `capture`."""
        spec = self.spec

        def group(name: str, body: str) -> str:
            return f"(?P<{name}>{body})" if capture else f"(?:{body})"

        alts: list[str] = [group("nl", r"\r\n|\n|\r")]
        self._kinds["nl"] = TokenKind.NEWLINE
        comments = sorted(spec.block_comments, key=lambda pair: -len(pair[0]))
        for i, (start, end) in enumerate(comments):
            name = f"b{i}"
            closer = group(f"c{name}", re.escape(end))
            alts.append(group(name, rf"{_word(start, spec)}(?s:.*?)(?:{closer}|\Z)"))
            self._closers[name] = f"c{name}"
            self._kinds[name] = TokenKind.COMMENT
        prefixes = sorted((p for p in spec.line_comments if p), key=len, reverse=True)
        if prefixes:
            body = "(?:" + "|".join(_word(p, spec) for p in prefixes) + r")[^\r\n]*"
            alts.append(group("lc", body))
            self._kinds["lc"] = TokenKind.COMMENT
        delimiters = sorted((d for d in spec.string_delimiters if d), key=len, reverse=True)
        for i, delim in enumerate(delimiters):
            name = f"s{i}"
            closer = f"(?P<c{name}>" if capture else "(?:"
            alts.append(group(name, _string(delim, spec.escape_char, closer)))
            self._closers[name] = f"c{name}"
            self._kinds[name] = TokenKind.STRING
        word = r"[^\W\d]\w*" + (r"\$?" if self.dollar_idents else "")
        if spec.blocks.style == "sexpr":
            word = _LISP_SYMBOL
        is_word = re.compile(word).fullmatch
        symbols = sorted(w for w in self._vocab_kinds if not is_word(w))
        vocab = _trie_regex(symbols, self.dollar_idents)
        alts.append(group("v", f"(?i:{vocab})" if not spec.case_sensitive else vocab))
        alts.append(group("num", _NUMBER))
        self._kinds["num"] = TokenKind.NUMBER
        alts.append(group("id", word))
        alts.append(group("err", r"[\x00-\x08\x0e-\x1b\x7f\ufffd]+"))
        self._kinds["err"] = TokenKind.ERROR
        alts.append(group("ch", r"\S"))
        # Punctuation that starts no comment, string or vocabulary symbol can only be a token
        # of its own: tried right after line breaks, it skips the alternatives in between.
        markers = [start for start, _ in comments] + prefixes + delimiters + symbols
        lone = sorted(_PUNCT - {marker[0] for marker in markers})
        if lone:
            alts.insert(1, group("p", "[" + re.escape("".join(lone)) + "]"))
        return "|".join(alts)

    def _classify(self, piece: str) -> tuple[TokenKind, bool]:
        """(kind, terminated) of a piece cut by `_pieces`; WHITESPACE for blanks alone."""
        m = self._pattern.match(piece)
        if m is None:
            return TokenKind.WHITESPACE, True
        i = m.lastindex or 0
        kind = self._index_kinds[i]
        if kind is not None:
            return kind, True
        vocab = self._vocab_kinds
        text = m.group(i)  # the piece without its blanks
        key = text if self.spec.case_sensitive else text.upper()
        if i == self._word_index:
            return vocab.get(key, TokenKind.IDENT), True
        if i == self._vocab_index:
            return vocab[key], True
        if i in self._index_closers:
            return self._closable_kinds[i], m.start(self._index_closers[i]) >= 0
        return _char_kind(text), True

    def lex(self, text: str) -> tuple[Token, ...]:
        """Tokens of `text` without whitespace tokens; never raises."""
        return self.scan(text).tokens

    def scan(self, text: str) -> Lexed:
        """`lex` with what later passes may skip when it is absent; never raises."""
        pieces = self._pieces(text)
        if not pieces:
            return Lexed((), skippable=False, flawed=False)
        memo = self._memo
        if len(memo) > _MEMO_LIMIT or memo.open_chars > _OPEN_CHARS_LIMIT:
            # Bounded: identifiers, numbers and strings of edited documents. Replaced, not
            # cleared, so that a lex running in another thread keeps a consistent memo.
            memo = self._memo = _Memo(self._classify)
        kinds = list(map(memo.__getitem__, pieces))
        texts = list(map(memo.texts.__getitem__, pieces))
        ends = list(accumulate(map(len, pieces)))
        if kinds[-1] is TokenKind.WHITESPACE:  # blanks at the end of the text
            del kinds[-1], texts[-1], ends[-1]
        if self.spec.line_numbers:
            _mark_line_numbers(kinds, texts)
        starts = map(sub, ends, map(len, texts))
        fields = zip(kinds, texts, starts, ends, repeat(True))
        out = list(map(_make_token, repeat(Token), fields))
        unterminated = memo.open  # `memo`'s own set: complete for every text classified above
        open_ended = bool(unterminated) and not unterminated.isdisjoint(texts)
        if open_ended:
            out = [t._replace(terminated=False) if t[1] in unterminated else t for t in out]
        invalid = TokenKind.ERROR in kinds  # list scans in C, by identity
        skippable = invalid or TokenKind.COMMENT in kinds
        return Lexed(tuple(out), skippable=skippable, flawed=invalid or open_ended)


class Lexed(NamedTuple):
    """Tokens with two facts about them that let later passes skip a scan.

    `skippable`: some token is a comment or an invalid character (the parser drops those);
    `flawed`: some token is an invalid character or an unterminated string or comment
    (each is a diagnostic). False means certainly none.
    """

    tokens: tuple[Token, ...]
    skippable: bool
    flawed: bool


_MEMO_LIMIT = 20_000
_MEMO_TEXT_LIMIT = 100
_OPEN_CHARS_LIMIT = 1_000_000


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


def _string(delim: str, escape: str | None, closer: str) -> str:
    """A regex for a string opened by `delim`; `closer` opens the group of the closing one."""
    d = re.escape(delim)
    esc = f"{re.escape(escape)}." if escape else None
    if len(delim) > 1:
        body = f"(?:{esc}|(?!{d}).)" if esc else f"(?:(?!{d}).)"
        return f"{d}(?s:{body}*)(?:{closer}{d})|\\Z)"
    excluded = re.escape(delim + (escape or "")) + r"\r\n"
    parts = [f"{d}{d}", f"[^{excluded}]"]
    if esc:
        parts.insert(0, esc)
    return f"{d}(?:{'|'.join(parts)})*{closer}{d})?"


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


def _mark_line_numbers(kinds: list[TokenKind], texts: list[str]) -> None:
    """In BASIC-like languages, a number that starts a line is a line number."""
    newline, number = TokenKind.NEWLINE, TokenKind.NUMBER
    starts = [i + 1 for i, kind in enumerate(kinds) if kind is newline]
    for i in [0, *starts]:
        if i < len(kinds) and kinds[i] is number and texts[i].isdigit():
            kinds[i] = TokenKind.LINE_NUMBER


@functools.lru_cache(maxsize=64)
def _lexer_by_value(spec: LanguageSpec) -> Lexer:
    """The compiled lexer of `spec`, cached by value (equal specs share one)."""
    return Lexer(spec)


_LEXERS: dict[int, tuple[LanguageSpec, Lexer]] = {}


def lexer_for(spec: LanguageSpec) -> Lexer:
    """The compiled lexer of `spec`, cached by identity in front of the by-value cache.

    Hashing a spec (every keyword, builtin and operator) costs about 20 us, a tenth of the
    lex of a 100-statement program; the identity lookup costs nothing.
    """
    hit = _LEXERS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_LEXERS) >= 64:
        _LEXERS.clear()
    lexer = _lexer_by_value(spec)
    _LEXERS[id(spec)] = (spec, lexer)
    return lexer


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
