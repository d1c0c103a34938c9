"""Incremental edits on `Document` agree with whole-text splicing."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from server.lsp.documents import Document

_BREAK = re.compile(r"\r\n|\r|\n")

ALPHABET = st.sampled_from(["a", "b", " ", "é", "𝄞", "😀", "\n", "\r", "\r\n", "\u2028", "\x0c"])
TEXTS = st.lists(ALPHABET, max_size=30).map("".join)
POSITIONS = st.tuples(st.integers(-1, 8), st.integers(-1, 12))


def reference_lines(text: str) -> list[tuple[int, int]]:
    """(start, content end) code-point offsets of each line, found by scanning the whole text."""
    spans = []
    pos = 0
    for match in _BREAK.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return spans


def reference_offset(text: str, line: int, character: int) -> int:
    """The offset of an LSP position computed from the whole text (UTF-16 via encoding)."""
    spans = reference_lines(text)
    if line < 0:
        return 0
    if line >= len(spans):
        return len(text)
    start, end = spans[line]
    for i in range(start, end + 1):
        if len(text[start:i].encode("utf-16-le")) // 2 >= character:
            return i
    return end


def reference_position(text: str, offset: int) -> tuple[int, int]:
    """(line, UTF-16 character) of an offset computed from the whole text."""
    offset = max(0, min(offset, len(text)))
    spans = reference_lines(text)
    line = max(i for i, (start, _) in enumerate(spans) if start <= offset)
    return line, len(text[spans[line][0] : offset].encode("utf-16-le")) // 2


def reference_edit(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    """Splice the whole string between two converted positions."""
    a = reference_offset(text, *start)
    b = reference_offset(text, *end)
    a, b = min(a, b), max(a, b)
    return text[:a] + new + text[b:]


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.lists(st.tuples(POSITIONS, POSITIONS, TEXTS), max_size=12))
def test_incremental_edits_match_whole_text_splicing(
    initial: str, edits: list[tuple[tuple[int, int], tuple[int, int], str]]
) -> None:
    """Any sequence of incremental edits gives the text a whole-string splice gives."""
    document = Document("file:///t", "x", 0, initial)
    expected = initial
    for start, end, new in edits:
        document.apply_change(*start, *end, new)
        expected = reference_edit(expected, start, end, new)
        assert document.text == expected
        assert list(document.lines()) == [
            expected[s : (spans[i + 1][0] if i + 1 < len(spans) else len(expected))]
            for spans in [reference_lines(expected)]
            for i, (s, _) in enumerate(spans)
        ]


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.lists(st.tuples(POSITIONS, POSITIONS, TEXTS), max_size=6), POSITIONS)
def test_positions_and_offsets_match_the_whole_text(
    initial: str, edits: list[tuple[tuple[int, int], tuple[int, int], str]], probe: tuple[int, int]
) -> None:
    """offset_at and position_at after edits agree with conversions on the whole text."""
    document = Document("file:///t", "x", 0, initial)
    for start, end, new in edits:
        document.apply_change(*start, *end, new)
        text = document.text
        assert document.offset_at(*probe) == reference_offset(text, *probe)
        for offset in range(-1, len(text) + 2):
            assert document.position_at(offset) == reference_position(text, offset)


@settings(max_examples=100, deadline=None)
@given(TEXTS, st.lists(st.tuples(POSITIONS, POSITIONS, TEXTS), max_size=8))
def test_text_is_not_read_between_edits(
    initial: str, edits: list[tuple[tuple[int, int], tuple[int, int], str]]
) -> None:
    """Edits applied without reading the text in between give the same final text."""
    document = Document("file:///t", "x", 0, initial)
    expected = initial
    for start, end, new in edits:
        document.apply_change(*start, *end, new)
        expected = reference_edit(expected, start, end, new)
    assert document.text == expected
