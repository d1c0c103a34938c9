"""The normalized, immutable language spec every engine stage reads.

A ParserCraft config (any of the shapes in PARSERCRAFT.md section 2) or one of our presets
is loaded by `server.engine.config` into one `LanguageSpec`. Nothing downstream looks at
raw config dictionaries.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

import attrs

BlockStyle = Literal["keywords", "braces", "indent", "sexpr", "none"]
Associativity = Literal["left", "right", "none"]


@attrs.frozen
class Keyword:
    """One keyword: the concept it stands for (`original`) and its spelling in source (`custom`)."""

    original: str
    custom: str
    category: str = "general"
    description: str = ""


@attrs.frozen
class Builtin:
    """A builtin function: its spelling, arity bounds (`max_args` -1 = unbounded) and types."""

    name: str
    original: str
    min_args: int = 0
    max_args: int = -1
    description: str = ""
    return_type: str = "unknown"
    params: tuple[str, ...] = ()


@attrs.frozen
class Operator:
    """An operator symbol (possibly a word such as `MOD`) with precedence and associativity."""

    symbol: str
    precedence: int = 0
    associativity: Associativity = "left"


@attrs.frozen
class Blocks:
    """How the language delimits blocks; `pairs` are (open, close) spellings as written."""

    style: BlockStyle = "none"
    pairs: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Grammar:
    """A PEG grammar section (PARSERCRAFT.md section 5); `rules` keep their order."""

    name: str = "custom"
    start: str = "program"
    skip_whitespace: bool = True
    comments: tuple[str, ...] = ("//.*",)
    rules: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class ConfigWarning:
    """A non-fatal finding while loading a config (unknown key, duplicate keyword, ...)."""

    path: str
    key_path: str
    message: str
    line: int | None = None


@attrs.frozen
class LanguageSpec:
    """Everything the lexer, parser, inference and formatter need to know about a language."""

    name: str
    version: str = ""
    description: str = ""
    source: str = ""
    keywords: tuple[Keyword, ...] = ()
    builtins: tuple[Builtin, ...] = ()
    operators: tuple[Operator, ...] = ()
    line_comments: tuple[str, ...] = ()
    block_comments: tuple[tuple[str, str], ...] = ()
    string_delimiters: tuple[str, ...] = ('"', "'")
    escape_char: str | None = "\\"
    statement_terminator: str | None = None
    blocks: Blocks = Blocks()
    case_sensitive: bool = True
    member_access: str = "."
    line_numbers: bool = False
    grammar: Grammar | None = None
    warnings: tuple[ConfigWarning, ...] = ()

    @cached_property
    def keywords_by_custom(self) -> dict[str, tuple[Keyword, ...]]:
        """Custom spelling (case-folded when the language is case-insensitive) -> meanings."""
        table: dict[str, list[Keyword]] = {}
        for kw in self.keywords:
            table.setdefault(self.fold(kw.custom), []).append(kw)
        return {word: tuple(kws) for word, kws in table.items()}

    @cached_property
    def custom_by_original(self) -> dict[str, str]:
        """Original concept -> its first custom spelling."""
        table: dict[str, str] = {}
        for kw in self.keywords:
            table.setdefault(kw.original, kw.custom)
        return table

    @cached_property
    def builtins_by_name(self) -> dict[str, tuple[Builtin, ...]]:
        """Builtin spelling (case-folded when case-insensitive) -> builtins with that name."""
        table: dict[str, list[Builtin]] = {}
        for fn in self.builtins:
            table.setdefault(self.fold(fn.name), []).append(fn)
        return {name: tuple(fns) for name, fns in table.items()}

    def fold(self, word: str) -> str:
        """The lookup key for a word: itself, or upper-cased when case-insensitive."""
        return word if self.case_sensitive else word.upper()

    def originals_of(self, word: str) -> frozenset[str]:
        """All originals a source word stands for (empty when it is not a keyword)."""
        return frozenset(kw.original for kw in self.keywords_by_custom.get(self.fold(word), ()))
