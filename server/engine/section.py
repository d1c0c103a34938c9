"""Typed, located access to one mapping of a loaded config.

A `Section` wraps a mapping (a `yamlload.Table` with key lines, or any plain mapping) with
its key path, so every value it hands out is checked and every failure names the file,
the key path and the line. Non-string keys of plain mappings (hand-built data) are read as
their YAML spelling: `True` -> `true`, `None` -> `null`.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Mapping
from typing import NoReturn

import attrs

from server.engine.spec import ConfigWarning
from server.engine.yamlload import Seq, Table
from server.errors import LanguageSpecError

__all__ = ["Entry", "Reader", "Section", "describe", "key_text", "list_entries", "scalar_text"]

_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_REPR.maxlevel = 2
_REPR.maxlist = 4
_REPR.maxdict = 4


def describe(value: object) -> str:
    """A short, bounded rendering of a config value for error messages."""
    return _REPR.repr(value)


def key_text(key: object) -> str:
    """The spelling of a mapping key as YAML would write it."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return describe(key) if isinstance(key, (tuple, frozenset)) else str(key)


@attrs.define
class Reader:
    """Collects warnings for one file and raises its errors."""

    path: str
    warnings: list[ConfigWarning] = attrs.Factory(list)

    def fail(self, key_path: str, reason: str, line: int | None) -> NoReturn:
        """Raise the LanguageSpecError for this file."""
        raise LanguageSpecError(self.path, reason, key_path=key_path, line=line)

    def warn(self, key_path: str, message: str, line: int | None) -> None:
        """Record a non-fatal finding."""
        self.warnings.append(ConfigWarning(self.path, key_path, message, line))


@attrs.frozen
class Entry:
    """One key of a section: its spelling, value, key path, line and plain-scalar text."""

    key: str
    value: object
    key_path: str
    line: int | None
    text: str | None = None


def _join(parent: str, key: str) -> str:
    """`parent.key`, or `key` at the root."""
    return f"{parent}.{key}" if parent else key


def scalar_text(entry: Entry, reader: Reader, *, what: str = "a string") -> str:
    """The value as text: a string, a number, or a YAML bool/null written as a plain word."""
    value = entry.value
    if isinstance(value, str):
        return value
    if entry.text is not None:
        return entry.text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    reader.fail(entry.key_path, f"expected {what}, got {describe(value)}", entry.line)


@attrs.define
class Section:
    """A mapping of the config at `key_path`, read through `reader`."""

    reader: Reader
    data: Mapping[object, object]
    key_path: str = ""
    line: int | None = None
    _entries: dict[str, Entry] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._entries = {entry.key: entry for entry in self.entries()}

    def entries(self) -> Iterator[Entry]:
        """Every key in file order (a duplicate key appears once, with its last value)."""
        lines = self.data.lines if isinstance(self.data, Table) else {}
        texts = self.data.texts if isinstance(self.data, Table) else {}
        for raw_key, value in self.data.items():
            key = key_text(raw_key)
            yield Entry(
                key, value, _join(self.key_path, key), lines.get(key, self.line), texts.get(key)
            )

    def entry(self, key: str) -> Entry | None:
        """The entry for `key`, or None when absent."""
        return self._entries.get(key)

    def has(self, key: str) -> bool:
        """True when `key` is present with a non-null value."""
        entry = self._entries.get(key)
        return entry is not None and entry.value is not None

    def line_of(self, key: str) -> int | None:
        """The line of `key`, or of this section when the key is absent."""
        entry = self._entries.get(key)
        return entry.line if entry is not None else self.line

    def path_of(self, key: str) -> str:
        """The key path of `key` inside this section."""
        return _join(self.key_path, key)

    def sub(self, key: str) -> Section | None:
        """The nested mapping at `key` (None when absent or null)."""
        entry = self._entries.get(key)
        if entry is None or entry.value is None:
            return None
        return self.as_section(entry)

    def as_section(self, entry: Entry) -> Section:
        """An entry's value as a Section, or a located error."""
        if not isinstance(entry.value, Mapping):
            self.reader.fail(
                entry.key_path, f"expected a mapping, got {describe(entry.value)}", entry.line
            )
        return Section(self.reader, entry.value, entry.key_path, entry.line)

    def text(self, key: str) -> str | None:
        """The string at `key` (None when absent or null)."""
        entry = self._entries.get(key)
        if entry is None or entry.value is None:
            return None
        return scalar_text(entry, self.reader)

    def integer(self, key: str) -> int | None:
        """The integer at `key` (None when absent or null); bools and floats are errors."""
        entry = self._entries.get(key)
        if entry is None or entry.value is None:
            return None
        if isinstance(entry.value, int) and not isinstance(entry.value, bool):
            return entry.value
        self.reader.fail(
            entry.key_path, f"expected an integer, got {describe(entry.value)}", entry.line
        )

    def flag(self, key: str) -> bool | None:
        """The boolean at `key` (None when absent or null)."""
        entry = self._entries.get(key)
        if entry is None or entry.value is None:
            return None
        if isinstance(entry.value, bool):
            return entry.value
        self.reader.fail(
            entry.key_path, f"expected true or false, got {describe(entry.value)}", entry.line
        )

    def words(self, key: str) -> list[str] | None:
        """A list of strings at `key` (a single string counts as a one-item list)."""
        entry = self._entries.get(key)
        if entry is None or entry.value is None:
            return None
        return self.word_list(entry)

    def word_list(self, entry: Entry) -> list[str]:
        """An entry's value as a list of strings, or a located error."""
        value = entry.value
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self.reader.fail(
                entry.key_path, f"expected a list of strings, got {describe(value)}", entry.line
            )
        return [scalar_text(item, self.reader) for item in list_entries(entry)]

    def warn_unknown(self, known: frozenset[str], what: str) -> None:
        """Warn once per key this section does not define."""
        for entry in self._entries.values():
            if entry.key not in known:
                self.reader.warn(entry.key_path, f"unknown {what} key '{entry.key}'", entry.line)


def list_entries(entry: Entry) -> Iterator[Entry]:
    """The items of a list-valued entry as entries `key[i]`, with lines where known."""
    value = entry.value
    if not isinstance(value, list):
        return
    lines = value.lines if isinstance(value, Seq) else []
    texts = value.texts if isinstance(value, Seq) else []
    for index, item in enumerate(value):
        line = lines[index] if index < len(lines) else entry.line
        text = texts[index] if index < len(texts) else None
        yield Entry(f"{index}", item, f"{entry.key_path}[{index}]", line, text)
