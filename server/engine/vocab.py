"""Keywords, builtin functions and operators of a config (rules: `server.engine.config`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast, get_args

from server.engine import defaults
from server.engine.section import (
    Entry,
    Reader,
    Section,
    describe,
    list_entries,
    scalar_text,
)
from server.engine.spec import Associativity, Builtin, Keyword, LanguageSpec, Operator

__all__ = ["Located", "builtins", "check_words", "keywords", "operators"]

_ASSOCIATIVITY: tuple[str, ...] = get_args(Associativity)

Located = tuple[Keyword, str, "int | None"]


def keywords(root: Section) -> tuple[list[Located], bool]:
    """Keywords with their key path and line, and whether the file is the short S form."""
    entry = root.entry("keywords")
    found: list[Located] = []
    short_form = False
    if entry is None or entry.value is None:
        found = [(kw, "keywords", None) for kw in defaults.DEFAULT_KEYWORDS]
    elif isinstance(entry.value, list):
        for item in list_entries(entry):
            word = scalar_text(item, root.reader)
            found.append((Keyword(word, word), item.key_path, item.line))
    elif isinstance(entry.value, Mapping):
        section = root.as_section(entry)
        for item in section.entries():
            if isinstance(item.value, Mapping):
                keyword = _object_keyword(section.as_section(item), item.key)
                found.append((keyword, item.key_path, item.line))
            elif item.value is None or isinstance(item.value, list):
                root.reader.fail(
                    item.key_path,
                    f"expected a custom word or a mapping, got {describe(item.value)}",
                    item.line,
                )
            else:
                short_form = short_form or root.entry("metadata") is None
                custom = scalar_text(item, root.reader)
                found.append((Keyword(item.key, custom), item.key_path, item.line))
    else:
        root.reader.fail(
            entry.key_path, f"expected a mapping or a list, got {describe(entry.value)}", entry.line
        )
    extra = root.entry("builtin_keywords")
    if extra is not None and extra.value is not None:
        for word in root.word_list(extra):
            found.append((Keyword(word, word, "builtin"), extra.key_path, extra.line))
    kept = []
    for kw, key_path, line in found:
        if kw.custom.strip():
            kept.append((kw, key_path, line))
        else:
            root.reader.warn(key_path, "empty keyword spelling; entry ignored", line)
    return kept, short_form


def _object_keyword(section: Section, key: str) -> Keyword:
    """A keyword written as `{original, custom, category, description}`."""
    section.warn_unknown(defaults.KEYWORD_KEYS, "keyword")
    custom = section.text("custom")
    if custom is None:
        section.reader.fail(section.key_path, "missing required field 'custom'", section.line)
    return Keyword(
        original=section.text("original") or key,
        custom=custom,
        category=section.text("category") or "general",
        description=section.text("description") or "",
    )


def check_words(spec: LanguageSpec, keywords: list[Located], reader: Reader) -> None:
    """Warn about one word with several meanings and keywords that are also builtins."""
    seen: dict[str, str] = {}
    builtin_names = set(spec.builtins_by_name)
    for kw, key_path, line in keywords:
        word = spec.fold(kw.custom)
        if word in seen:
            reader.warn(
                key_path,
                f"keyword '{kw.custom}' stands for both '{seen[word]}' and '{kw.original}'; "
                "both meanings are kept",
                line,
            )
        else:
            seen[word] = kw.original
        if word in builtin_names:
            reader.warn(key_path, f"keyword '{kw.custom}' is also a builtin function name", line)


def builtins(root: Section) -> tuple[Builtin, ...]:
    """Builtins from `functions` or `builtin_functions`, or upstream's defaults."""
    key = "functions" if root.has("functions") else "builtin_functions"
    if root.has("functions") and root.has("builtin_functions"):
        root.reader.warn(
            "builtin_functions",
            "both 'functions' and 'builtin_functions' are present; using 'functions'",
            root.line_of("builtin_functions"),
        )
    entry = root.entry(key)
    if entry is None or entry.value is None:
        return defaults.DEFAULT_BUILTINS
    if isinstance(entry.value, list):
        names = root.word_list(entry)
        return tuple(Builtin(name, name) for name in names if name.strip())
    found: list[Builtin] = []
    for item in root.as_section(entry).entries():
        builtin = _builtin(root, item)
        if builtin is not None:
            found.append(builtin)
    return tuple(found)


def _builtin(root: Section, item: Entry) -> Builtin | None:
    """One function entry, or None when it is disabled or has an empty spelling."""
    if item.value is None or isinstance(item.value, list):
        root.reader.fail(
            item.key_path,
            f"expected a mapping or a function name, got {describe(item.value)}",
            item.line,
        )
    if not isinstance(item.value, Mapping):
        name = scalar_text(item, root.reader)
        return Builtin(name, item.key) if name.strip() else None
    fn = root.as_section(item)
    fn.warn_unknown(defaults.FUNCTION_KEYS, "function")
    if fn.flag("enabled") is False:
        return None
    name = fn.text("name") or fn.text("new_name") or item.key
    if not name.strip():
        root.reader.warn(item.key_path, "empty function name; entry ignored", item.line)
        return None
    low, high = _arity(fn)
    returns = fn.text("returns") or fn.text("return_type") or "unknown"
    if returns not in defaults.RETURN_TYPES:
        where = "returns" if fn.has("returns") else "return_type"
        root.reader.warn(
            fn.path_of(where),
            f"unknown return type '{returns}' (expected one of "
            f"{', '.join(sorted(defaults.RETURN_TYPES))}); using 'unknown'",
            fn.line_of(where),
        )
        returns = "unknown"
    return Builtin(
        name=name,
        original=fn.text("alias") or item.key,
        min_args=low,
        max_args=high,
        description=fn.text("description") or "",
        return_type=returns,
        params=tuple(fn.words("params") or ()),
    )


def _arity(fn: Section) -> tuple[int, int]:
    """(min_args, max_args) by the arity rules of the module docstring."""
    values: dict[str, int | None] = {}
    for key in ("arity", "min_args", "max_args"):
        value = fn.integer(key)
        if value is not None and value < -1:
            fn.reader.fail(fn.path_of(key), f"expected -1 or more, got {value}", fn.line_of(key))
        values[key] = value
    arity, low, high = values["arity"], values["min_args"], values["max_args"]
    has_bounds = low is not None or high is not None
    if arity is not None and (not has_bounds or (low in (None, -1) and high in (None, -1))):
        low, high = (0, -1) if arity == -1 else (arity, arity)
    low = 0 if low is None or low == -1 else low
    high = -1 if high is None else high
    if high != -1 and low > high:
        fn.reader.fail(
            fn.path_of("min_args"),
            f"min_args {low} is greater than max_args {high}",
            fn.line_of("min_args"),
        )
    return low, high


def operators(root: Section, syntax: Section | None) -> tuple[Operator, ...]:
    """Operators from `operators` or `syntax.operators`, or upstream's defaults."""
    entry = root.entry("operators")
    if entry is None or entry.value is None:
        named = syntax.entry("operators") if syntax is not None else None
        if named is None or named.value is None or syntax is None:
            return defaults.DEFAULT_OPERATORS
        if isinstance(named.value, Mapping):
            named_items = syntax.as_section(named).entries()
            symbols = [scalar_text(item, root.reader) for item in named_items]
        else:
            symbols = syntax.word_list(named)
        return tuple(Operator(symbol) for symbol in symbols if symbol.strip())
    found: list[Operator] = []
    items: list[Entry]
    if isinstance(entry.value, list):
        items = list(list_entries(entry))
    elif isinstance(entry.value, Mapping):
        items = list(root.as_section(entry).entries())
    else:
        root.reader.fail(
            entry.key_path, f"expected a list or a mapping, got {describe(entry.value)}", entry.line
        )
    by_key = isinstance(entry.value, Mapping)
    for item in items:
        if isinstance(item.value, Mapping):
            op = _operator(root.as_section(item), item.key if by_key else None)
        elif item.value is None or isinstance(item.value, list):
            root.reader.fail(
                item.key_path,
                f"expected an operator mapping or symbol, got {describe(item.value)}",
                item.line,
            )
        else:
            op = Operator(scalar_text(item, root.reader))
        if op is not None and op.symbol.strip():
            found.append(op)
    return tuple(found)


def _operator(section: Section, key: str | None) -> Operator | None:
    """One `{symbol, precedence, associativity, enabled}` record (None when disabled)."""
    section.warn_unknown(defaults.OPERATOR_KEYS, "operator")
    if section.flag("enabled") is False:
        return None
    symbol = section.text("symbol") or key
    if symbol is None:
        section.reader.fail(section.key_path, "missing required field 'symbol'", section.line)
    precedence = section.integer("precedence") or 0
    if precedence < 0:
        section.reader.fail(
            section.path_of("precedence"),
            f"expected 0 or more, got {precedence}",
            section.line_of("precedence"),
        )
    assoc = section.text("associativity") or "left"
    if assoc not in _ASSOCIATIVITY:
        section.reader.fail(
            section.path_of("associativity"),
            f"expected left, right or none, got '{assoc}'",
            section.line_of("associativity"),
        )
    return Operator(symbol, precedence, cast(Associativity, assoc))
