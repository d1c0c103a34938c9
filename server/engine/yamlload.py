"""Config text -> plain data that remembers where each key was written.

YAML (`.yaml`/`.yml`) is read as YAML 1.1 like upstream's `safe_load`, with one change:
mapping keys keep the text the file writes (`true:` stays `"true"`, `None:` stays `"None"`,
`0:` stays `"0"`), because real configs use `true`/`false`/`null` as keyword keys
(PARSERCRAFT.md section 12.1). Any other suffix is read as JSON, as upstream does.

Mappings load as `Table` (a dict with the line of each key and the source text of plain
scalar values, so `version: 1.10` can be read back as `"1.10"`), sequences as `Seq`. A
duplicate key keeps its last value and is listed by `duplicate_keys`. Every parse failure
becomes a `LanguageSpecError` naming the file and, where the parser knows it, the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Literal

import yaml

from server.errors import LanguageSpecError

__all__ = ["Kind", "Seq", "Table", "duplicate_keys", "parse_document"]

Kind = Literal["yaml", "json"]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Table(dict[str, object]):
    """A loaded mapping: `lines[key]` is the 1-based line of the key, `texts[key]` the
    source text of a plain (unquoted) non-string scalar value."""

    __slots__ = ("duplicates", "lines", "texts")

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self.duplicates: list[tuple[str, int | None]] = []


class Seq(list[object]):
    """A loaded sequence: `lines[i]`/`texts[i]` as in `Table` (empty lists for JSON)."""

    __slots__ = ("lines", "texts")

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int | None] = []
        self.texts: list[str | None] = []


def _plain_text(node: yaml.Node, value: object) -> str | None:
    """The written text of a plain scalar that YAML resolved to a non-string, else None."""
    if isinstance(node, yaml.ScalarNode) and not node.style and not isinstance(value, str):
        return str(node.value)
    return None


def _construct_table(loader: yaml.SafeLoader, node: yaml.Node) -> Iterator[Table]:
    """Build a `Table` whose keys are the scalar key texts as written."""
    table = Table()
    yield table
    if not isinstance(node, yaml.MappingNode):
        return
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain word or string", key_node.start_mark
            )
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        value = loader.construct_object(value_node, deep=False)
        if key in table:
            table.duplicates.append((key, line))
        table[key] = value
        table.lines[key] = line
        text = _plain_text(value_node, value)
        if text is None:
            table.texts.pop(key, None)
        else:
            table.texts[key] = text


def _construct_seq(loader: yaml.SafeLoader, node: yaml.Node) -> Iterator[Seq]:
    """Build a `Seq` that remembers each item's line and plain-scalar text."""
    seq = Seq()
    yield seq
    if not isinstance(node, yaml.SequenceNode):
        return
    for item_node in node.value:
        value = loader.construct_object(item_node, deep=False)
        seq.append(value)
        seq.lines.append(item_node.start_mark.line + 1)
        seq.texts.append(_plain_text(item_node, value))


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]  # base chosen at import: C or Python
    """SafeLoader (libyaml when available) with written-key tables."""


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_table)
_Loader.add_constructor("tag:yaml.org,2002:set", _construct_table)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _yaml_line(exc: yaml.YAMLError) -> int | None:
    """The 1-based line a YAML error points at, if it carries a mark."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None


def _parse_yaml(text: str, path: str) -> object:
    """YAML text -> data; every failure is a LanguageSpecError."""
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader derives from SafeLoader
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LanguageSpecError(
            path, f"YAML syntax error: {problem}", line=_yaml_line(exc)
        ) from exc
    except RecursionError as exc:
        raise LanguageSpecError(path, "YAML nesting is too deep") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        # PyYAML lets a few value errors through (an impossible date, a huge integer).
        raise LanguageSpecError(path, f"YAML value error: {exc}") from exc


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_COLON = re.compile(r"\s*:")


def _json_keys(text: str) -> Iterator[tuple[str, int]]:
    """(raw key token, line) for every object key of a JSON text, in document order."""
    line = 1
    last = 0
    for match in _JSON_STRING.finditer(text):
        if _JSON_COLON.match(text, match.end()):
            line += text.count("\n", last, match.start())
            last = match.start()
            yield match.group(), line


class _KeyMark:
    """Marks the point in a document-order walk where a Table key is written."""

    __slots__ = ("key", "table")

    def __init__(self, table: Table, key: str) -> None:
        self.table = table
        self.key = key


def _assign_json_lines(root: object, text: str, pairs: dict[int, list[tuple[str, object]]]) -> None:
    """Give each Table key its line by walking keys in document order (stops on a mismatch)."""

    def events(table: Table) -> Iterator[object]:
        for key, value in pairs.get(id(table), ()):
            yield _KeyMark(table, key)
            yield value

    tokens = _json_keys(text)
    stack: list[Iterator[object]] = [iter([root])]
    while stack:
        item = next(stack[-1], stack)
        if item is stack:
            stack.pop()
        elif isinstance(item, _KeyMark):
            token = next(tokens, None)
            if token is None or json.loads(token[0]) != item.key:
                return
            item.table.lines[item.key] = token[1]
        elif isinstance(item, Table):
            stack.append(events(item))
        elif isinstance(item, list):
            stack.append(iter(item))


def _parse_json(text: str, path: str) -> object:
    """JSON text -> data with key lines; every failure is a LanguageSpecError."""
    pairs: dict[int, list[tuple[str, object]]] = {}

    def hook(items: list[tuple[str, object]]) -> Table:
        table = Table()
        for key, value in items:
            if key in table:
                table.duplicates.append((key, None))
            table[key] = value
        pairs[id(table)] = items
        return table

    try:
        data = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        raise LanguageSpecError(path, f"JSON syntax error: {exc.msg}", line=exc.lineno) from exc
    except RecursionError as exc:
        raise LanguageSpecError(path, "JSON nesting is too deep") from exc
    except ValueError as exc:
        raise LanguageSpecError(path, f"JSON value error: {exc}") from exc
    _assign_json_lines(data, text.removeprefix("\ufeff"), pairs)
    for table in _tables(data):
        table.duplicates[:] = [(key, table.lines.get(key)) for key, _ in table.duplicates]
    return data


def _tables(root: object) -> Iterator[Table]:
    """Every distinct Table reachable from root (shared YAML aliases visited once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Table):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def duplicate_keys(root: object) -> list[tuple[str, int | None]]:
    """(key path, line) of every key written twice in one mapping; the last value won."""
    found: list[tuple[str, int | None]] = []
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(root, "")]
    while stack:
        item, where = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Table):
            for key, line in item.duplicates:
                found.append((f"{where}.{key}" if where else key, line))
            stack.extend((v, f"{where}.{k}" if where else k) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return sorted(found, key=lambda found_item: (found_item[1] or 0, found_item[0]))


def parse_document(text: str, path: str, kind: Kind | None = None) -> object:
    """Parse config text as YAML or JSON (by `kind`, else by the suffix of `path`)."""
    if kind is None:
        kind = "yaml" if path.lower().endswith((".yaml", ".yml")) else "json"
    return _parse_yaml(text, path) if kind == "yaml" else _parse_json(text, path)
