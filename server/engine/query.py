"""Shared lookups for the IDE queries: tokens before an offset, the word being typed,
string/comment literals, scopes and the names visible at an offset, snippet escaping.

Per-analysis tables are built lazily and held in a weak dictionary, so they die with the
analysis they describe.
"""

from __future__ import annotations

import bisect
import functools
import weakref
from typing import TYPE_CHECKING

from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.analysis import Analysis
    from server.engine.spec import Builtin, LanguageSpec

__all__ = [
    "Tables",
    "builtin_parameters",
    "literal_at",
    "scope_at",
    "snippet_escape",
    "tables_of",
    "token_count_before",
    "visible_definitions",
    "word_prefix",
]

_LISP_CHARS = frozenset("-?!*<>=/+%&~^$.")
_NOT_WORD = frozenset("()[]{},;'\"` \t\r\n")
_SCOPE_KINDS = frozenset({"function", "procedure", "class"})


def token_count_before(tokens: tuple[Token, ...], offset: int) -> int:
    """The number of tokens that start before `offset` (tokens are sorted by start)."""
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid][2] < offset:
            lo = mid + 1
        else:
            hi = mid
    return lo


@functools.lru_cache(maxsize=64)
def _extra_word_chars(spec: LanguageSpec) -> frozenset[str]:
    """Non-identifier characters that occur inside the language's word-like spellings."""
    if spec.blocks.style == "sexpr":
        return _LISP_CHARS | {ch for kw in spec.keywords for ch in kw.custom[:1] if ch == "#"}
    extra: set[str] = set()
    for word in [kw.custom for kw in spec.keywords] + [fn.name for fn in spec.builtins]:
        if any(ch.isalnum() or ch == "_" for ch in word):
            extra.update(ch for ch in word if not (ch.isalnum() or ch == "_"))
    if spec.line_numbers:
        extra.add("$")
    return frozenset(extra - _NOT_WORD - set("".join(spec.string_delimiters)))


def word_prefix(spec: LanguageSpec, text: str, offset: int) -> tuple[int, str]:
    """(start, prefix): the partial word that ends at `offset` (clamped to the text)."""
    offset = max(0, min(offset, len(text)))
    extra = _extra_word_chars(spec)
    start = offset
    limit = max(0, offset - 256)  # a word longer than this is not worth completing
    while start > limit:
        ch = text[start - 1]
        if ch.isalnum() or ch == "_" or ch in extra:
            start -= 1
        else:
            break
    return start, text[start:offset]


def literal_at(analysis: Analysis, offset: int) -> Token | None:
    """The string or comment token holding `offset` (a cursor after a line comment too)."""
    tokens = analysis.tokens
    i = token_count_before(tokens, offset)
    if i == 0:
        return None
    tok = tokens[i - 1]
    if tok.kind is not TokenKind.STRING and tok.kind is not TokenKind.COMMENT:
        return None
    if offset < tok.end or (offset == tok.end and not tok.terminated):
        return tok
    if offset > tok.end or tok.kind is TokenKind.STRING:
        return None
    is_block = any(tok.text.startswith(s) for s, _ in analysis.spec.block_comments if s)
    return None if is_block else tok


class Tables:
    """Per-analysis lookups, built lazily: scopes by body start, names per scope sorted.

    Building costs one list comprehension over the definitions; a scope's sorted names are
    built the first time a completion looks into that scope.
    """

    def __init__(self, analysis: Analysis) -> None:
        defs = analysis.symbols.definitions
        self.aliases = analysis.symbols.aliases
        self.insensitive = not analysis.spec.case_sensitive
        self.defs = defs
        kinds = _SCOPE_KINDS
        scopes = [(d[10], i) for i, d in enumerate(defs) if d[1] in kinds and d[11] > d[10]]
        scopes.sort()
        self.scope_starts = [s for s, _ in scopes]
        self.scope_ids = [i for _, i in scopes]
        self.sorted: dict[int, tuple[list[str], list[tuple[str, int, str, str]]]] = {}

    def names(self, scope: int) -> tuple[list[str], list[tuple[str, int, str, str]]]:
        """(upper-case names, (upper, index, name, lookup key)) of a scope, sorted.

        Labels, unnamed definitions and variable re-declarations are left out.
        """
        hit = self.sorted.get(scope)
        if hit is None:
            defs = self.defs
            aliases = self.aliases
            members = [i for i, d in enumerate(defs) if d[6] == scope]
            entries = [
                (n.upper(), i, n, n)
                for i in members
                for n in (defs[i][0],)
                if n and defs[i][1] != "label" and (i >= len(aliases) or aliases[i] < 0)
            ]
            if self.insensitive:
                entries = [(u, i, n, u) for u, i, n, _ in entries]
            entries.sort()
            hit = self.sorted[scope] = ([e[0] for e in entries], entries)
        return hit


_TABLES: weakref.WeakKeyDictionary[Analysis, Tables] = weakref.WeakKeyDictionary()


def tables_of(analysis: Analysis) -> Tables:
    """The lookup tables of `analysis`, built on first use."""
    hit = _TABLES.get(analysis)
    if hit is None:
        hit = _TABLES[analysis] = Tables(analysis)
    return hit


def _indent_of(text: str, offset: int) -> int:
    """The width of the leading blanks of the line holding `offset`."""
    start = text.rfind("\n", 0, offset) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return end - start


def _contains(analysis: Analysis, index: int, offset: int) -> bool:
    """Whether the body of scope definition `index` contains `offset`."""
    d = analysis.symbols.definitions[index]
    if d.body_start <= offset <= d.body_end:
        return True
    if analysis.spec.blocks.style != "indent" or offset < d.body_end:
        return False
    # A new, still blank, deeper-indented line right after an indented body belongs to it.
    text = analysis.text
    gap = text[d.body_end : offset]
    line_head = text[text.rfind("\n", 0, offset) + 1 : offset]
    return (
        gap.strip() == ""
        and "\n" in gap
        and line_head.strip() == ""
        and len(line_head) > _indent_of(text, d.start)
    )


def scope_at(analysis: Analysis, offset: int) -> int:
    """The innermost function or class definition whose body holds `offset` (-1: the file)."""
    tables = tables_of(analysis)
    defs = analysis.symbols.definitions
    k = bisect.bisect_right(tables.scope_starts, offset) - 1
    if k < 0:
        return -1
    scope = tables.scope_ids[k]
    steps = 0
    while scope >= 0 and steps < 1000:
        if _contains(analysis, scope, offset):
            return scope
        scope = defs[scope].scope if scope < len(defs) else -1
        steps += 1
    return -1


def visible_definitions(analysis: Analysis, offset: int) -> list[tuple[int, int]]:
    """(definition index, scope distance) of every name visible at `offset`, inner first.

    A name declared anywhere in an enclosing scope is visible; an inner declaration hides an
    outer one of the same (folded) name. Labels and variable re-declarations are left out.
    """
    tables = tables_of(analysis)
    defs = analysis.symbols.definitions
    seen: set[str] = set()
    out: list[tuple[int, int]] = []
    scope = scope_at(analysis, offset)
    distance = 0
    while distance < 1000:
        for _, index, _, key in tables.names(scope)[1]:
            if key not in seen:
                seen.add(key)
                out.append((index, distance))
        if scope < 0:
            break
        scope = defs[scope].scope if scope < len(defs) else -1
        distance += 1
    return out


def snippet_escape(text: str) -> str:
    """`text` with the snippet metacharacters `$`, `}` and `\\` escaped."""
    if "$" not in text and "}" not in text and "\\" not in text:
        return text
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def builtin_parameters(fn: Builtin) -> tuple[tuple[str, ...], bool]:
    """(parameter names for a call snippet, whether the builtin takes any number more)."""
    variadic = fn.max_args < 0
    if fn.params:
        return fn.params, variadic
    return tuple(f"arg{i + 1}" for i in range(max(fn.min_args, 0))), variadic
