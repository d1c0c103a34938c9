"""The block pairs of a spec as lookup tables for the block scanner (split from `blocks.py`).

Openers map to their closers (each a tuple of folded words, `END IF` is two), closers by their
first word to the candidates (longest first), and the brackets `() [] {}` that are not block
pairs of the style are matched as brackets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.engine.blocks import BlockKind
    from server.engine.spec import LanguageSpec

_BRACKETS = {"(": ")", "[": "]", "{": "}"}


class PairTables:
    """Opener and closer lookups of one spec, folded; shared, so never mutated."""

    def __init__(self, spec: LanguageSpec) -> None:
        fold = spec.fold
        self.openers: dict[str, tuple[tuple[str, ...], ...]] = {}
        self.closers: dict[str, list[tuple[str, ...]]] = {}
        self.kinds: dict[str, BlockKind] = {}
        pairs = list(spec.blocks.pairs) if spec.blocks.style == "keywords" else []
        if spec.blocks.style == "braces":
            pairs = [("{", "}"), *spec.blocks.pairs]
        elif spec.blocks.style == "sexpr":
            pairs = [("(", ")")]
        opener_map: dict[str, list[tuple[str, ...]]] = {}
        for open_word, close_words in pairs:
            close = tuple(fold(w) for w in close_words.split())
            if not open_word.strip() or not close:
                continue
            key = fold(open_word.strip())
            if close not in opener_map.setdefault(key, []):
                opener_map[key].append(close)
            self.closers.setdefault(close[0], [])
            if close not in self.closers[close[0]]:
                self.closers[close[0]].append(close)
            kind: BlockKind = "keyword"
            if key == "{" and spec.blocks.style == "braces":
                kind = "brace"
            elif key == "(" and spec.blocks.style == "sexpr":
                kind = "sexpr"
            self.kinds[key] = kind
        self.openers = {k: tuple(v) for k, v in opener_map.items()}
        for cands in self.closers.values():
            cands.sort(key=len, reverse=True)
        used = set(self.openers) | set(self.closers)
        self.brackets = {o: c for o, c in _BRACKETS.items() if o not in used and c not in used}
        self.bracket_closers = {c: o for o, c in self.brackets.items()}


_TABLES: dict[int, tuple[LanguageSpec, PairTables]] = {}


def pair_tables(spec: LanguageSpec) -> PairTables:
    """The tables of `spec`, cached by identity (bounded): hashing a spec costs more."""
    hit = _TABLES.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_TABLES) >= 64:
        _TABLES.clear()
    tables = PairTables(spec)
    _TABLES[id(spec)] = (spec, tables)
    return tables
