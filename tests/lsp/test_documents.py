"""The line-list document model: edits, clamping, line endings, UTF-16 positions."""

from __future__ import annotations

import pytest

from server.lsp.documents import Document, DocumentStore, TextChange, split_lines

G = "𝄞"  # U+1D11E: two UTF-16 code units


def edited(text: str, rng: tuple[int, int, int, int], new: str) -> Document:
    """A document holding `text` after one incremental change."""
    document = Document("file:///a.x", "x", 1, text)
    document.apply_change(*rng, new)
    return document


@pytest.mark.parametrize(
    ("text", "rng", "new", "expected"),
    [
        ("hello", (0, 0, 0, 0), ">", ">hello"),
        ("hello", (0, 5, 0, 5), "!", "hello!"),
        ("hello", (0, 1, 0, 4), "", "ho"),
        ("one\ntwo\nthree", (0, 1, 2, 2), "X", "oXree"),
        ("one\ntwo\nthree", (1, 0, 1, 3), "2\n2b", "one\n2\n2b\nthree"),
        ("one\ntwo\n", (2, 0, 2, 0), "end", "one\ntwo\nend"),
        ("one\ntwo", (1, 3, 1, 3), "\n", "one\ntwo\n"),
        ("one\ntwo", (0, 3, 1, 0), "", "onetwo"),
        ("a\r\nb\r\nc", (1, 0, 1, 1), "B", "a\r\nB\r\nc"),
        ("a\r\nb\r\nc", (0, 1, 2, 0), "-", "a-c"),
        ("a\r\nb", (0, 9, 0, 9), "!", "a!\r\nb"),
        ("", (0, 0, 0, 0), "x\r\ny", "x\r\ny"),
        ("abc", (0, 2, 0, 1), "Z", "aZc"),
    ],
)
def test_edits(text: str, rng: tuple[int, int, int, int], new: str, expected: str) -> None:
    """Inserts, deletes and multi-line replacements splice the text as LSP defines."""
    document = edited(text, rng, new)
    assert document.text == expected
    assert list(document.lines()) == split_lines(expected)


@pytest.mark.parametrize(
    ("text", "rng", "new", "lines"),
    [
        ("a\rb", (1, 0, 1, 0), "\n", ["a\r\n", "b"]),
        ("a\r\nb", (0, 1, 0, 1), "x", ["ax\r\n", "b"]),
        ("a\rb", (0, 1, 0, 1), "\r", ["a\r", "\r", "b"]),
        ("a\r\nb", (0, 1, 1, 0), "\r", ["a\r", "b"]),
        ("a\rXb", (1, 0, 1, 1), "", ["a\r", "b"]),
        ("a\rX\nb", (1, 0, 1, 1), "", ["a\r\n", "b"]),
        ("a\nb", (0, 1, 0, 1), "\r", ["a\r\n", "b"]),
        ("a\r\rb", (1, 0, 1, 0), "\n", ["a\r\n", "\r", "b"]),
        ("a\r\rb", (2, 0, 2, 0), "\n", ["a\r", "\r\n", "b"]),
        ("x\ry", (0, 1, 1, 0), "", ["xy"]),
    ],
)
def test_line_endings_rejoin_and_split(
    text: str, rng: tuple[int, int, int, int], new: str, lines: list[str]
) -> None:
    """Edits that create or split a \\r\\n pair across the edit boundary re-split correctly."""
    assert list(edited(text, rng, new).lines()) == lines


def test_only_lsp_line_breaks_split_lines() -> None:
    """U+2028, U+2029, \\x0c, \\x0b and U+0085 are ordinary characters, not line breaks."""
    text = "a\u2028b\u2029c\x0cd\x0be\x85f\ng"
    document = Document("file:///a.x", "x", 1, text)
    assert document.line_count == 2
    assert document.offset_at(1, 0) == text.index("g")


@pytest.mark.parametrize(
    ("text", "rng", "new", "expected"),
    [
        (f"a{G}b", (0, 3, 0, 3), "!", f"a{G}!b"),
        (f"a{G}b", (0, 1, 0, 3), "", "ab"),
        (f"a{G}b", (0, 2, 0, 2), "!", f"a{G}!b"),
        (f"{G}{G}", (0, 2, 0, 4), "x", f"{G}x"),
        (f"{G}\n{G}x", (1, 2, 1, 3), "", f"{G}\n{G}"),
        (f"{G}é{G}", (0, 3, 0, 5), "", f"{G}é"),
    ],
)
def test_utf16_positions_around_astral_characters(
    text: str, rng: tuple[int, int, int, int], new: str, expected: str
) -> None:
    """Characters count UTF-16 units; a position inside a surrogate pair rounds up."""
    assert edited(text, rng, new).text == expected


@pytest.mark.parametrize(
    ("text", "rng", "new", "expected"),
    [
        ("ab\ncd", (0, 99, 0, 99), "!", "ab!\ncd"),
        ("ab\r\ncd", (0, 99, 1, 0), "", "abcd"),
        ("ab\ncd", (7, 0, 9, 9), "!", "ab\ncd!"),
        ("ab\ncd", (1, 1, 99, 0), "", "ab\nc"),
        ("ab\ncd\n", (5, 5, 5, 5), "z", "ab\ncd\nz"),
        ("ab", (-1, 0, 0, 1), "", "b"),
    ],
)
def test_out_of_range_positions_clamp(
    text: str, rng: tuple[int, int, int, int], new: str, expected: str
) -> None:
    """A line past the end means the end of the text; a character past the end of its line
    means the end of that line, before its line ending."""
    assert edited(text, rng, new).text == expected


def test_offsets_and_positions_convert_both_ways() -> None:
    """offset_at and position_at agree with each other across CRLF and astral text."""
    text = f"ab\r\n{G}c\rd\n"
    document = Document("file:///a.x", "x", 1, text)
    assert document.offset_at(1, 2) == text.index("c")
    assert document.offset_at(2, 0) == text.index("d")
    assert document.offset_at(3, 0) == len(text)
    assert document.offset_at(9, 9) == len(text)
    assert document.position_at(text.index("c")) == (1, 2)
    assert document.position_at(text.index("d")) == (2, 0)
    assert document.position_at(len(text) + 5) == (3, 0)
    assert document.position_at(-3) == (0, 0)


def test_positions_follow_edits() -> None:
    """Cached line offsets are invalidated from the edited line onwards."""
    document = Document("file:///a.x", "x", 1, "aa\nbb\ncc\ndd")
    assert document.offset_at(3, 1) == 10
    document.apply_change(1, 0, 1, 0, "XYZ\n")
    assert document.offset_at(0, 1) == 1
    assert document.offset_at(4, 1) == 14
    assert document.position_at(14) == (4, 1)
    document.apply_change(0, 0, 2, 0, "")
    assert document.text == "bb\ncc\ndd"
    assert document.position_at(4) == (1, 1)


def test_text_is_joined_once_per_burst_of_edits() -> None:
    """The text is cached until the next edit, so reading it twice returns one object."""
    document = Document("file:///a.x", "x", 1, "abc")
    document.apply_change(0, 3, 0, 3, "d")
    first = document.text
    assert document.text is first
    document.apply_change(0, 0, 0, 0, "")
    assert document.text == "abcd"


def test_full_text_change_replaces_everything() -> None:
    """A change without a range replaces the whole text."""
    store = DocumentStore()
    store.open("file:///a.x", "x", 1, "old\ntext")
    assert store.change("file:///a.x", 2, [TextChange("new"), TextChange("!", (0, 3, 0, 3))])
    document = store.get("file:///a.x")
    assert document is not None
    assert (document.text, document.version, document.line_count) == ("new!", 2, 1)


def test_store_ignores_unknown_uris_and_forgets_closed_ones() -> None:
    """Changes to unopened documents are ignored; close forgets a document."""
    store = DocumentStore()
    assert not store.change("file:///nope.x", 3, [TextChange("x")])
    store.open("file:///a.x", "x", 1, "a")
    store.open("file:///b.x", "x", 1, "b")
    assert store.uris() == ("file:///a.x", "file:///b.x")
    store.close("file:///a.x")
    store.close("file:///a.x")
    assert store.get("file:///a.x") is None
    assert store.uris() == ("file:///b.x",)


def test_versions_are_taken_as_given() -> None:
    """The store does not second-guess versions: an older number is still taken."""
    store = DocumentStore()
    store.open("file:///a.x", "x", 5, "a")
    store.change("file:///a.x", 2, [TextChange("b", (0, 1, 0, 1))])
    document = store.get("file:///a.x")
    assert document is not None
    assert (document.version, document.text) == (2, "ab")
