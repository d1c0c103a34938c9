"""Open documents as lists of lines, edited in time proportional to the edit, not the text.

pygls re-splices the whole text on every incremental change. Here a document is a list of
lines, each with its line ending (`\\n`, `\\r\\n` or `\\r`, the only breaks LSP 3.17 knows),
and an edit rewrites just the lines it touches. The last line never has an ending, so
`"".join(lines)` is the text and a text ending with a break has one more, empty line.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = ["Document", "DocumentStore", "TextChange", "split_lines"]

_BREAK = re.compile(r"\r\n|\r|\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def split_lines(text: str) -> list[str]:
    """`text` split after each LSP line break; the last item is the (maybe empty) tail."""
    if "\r" not in text:
        parts = text.split("\n")
        last = parts.pop()
        lines = [part + "\n" for part in parts]
        lines.append(last)
        return lines
    lines = []
    pos = 0
    for match in _BREAK.finditer(text):
        end = match.end()
        lines.append(text[pos:end])
        pos = end
    lines.append(text[pos:])
    return lines


def _content_len(line: str) -> int:
    """The length of `line` without its line ending."""
    if line.endswith("\n"):
        return len(line) - 2 if line.endswith("\r\n") else len(line) - 1
    return len(line) - 1 if line.endswith("\r") else len(line)


def _column(line: str, character: int) -> int:
    """The code-point column of a UTF-16 `character` in `line`, clamped to its content.

    A position inside a surrogate pair rounds up to after the astral character, as
    `server.engine.text.LineIndex.offset` does.
    """
    end = _content_len(line)
    if character <= 0:
        return 0
    if line.isascii() or _ASTRAL.search(line, 0, end) is None:
        return min(character, end)
    units = 0
    for i in range(end):
        if units >= character:
            return i
        units += 2 if ord(line[i]) > 0xFFFF else 1
    return end


def _utf16_len(text: str) -> int:
    """The length of `text` in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + len(_ASTRAL.findall(text))


@attrs.frozen
class TextChange:
    """One `didChange` content change: a range `(start_line, start_char, end_line, end_char)`
    in LSP (UTF-16) positions and its new text, or the whole new text when `range` is None."""

    text: str
    range: tuple[int, int, int, int] | None = None


class Document:
    """An open text document: its lines, version, and cached text and line offsets."""

    __slots__ = ("_lines", "_starts", "_text", "_valid", "language_id", "uri", "version")

    def __init__(self, uri: str, language_id: str, version: int, text: str) -> None:
        self.uri = uri
        self.language_id = language_id
        self.version = version
        self._lines = split_lines(text)
        self._text: str | None = text
        # _starts[i] is the code-point offset of line i; only _starts[:_valid] is current.
        self._starts = [0]
        self._valid = 1

    @property
    def text(self) -> str:
        """The whole text; joined on first read after an edit, then cached."""
        if self._text is None:
            self._text = "".join(self._lines)
        return self._text

    @property
    def line_count(self) -> int:
        """The number of lines (a text ending with a line break has an empty last line)."""
        return len(self._lines)

    def line(self, index: int) -> str:
        """Line `index` including its line ending."""
        return self._lines[index]

    def lines(self) -> Iterator[str]:
        """The lines in order, each including its line ending."""
        return iter(self._lines)

    def replace(self, text: str) -> None:
        """Replace the whole text (a full-text change)."""
        self._lines = split_lines(text)
        self._text = text
        self._valid = 1

    def apply_change(
        self, start_line: int, start_char: int, end_line: int, end_char: int, text: str
    ) -> None:
        """Replace the range between two LSP positions by `text`; positions are clamped."""
        lines = self._lines
        sl, sc = self._locate(start_line, start_char)
        el, ec = self._locate(end_line, end_char)
        if (el, ec) < (sl, sc):
            sl, sc, el, ec = el, ec, sl, sc
        chunk = lines[sl][:sc] + text + lines[el][ec:]
        self._text = None
        joins_previous = sl > 0 and chunk.startswith("\n") and lines[sl - 1].endswith("\r")
        if sl == el and "\n" not in text and "\r" not in text and not joins_previous:
            # The common keystroke: one line changes and keeps its single line ending.
            lines[sl] = chunk
            self._valid = min(self._valid, sl + 1)
            return
        lo, hi = sl, el
        if lo and lines[lo - 1].endswith("\r"):
            # A leading "\n" would join the previous line's "\r" into one "\r\n" break.
            lo -= 1
            chunk = lines[lo] + chunk
        if chunk.endswith("\r") and hi + 1 < len(lines) and lines[hi + 1].startswith("\n"):
            hi += 1
            chunk += lines[hi]
        pieces = split_lines(chunk)
        if hi + 1 < len(lines):
            pieces.pop()  # the chunk ends with a line break, so its tail is empty
        lines[lo : hi + 1] = pieces
        self._valid = min(self._valid, lo + 1)

    def offset_at(self, line: int, character: int) -> int:
        """The code-point offset of an LSP position, clamped as LSP 3.17 requires."""
        index, column = self._locate(line, character)
        return self._line_start(index) + column

    def position_at(self, offset: int) -> tuple[int, int]:
        """The (line, UTF-16 character) of a code-point offset, clamped to the text."""
        if offset <= 0:
            return 0, 0
        starts = self._extend_to_offset(offset)
        index = bisect.bisect_right(starts, offset, 0, self._valid) - 1
        line = self._lines[index]
        return index, _utf16_len(line[: min(offset - starts[index], len(line))])

    def _locate(self, line: int, character: int) -> tuple[int, int]:
        """(line index, code-point column) of an LSP position, clamped to the document."""
        lines = self._lines
        if line < 0:
            return 0, 0
        if line >= len(lines):
            return len(lines) - 1, len(lines[-1])
        return line, _column(lines[line], character)

    def _line_start(self, index: int) -> int:
        """The code-point offset where line `index` starts, extending the prefix sums."""
        starts, valid, lines = self._starts, self._valid, self._lines
        if index < valid:
            return starts[index]
        total = starts[valid - 1]
        for i in range(valid - 1, index):
            total += len(lines[i])
            if i + 1 < len(starts):
                starts[i + 1] = total
            else:
                starts.append(total)
        self._valid = index + 1
        return total

    def _extend_to_offset(self, offset: int) -> list[int]:
        """The prefix sums, made current at least up to the line holding `offset`."""
        starts, lines = self._starts, self._lines
        valid = self._valid
        total = starts[valid - 1]
        while valid < len(lines) and total <= offset:
            total += len(lines[valid - 1])
            if valid < len(starts):
                starts[valid] = total
            else:
                starts.append(total)
            valid += 1
        self._valid = valid
        return starts


class DocumentStore:
    """The open documents by URI."""

    def __init__(self) -> None:
        self._documents: dict[str, Document] = {}

    def open(self, uri: str, language_id: str, version: int, text: str) -> Document:
        """Open (or reopen, replacing) a document and return it."""
        document = Document(uri, language_id, version, text)
        self._documents[uri] = document
        return document

    def change(self, uri: str, version: int, changes: Iterable[TextChange]) -> bool:
        """Apply changes in order and take `version`; False (and nothing done) if not open."""
        document = self._documents.get(uri)
        if document is None:
            return False
        for change in changes:
            if change.range is None:
                document.replace(change.text)
            else:
                document.apply_change(*change.range, change.text)
        document.version = version
        return True

    def close(self, uri: str) -> None:
        """Forget a document; closing an unknown URI does nothing."""
        self._documents.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        """The open document for `uri`, or None."""
        return self._documents.get(uri)

    def uris(self) -> tuple[str, ...]:
        """The URIs of the open documents, in opening order."""
        return tuple(self._documents)
