"""ParserCraft config text -> one normalized `LanguageSpec` (PARSERCRAFT.md sections 2-6, 12).

Pure: callers pass the text and a path used for messages and for the format (`.yaml`/`.yml`
is YAML, anything else JSON, as upstream). Every section is optional and read per key, so
mixed shapes degrade per key. Wrong types of known fields raise `LanguageSpecError` (file,
line, key path, reason); unknown keys, duplicate keys and odd-but-legal content become
`ConfigWarning`s. A null section counts as absent.

Rules:
- Identity: `metadata.name|version|description` first, then the top-level key, then
  `language_name` (P form) for the name; a nameless config is named after its file stem.
  A version written as a number (`version: 1.0`) keeps its written text.
- Keywords (`keywords`): string map `original: CUSTOM`; object map `key: {original, custom,
  category, description}` where `original` defaults to the key *as written* (`true`, `None`,
  `==`); or a list of words that stand for themselves. P's `builtin_keywords` list adds
  words that stand for themselves. An absent section keeps upstream's 29 defaults.
- Functions (`functions`, else `builtin_functions`; `functions` wins if both): the spelling
  is `name`, else `new_name`, else the key; the original is `alias`, else the key. Arity:
  a lone `arity: n` gives n..n and `arity: -1` gives 0..unbounded; `min_args`/`max_args`
  alone are used as given (min -1 -> 0, max -1 = unbounded, a missing min is 0, a missing
  max unbounded); with both `arity` and min/max (L-v3), min = max = -1 means "derive from
  `arity`", otherwise min/max win. `print: say` (a string value) is `say`, 0..unbounded.
  `enabled: false` drops the function. `params`, `description` are kept; our extension
  `returns` (or `return_type`) names the result type, else "unknown". An absent section
  keeps upstream's 5 defaults.
- Operators: a list of `{symbol, precedence, associativity}`, a map `symbol: {...}`, a list
  of symbol strings, `[]` (no operators), or, when `operators` is absent, the name->symbol
  map `syntax.operators`; with neither, upstream's 11 defaults. File order is kept;
  `enabled: false` drops one.
- Lexical settings follow the table of section 3.12: line comment from
  `syntax_options.single_line_comment`, `parsing.comment_style`, `syntax.line_comment`, the
  X form's top-level `comments` (first found), plus `parsing.alt_comment_prefix`; block
  comments only from the first source whose two ends are non-empty strings; strings from
  `parsing_config.string_delimiters`, `parsing.string_delimiters`, the X form's top-level
  `string_delimiters`, else `"` and `'`; the statement terminator is the first of
  `syntax.statement_separator`, `parsing.statement_separator`,
  `parsing_config.statement_separator`, then `syntax_options.statement_terminator` if
  `require_semicolons` -- skipping empty values and values that are a custom keyword or a
  comment marker (`;` is a keyword in Forth-likes and the comment prefix of the
  assembly/functional demos); none means newline. Case sensitivity from
  `parsing.case_sensitive` (or a top-level `case_sensitive`), default true; escape
  character from `parsing_config.escape_character` (null or "" = none), default backslash.
- Grammar (`grammar`, section 5): `name` "custom", `start` "program", `skip_whitespace`
  true, `comments` ["//.*"], `rules` a map name -> pattern string in order (a non-string
  pattern is an error) or PEG text (`name <- pattern` lines). No rules -> no grammar.
- Blocks: our extension `blocks: {style, pairs: [[open, close], ...]}` wins; otherwise the
  heuristic of `server.engine.blockstyle`. `line_numbers` is true for BASIC-like configs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import cast, get_args

import attrs

from server.engine import defaults, lexical, vocab
from server.engine.blockstyle import derive_blocks, has_line_numbers
from server.engine.section import (
    Reader,
    Section,
    describe,
    list_entries,
)
from server.engine.spec import (
    Blocks,
    BlockStyle,
    Grammar,
    LanguageSpec,
)
from server.engine.yamlload import Kind, duplicate_keys, parse_document
from server.errors import LanguageSpecError

__all__ = ["load_config_text", "spec_from_data"]

_STYLES: tuple[str, ...] = get_args(BlockStyle)
_RULE_LINE = re.compile(r"^(\w+)\s*<-\s*(.*)$")


def load_config_text(text: str, path: str, *, kind: Kind | None = None) -> LanguageSpec:
    """Parse and normalize one config; raises only LanguageSpecError."""
    return spec_from_data(parse_document(text, path, kind), path)


def spec_from_data(data: object, path: str) -> LanguageSpec:
    """Normalize already-parsed config data (YAML/JSON shaped); raises only LanguageSpecError."""
    if isinstance(data, list):
        if any(isinstance(item, Mapping) and _is_test_case(item) for item in data):
            raise LanguageSpecError(path, "this file is a test-case list, not a language config")
        raise LanguageSpecError(path, "the document root must be a mapping, got a list")
    if not isinstance(data, Mapping):
        raise LanguageSpecError(
            path, f"the document root must be a mapping, got {describe(data)}", line=1
        )
    reader = Reader(path)
    for key_path, line in duplicate_keys(data):
        reader.warn(key_path, "key written twice; the last value wins", line)
    try:
        return _build(Section(reader, data), reader)
    except RecursionError as exc:  # self-referencing YAML aliases
        raise LanguageSpecError(path, "the config refers to itself") from exc


def _is_test_case(item: Mapping[object, object]) -> bool:
    """A `parsercraft test` case: `{name, source | file, expect_stdout}`."""
    return bool({"source", "file", "expect_stdout"} & {str(key) for key in item})


def _build(root: Section, reader: Reader) -> LanguageSpec:
    """Assemble the spec from every section of the root."""
    root.warn_unknown(defaults.TOP_LEVEL_KEYS, "top-level")
    meta = root.sub("metadata")
    if meta is not None:
        meta.warn_unknown(defaults.METADATA_KEYS, "metadata")
    so = _known(root, "syntax_options", defaults.SYNTAX_OPTIONS_KEYS)
    pc = _known(root, "parsing_config", defaults.PARSING_CONFIG_KEYS)
    parsing = _known(root, "parsing", defaults.PARSING_KEYS)
    syntax = _known(root, "syntax", defaults.SYNTAX_KEYS)
    _known(root, "runtime", defaults.RUNTIME_KEYS)

    def ident(key: str) -> str | None:
        return (meta.text(key) if meta is not None else None) or root.text(key)

    case_sensitive = _first_flag((parsing, "case_sensitive"), (root, "case_sensitive"))
    keywords, short_form = vocab.keywords(root)
    line_comments, block_comments = lexical.comments(root, so, parsing, syntax)
    customs = {kw.custom for kw, _, _ in keywords}
    markers = set(line_comments) | {end for pair in block_comments for end in pair}
    terminator = lexical.terminator(so, pc, parsing, syntax, customs | markers)
    escape = "\\"
    if pc is not None and pc.entry("escape_character") is not None:
        escape = pc.text("escape_character") or ""
    spec = LanguageSpec(
        name=ident("name") or root.text("language_name") or PurePath(reader.path).stem or "",
        version=ident("version") or "",
        description=ident("description") or "",
        source=reader.path,
        keywords=tuple(kw for kw, _, _ in keywords),
        builtins=vocab.builtins(root),
        operators=vocab.operators(root, syntax),
        line_comments=line_comments,
        block_comments=block_comments,
        string_delimiters=lexical.strings(root, pc, parsing),
        escape_char=escape or None,
        statement_terminator=terminator,
        blocks=_blocks(
            root,
            keywords=keywords,
            line_comments=line_comments,
            block_comments=block_comments,
            terminator=terminator,
            short_form=short_form,
        ),
        case_sensitive=True if case_sensitive is None else case_sensitive,
        member_access=(pc.text("member_access") if pc is not None else None) or ".",
        line_numbers=has_line_numbers([kw for kw, _, _ in keywords], line_comments),
        grammar=_grammar(root),
    )
    vocab.check_words(spec, keywords, reader)
    return attrs.evolve(spec, warnings=tuple(reader.warnings))


def _known(root: Section, key: str, known: frozenset[str]) -> Section | None:
    """A sub-section, warning about its unknown keys."""
    section = root.sub(key)
    if section is not None:
        section.warn_unknown(known, key)
    return section


def _first_flag(*places: tuple[Section | None, str]) -> bool | None:
    """The first boolean declared among (section, key) places."""
    for section, key in places:
        if section is not None and (value := section.flag(key)) is not None:
            return value
    return None


def _grammar(root: Section) -> Grammar | None:
    """The PEG grammar section (section 5 defaults), or None without rules."""
    entry = root.entry("grammar")
    if entry is None or entry.value is None:
        return None
    if isinstance(entry.value, str):
        rules = _rule_text(entry.value)
        return Grammar(rules=tuple(rules)) if rules else None
    section = root.as_section(entry)
    section.warn_unknown(defaults.GRAMMAR_KEYS, "grammar")
    rules_entry = section.entry("rules")
    found: list[tuple[str, str]] = []
    if rules_entry is not None and isinstance(rules_entry.value, str):
        found = _rule_text(rules_entry.value)
    elif rules_entry is not None and rules_entry.value is not None:
        for rule in section.as_section(rules_entry).entries():
            if not isinstance(rule.value, str):
                root.reader.fail(
                    rule.key_path,
                    f"a grammar rule must be a pattern string, got {describe(rule.value)}",
                    rule.line,
                )
            found.append((rule.key, rule.value))
    if not found:
        root.reader.warn(entry.key_path, "grammar section has no rules; ignored", entry.line)
        return None
    skip = section.flag("skip_whitespace")
    comments = section.words("comments")
    return Grammar(
        name=section.text("name") or "custom",
        start=section.text("start") or "program",
        skip_whitespace=True if skip is None else skip,
        comments=("//.*",) if comments is None else tuple(comments),
        rules=tuple(found),
    )


def _rule_text(text: str) -> list[tuple[str, str]]:
    """Rules from PEG text notation: `name <- pattern`, indented or `|` lines continue."""
    rules: list[tuple[str, str]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _RULE_LINE.match(raw.strip())
        if match and not raw[:1].isspace():
            rules.append((match.group(1), match.group(2).strip()))
        elif rules and (raw[:1].isspace() or raw.startswith("|")) and "<-" not in raw:
            name, pattern = rules[-1]
            rules[-1] = (name, f"{pattern} {raw.strip()}".strip())
    return rules


def _blocks(
    root: Section,
    *,
    keywords: list[vocab.Located],
    line_comments: tuple[str, ...],
    block_comments: tuple[tuple[str, str], ...],
    terminator: str | None,
    short_form: bool,
) -> Blocks:
    """Our explicit `blocks` key, else the heuristic of `blockstyle`."""
    section = root.sub("blocks")
    if section is not None:
        return _explicit_blocks(section)
    syntax = root.sub("syntax")
    pc = root.sub("parsing_config")
    sexpr = (
        syntax is not None
        and bool(syntax.flag("parentheses_required"))
        and (syntax.flag("function_keyword_required") is False)
    )
    declared = None
    if pc is not None and (pc.has("block_start") or pc.has("block_end")):
        declared = (pc.text("block_start") or "", pc.text("block_end") or "")
    return derive_blocks(
        [kw for kw, _, _ in keywords],
        line_comments=line_comments,
        block_comments=block_comments,
        terminator=terminator,
        sexpr_syntax=sexpr,
        short_form=short_form,
        declared_pair=declared,
    )


def _explicit_blocks(section: Section) -> Blocks:
    """Our extension `blocks: {style, pairs: [[open, close], ...]}`."""
    section.warn_unknown(defaults.BLOCKS_KEYS, "blocks")
    style = section.text("style") or "none"
    if style not in _STYLES:
        section.reader.fail(
            section.path_of("style"),
            f"expected one of {', '.join(_STYLES)}, got '{style}'",
            section.line_of("style"),
        )
    pairs: list[tuple[str, str]] = []
    entry = section.entry("pairs")
    if entry is not None and entry.value is not None:
        if not isinstance(entry.value, list):
            section.reader.fail(
                entry.key_path, f"expected a list of pairs, got {describe(entry.value)}", entry.line
            )
        for item in list_entries(entry):
            words = section.word_list(item) if isinstance(item.value, list) else []
            if len(words) != 2 or not all(w.strip() for w in words):
                section.reader.fail(
                    item.key_path,
                    f"expected [open, close], got {describe(item.value)}",
                    item.line,
                )
            pairs.append((words[0], words[1]))
    return Blocks(cast(BlockStyle, style), tuple(pairs))
