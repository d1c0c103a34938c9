"""Completion: keywords, builtins (with signature snippets) and symbols visible at an offset.

The prefix is the partial word before the offset, in the language's word characters
(identifier characters plus the symbol characters of its keyword and builtin spellings:
`null?`, `set!`, `STR$`, `Range.new`; any Lisp symbol character in S-expression languages).
Nothing is offered inside strings and comments, after a member-access character, or in a
number. Matching is case-insensitive; exact-case prefix matches sort first. Vocabulary
candidates are built once per spec; symbol lookup is O(symbols visible at the offset).
Shared lookups (`word_prefix`, `scope_at`, `visible_definitions`, ...) live in `query`.
"""

from __future__ import annotations

import bisect
import functools
import operator
import weakref
from typing import TYPE_CHECKING, Literal, NamedTuple

import attrs

from server.engine.query import (
    Tables,
    builtin_parameters,
    literal_at,
    scope_at,
    snippet_escape,
    tables_of,
    word_prefix,
)

if TYPE_CHECKING:
    from server.engine.analysis import Analysis
    from server.engine.spec import Builtin, LanguageSpec

__all__ = [
    "MAX_ITEMS",
    "CompletionCandidate",
    "CompletionKind",
    "CompletionResult",
    "completions",
    "keyword_completions",
    "resolve_documentation",
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


_PARTS: weakref.WeakKeyDictionary[Analysis, dict[int, tuple[CompletionKind, str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _parts_memo(analysis: Analysis) -> dict[int, tuple[CompletionKind, str, str]]:
    """The per-analysis memo of symbol candidate parts (dies with the analysis)."""
    memo = _PARTS.get(analysis)
    if memo is None:
        memo = _PARTS[analysis] = {}
    return memo


def _symbol_parts(
    analysis: Analysis, tables: Tables, index: int, sexpr: bool
) -> tuple[CompletionKind, str, str]:
    """(kind, detail, call snippet or "") of user definition `index`, memoised per analysis."""
    memo = _parts_memo(analysis)
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
    tables = tables_of(analysis)
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
    memo = _parts_memo(analysis)
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
