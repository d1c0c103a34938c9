"""Offsets <-> LSP positions (line, UTF-16 code unit), computed once per text."""

from __future__ import annotations

import bisect
from itertools import accumulate, repeat
from operator import add


class LineIndex:
    """Maps code-point offsets to (line, UTF-16 character) pairs and back, in O(log n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Line k starts after lines 0..k-1 and their `\n`s; summed in C, as this runs on
        # every keystroke.
        lengths = map(len, text.split("\n")[:-1])
        self.line_starts = list(accumulate(map(add, lengths, repeat(1)), initial=0))

    @property
    def line_count(self) -> int:
        """The number of lines (a final newline opens one more, empty line)."""
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """The 0-based line holding `offset`, clamped to the text."""
        offset = max(0, min(offset, len(self.text)))
        return bisect.bisect_right(self.line_starts, offset) - 1

    def position(self, offset: int) -> tuple[int, int]:
        """(line, UTF-16 character) of a code-point offset, clamped to the text."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        segment = self.text[self.line_starts[line] : offset]
        return line, utf16_len(segment)

    def offset(self, line: int, character: int) -> int:
        """The code-point offset of an LSP position; out-of-range values are clamped.

        A line past the end maps to the end of the text; a character past the end of its
        line maps to the end of that line (before its line break), as LSP 3.17 requires.
        """
        if line < 0:
            return 0
        if line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[line]
        end = self.line_starts[line + 1] - 1 if line + 1 < len(self.line_starts) else len(self.text)
        if end > start and self.text[end - 1] == "\r":
            end -= 1
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            units += 2 if ord(self.text[i]) > 0xFFFF else 1
        return end


def utf16_len(text: str) -> int:
    """The length of `text` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
