"""Completion: keywords, builtins (with signature snippets) and symbols visible at an offset.

The prefix is the partial word before the offset, in the language's word characters
(identifier characters plus the symbol characters of its keyword and builtin spellings:
`null?`, `set!`, `STR$`, `Range.new`; any Lisp symbol character in S-expression languages).
Nothing is offered inside strings and comments, after a member-access character, or in a
number. Matching is case-insensitive; exact-case prefix matches sort first. Vocabulary
candidates are built once per spec; symbol lookup is O(symbols visible at the offset).
The helpers `token_count_before`, `word_prefix`, `scope_at` and `visible_definitions` are
shared with the other IDE query modules.
"""

from __future__ import annotations

import bisect
import functools
import operator
import weakref
from typing import TYPE_CHECKING, Literal, NamedTuple

import attrs

from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.analysis import Analysis
    from server.engine.spec import Builtin, LanguageSpec

__all__ = [
    "MAX_ITEMS",
    "CompletionCandidate",
    "CompletionKind",
    "CompletionResult",
    "builtin_parameters",
    "completions",
    "keyword_completions",
    "literal_at",
    "resolve_documentation",
    "scope_at",
    "snippet_escape",
    "token_count_before",
    "visible_definitions",
    "word_prefix",
]

CompletionKind = Literal[
    "keyword", "builtin", "function", "variable", "parameter", "class", "constant", "snippet"
]
MAX_ITEMS = 200
"""The most candidates one completion result carries; more sets `is_incomplete`."""

_LISP_CHARS = frozenset("-?!*<>=/+%&~^$.")
_NOT_WORD = frozenset("()[]{},;'\"` \t\r\n")
_KIND_OF_DEF: dict[str, CompletionKind] = {
    "function": "function",
    "procedure": "function",
    "class": "class",
    "variable": "variable",
    "constant": "constant",
    "parameter": "parameter",
    "import": "variable",
}
_SCOPE_KINDS = frozenset({"function", "procedure", "class"})
_SORT_KEY = operator.itemgetter(6)  # CompletionCandidate.sort_text


class CompletionCandidate(NamedTuple):
    """One completion item; `insert_text` is a snippet when `is_snippet`."""

    label: str
    kind: CompletionKind
    detail: str
    documentation: str
    insert_text: str
    is_snippet: bool
    sort_text: str


@attrs.frozen
class CompletionResult:
    """Candidates for the word in `[replace_start, replace_end)`, best first."""

    items: tuple[CompletionCandidate, ...]
    is_incomplete: bool
    replace_start: int
    replace_end: int


EMPTY = CompletionResult((), False, 0, 0)


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


class _Tables:
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
        self.candidates: dict[int, tuple[CompletionKind, str, str]] = {}

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


_TABLES: weakref.WeakKeyDictionary[Analysis, _Tables] = weakref.WeakKeyDictionary()


def _tables(analysis: Analysis) -> _Tables:
    """The lookup tables of `analysis`, built on first use."""
    hit = _TABLES.get(analysis)
    if hit is None:
        hit = _TABLES[analysis] = _Tables(analysis)
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
    tables = _tables(analysis)
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
    tables = _tables(analysis)
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


def _call_snippet(name: str, params: tuple[str, ...], variadic: bool, sexpr: bool) -> str:
    """`name(${1:a}, ${2:b})`, or `name ${1:a} ${2:b}` in S-expression languages."""
    if not any(ch in "$}\\" for ch in name.join(params)):
        holes = [f"${{{i}:{p}}}" for i, p in enumerate(params, 1)]  # nothing to escape
    else:
        holes = [f"${{{i}:{snippet_escape(p)}}}" for i, p in enumerate(params, 1)]
    if sexpr:
        return " ".join([snippet_escape(name), *holes, *(["$0"] if variadic else [])])
    return f"{snippet_escape(name)}({', '.join(holes)}{'$0' if variadic else ''})"


def _builtin_signature(fn: Builtin, sexpr: bool) -> str:
    """`name(a, b) -> type` (`(name a b) -> type` in S-expression languages)."""
    params, variadic = builtin_parameters(fn)
    shown = list(params) + (["..."] if variadic else [])
    if sexpr:
        return f"({' '.join([fn.name, *shown])}) -> {fn.return_type}"
    return f"{fn.name}({', '.join(shown)}) -> {fn.return_type}"


class _Entry(NamedTuple):
    """A keyword or builtin candidate without its sort text."""

    label: str
    upper: str
    kind: CompletionKind
    detail: str
    documentation: str
    plain: str
    snippet: str


def _documentation(spec: LanguageSpec, word: str) -> str:
    """Every meaning of a spelling: its keyword concepts and its builtins (Markdown)."""
    key = spec.fold(word)
    sexpr = spec.blocks.style == "sexpr"
    lines = [
        f"keyword `{kw.custom}`: **{kw.original}** ({kw.category})"
        + (f": {kw.description}" if kw.description else "")
        for kw in spec.keywords_by_custom.get(key, ())
    ]
    lines += [
        f"builtin `{_builtin_signature(fn, sexpr)}`"
        + (f": {fn.description}" if fn.description else "")
        for fn in spec.builtins_by_name.get(key, ())
    ]
    return "\n\n".join(lines)


@functools.lru_cache(maxsize=32)
def _vocabulary(spec: LanguageSpec) -> tuple[_Entry, ...]:
    """Keyword and builtin candidates of `spec`, one per (folded spelling, kind)."""
    out: list[_Entry] = []
    seen: set[tuple[str, str]] = set()
    for kw in spec.keywords:
        key = (spec.fold(kw.custom), "keyword")
        if not kw.custom.strip() or key in seen:
            continue
        seen.add(key)
        meanings = spec.keywords_by_custom.get(key[0], ())
        detail = " / ".join(dict.fromkeys(m.original for m in meanings))
        doc = _documentation(spec, kw.custom)
        out.append(_Entry(kw.custom, kw.custom.upper(), "keyword", detail, doc, kw.custom, ""))
    sexpr = spec.blocks.style == "sexpr"
    for fn in spec.builtins:
        key = (spec.fold(fn.name), "builtin")
        if not fn.name.strip() or key in seen:
            continue
        seen.add(key)
        params, variadic = builtin_parameters(fn)
        snippet = _call_snippet(fn.name, params, variadic, sexpr)
        doc = _documentation(spec, fn.name)
        entry = _Entry(
            fn.name,
            fn.name.upper(),
            "builtin",
            _builtin_signature(fn, sexpr),
            doc,
            fn.name,
            snippet,
        )
        out.append(entry)
    return tuple(out)


def _matches(upper: str, label: str, prefix: str, prefix_upper: str) -> int:
    """-1 when `label` does not match; 0 for an exact-case prefix match; 1 otherwise."""
    if label.startswith(prefix):
        return 0
    return 1 if upper.startswith(prefix_upper) else -1


def keyword_completions(
    spec: LanguageSpec, prefix: str, offset: int | None = None
) -> CompletionResult:
    """The degraded result (keywords and builtins only, `is_incomplete`) without an analysis.

    With `offset` the replace range is `[offset - len(prefix), offset)`; without it the range
    is relative to the start of the prefix.
    """
    end = len(prefix) if offset is None else max(offset, 0)
    start = max(end - len(prefix), 0)
    items = _vocab_items(spec, prefix, call_position=True)
    return CompletionResult(items[:MAX_ITEMS], True, start, end)


@functools.lru_cache(maxsize=256)
def _vocab_items(
    spec: LanguageSpec, prefix: str, call_position: bool
) -> tuple[CompletionCandidate, ...]:
    """Matching vocabulary candidates, sorted (cached: the same prefix recurs constantly)."""
    prefix_upper = prefix.upper()
    out: list[CompletionCandidate] = []
    for e in _vocabulary(spec):
        rank = _matches(e.upper, e.label, prefix, prefix_upper)
        if rank < 0:
            continue
        group = "8" if e.kind == "keyword" else "7"
        use_snippet = bool(e.snippet) and call_position
        out.append(
            CompletionCandidate(
                e.label,
                e.kind,
                e.detail,
                e.documentation,
                e.snippet if use_snippet else e.plain,
                use_snippet,
                f"{rank}{group}{e.upper}",
            )
        )
    out.sort(key=lambda c: c.sort_text)
    return tuple(out)


def resolve_documentation(spec: LanguageSpec, label: str, kind: str) -> str:
    """Full Markdown documentation of a keyword or builtin (every meaning); "" otherwise."""
    if kind not in ("keyword", "builtin"):
        return ""
    return _documentation(spec, label)


def _symbol_parts(
    analysis: Analysis, tables: _Tables, index: int, sexpr: bool
) -> tuple[CompletionKind, str, str]:
    """(kind, detail, call snippet or "") of user definition `index`, memoised per analysis."""
    memo = tables.candidates
    hit = memo.get(index)
    if hit is not None:
        return hit
    defs = analysis.symbols.definitions
    d = defs[index]
    types = analysis.types.definition_types
    type_ = types[index] if index < len(types) else "unknown"
    kind = _KIND_OF_DEF.get(d.kind, "variable")
    parts: tuple[CompletionKind, str, str]
    if kind == "function":
        params = tuple(defs[p].name for p in d.params if p < len(defs))
        returns = f" -> {type_}" if type_ != "unknown" else ""
        detail = f"{d.kind} {d.name}({', '.join(params)}){returns}"
        parts = (kind, detail, _call_snippet(d.name, params, False, sexpr))
    else:
        parts = (kind, type_ if type_ != "unknown" else d.kind, "")
    memo[index] = parts
    return parts


def _call_position(text: str, start: int, offset: int, sexpr: bool) -> bool:
    """Whether a call snippet fits here: right after `(` in Lisp, not before `(` elsewhere."""
    if not sexpr:
        return not text.startswith("(", offset)
    k = start
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    return k > 0 and text[k - 1] == "("


def completions(analysis: Analysis, offset: int) -> CompletionResult:
    """Keywords, builtins and visible symbols matching the word before `offset`; never raises."""
    text = analysis.text
    offset = max(0, min(offset, len(text)))
    spec = analysis.spec
    start, prefix = word_prefix(spec, text, offset)
    if literal_at(analysis, offset) is not None or prefix[:1].isdigit():
        return CompletionResult((), False, start, offset)
    member = spec.member_access
    if member and not prefix and start > 0 and text.endswith(member, 0, start):
        return CompletionResult((), False, start, offset)
    sexpr = spec.blocks.style == "sexpr"
    call_position = _call_position(text, start, offset, sexpr)
    items = _vocab_items(spec, prefix, call_position)
    incomplete = len(items) > MAX_ITEMS
    prefix_upper = prefix.upper()
    tables = _tables(analysis)
    defs = analysis.symbols.definitions
    pending: list[tuple[int, int, str, int, str]] = []
    seen: set[str] = set()
    scope = scope_at(analysis, offset)
    distance = 0
    while distance < 1000:
        uppers, entries = tables.names(scope)
        if entries:
            k = bisect.bisect_left(uppers, prefix_upper)
            taken = 0
            while k < len(entries):
                upper, index, name, key = entries[k]
                k += 1
                if not upper.startswith(prefix_upper):
                    break
                if key in seen:
                    continue
                if taken >= MAX_ITEMS:
                    incomplete = True
                    break
                seen.add(key)
                taken += 1
                rank = 0 if name.startswith(prefix) else 1
                pending.append((rank, min(distance, 6), upper, index, name))
        if scope < 0:
            break
        scope = defs[scope].scope if scope < len(defs) else -1
        distance += 1
    if len(pending) + len(items) > MAX_ITEMS:
        incomplete = True
        pending.sort()
        del pending[MAX_ITEMS:]
    memo = tables.candidates
    make = CompletionCandidate
    symbols: list[CompletionCandidate] = []
    for rank, dist, upper, index, name in pending:
        parts = memo.get(index) or _symbol_parts(analysis, tables, index, sexpr)
        if parts[2] and call_position:
            symbols.append(
                make(name, parts[0], parts[1], "", parts[2], True, f"{rank}{dist}{upper}")
            )
        else:
            symbols.append(make(name, parts[0], parts[1], "", name, False, f"{rank}{dist}{upper}"))
    merged = sorted([*symbols, *items[:MAX_ITEMS]], key=_SORT_KEY)[:MAX_ITEMS]
    return CompletionResult(tuple(merged), incomplete, start, offset)
