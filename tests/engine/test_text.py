"""Offsets and LSP positions in UTF-16 code units."""

from __future__ import annotations

import pytest

from server.engine.text import LineIndex, utf16_len

TEXT = "a𝄞b\r\nxy\n\nz"


@pytest.mark.parametrize(
    ("offset", "position"),
    [
        (0, (0, 0)),
        (1, (0, 1)),
        (2, (0, 3)),
        (3, (0, 4)),
        (5, (1, 0)),
        (7, (1, 2)),
        (8, (2, 0)),
        (9, (3, 0)),
        (10, (3, 1)),
        (99, (3, 1)),
        (-4, (0, 0)),
    ],
)
def test_position_of_offset(offset: int, position: tuple[int, int]) -> None:
    """An astral character counts two UTF-16 units; offsets are clamped to the text."""
    assert LineIndex(TEXT).position(offset) == position


@pytest.mark.parametrize(
    ("line", "character", "offset"),
    [
        (0, 0, 0),
        (0, 3, 2),
        (0, 4, 3),
        (0, 50, 3),
        (1, 1, 6),
        (2, 7, 8),
        (3, 1, 10),
        (40, 0, 10),
        (-1, 0, 0),
    ],
)
def test_offset_of_position(line: int, character: int, offset: int) -> None:
    """Out-of-range lines and characters clamp to the line end or the text end, before CR."""
    assert LineIndex(TEXT).offset(line, character) == offset


def test_utf16_len_counts_surrogate_pairs() -> None:
    """utf16_len counts astral characters twice."""
    assert utf16_len("a𝄞") == 3
