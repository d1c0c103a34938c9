"""Semantic tokens (full, range, delta) and folding ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engine.analysis import analyze
from server.engine.highlight import (
    TOKEN_MODIFIERS,
    TOKEN_TYPES,
    Fold,
    folding_ranges,
    semantic_tokens,
    semantic_tokens_delta,
    semantic_tokens_range,
)
from server.engine.spec import LanguageSpec
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")


def _spec(name: str) -> LanguageSpec:
    return load_spec(CALC if name == "calc" else f"preset:{name}")


def decode(data: tuple[int, ...]) -> list[tuple[int, int, int, str, frozenset[str]]]:
    """Absolute (line, UTF-16 column, length, type, modifiers) of relative-encoded data."""
    out = []
    line = col = 0
    for i in range(0, len(data), 5):
        delta_line, delta_col, length, type_, mods = data[i : i + 5]
        line += delta_line
        col = col + delta_col if delta_line == 0 else delta_col
        names = frozenset(m for bit, m in enumerate(TOKEN_MODIFIERS) if mods >> bit & 1)
        out.append((line, col, length, TOKEN_TYPES[type_], names))
    return out


def _tokens(lang: str, text: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Highlighted source text -> (type, modifiers), for lines split at `\\n`."""
    lines = text.split("\n")
    out = {}
    for line, col, length, type_, mods in decode(semantic_tokens(analyze(_spec(lang), text))):
        out[lines[line][col : col + length]] = (type_, mods)
    return out


DECL = frozenset({"declaration"})
LIB = frozenset({"defaultLibrary"})
NONE: frozenset[str] = frozenset()

CASES = [
    (
        "pascal_like",
        "FUNCTION Sq(n : INTEGER) : INTEGER;\nBEGIN\n  Sq := n MOD 2;\n  WriteLn('x')\nEND;",
        {
            "FUNCTION": ("keyword", NONE),
            "Sq": ("function", NONE),
            "n": ("parameter", NONE),
            "MOD": ("operator", NONE),
            "WriteLn": ("function", LIB),
            "'x'": ("string", NONE),
            "2": ("number", NONE),
        },
    ),
    (
        "python_like",
        "import os\n# note\ndef f(a):\n    return a\ny = f(1)\nobj.attr",
        {
            "os": ("namespace", DECL),
            "# note": ("comment", NONE),
            "f": ("function", NONE),
            "a": ("parameter", NONE),
            "y": ("variable", DECL),
            "attr": ("property", NONE),
        },
    ),
    (
        "js_like",
        'const k = 1;\nprint(k, "s");',
        {"k": ("variable", frozenset({"readonly"})), "print": ("function", LIB)},
    ),
    (
        "basic_like",
        "10 LET X = 5\n20 GOTO 10",
        {"10": ("macro", NONE), "20": ("macro", DECL), "GOTO": ("keyword", NONE)},
    ),
    (
        "lisp_like",
        "(define (sq n) (* n n))\n(display (sq 3)) ; done",
        {
            "define": ("keyword", NONE),
            "sq": ("function", NONE),
            "display": ("function", LIB),
            "; done": ("comment", NONE),
            "*": ("operator", NONE),
        },
    ),
    ("calc", "let x = sqrt(2)\nshow x", {"x": ("variable", NONE), "sqrt": ("function", LIB)}),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CASES)
def test_token_classes(
    lang: str, text: str, expected: dict[str, tuple[str, frozenset[str]]]
) -> None:
    """Each kind of token gets its type and modifiers (the last occurrence of a text wins)."""
    got = _tokens(lang, text)
    for word, want in expected.items():
        assert got[word] == want, word


def test_declaration_modifier_marks_only_the_definition() -> None:
    """A name is a declaration where it is defined and a plain reference where it is used."""
    text = "total = 1\nprint(total)"
    tokens = decode(semantic_tokens(analyze(_spec("python_like"), text)))
    assert (0, 0, 5, "variable", DECL) in tokens
    assert (1, 6, 5, "variable", NONE) in tokens


def test_multiline_comment_is_split_per_line_with_crlf() -> None:
    """A block comment spanning lines becomes one token per line, without the CR."""
    text = "(* one\r\n  two *)\r\nBEGIN END."
    tokens = decode(semantic_tokens(analyze(_spec("pascal_like"), text)))
    assert tokens[:2] == [(0, 0, 6, "comment", NONE), (1, 0, 8, "comment", NONE)]
    assert tokens[2] == (2, 0, 5, "keyword", NONE)


def test_triple_quoted_string_is_split() -> None:
    """A multi-line string is split at line breaks; empty pieces are dropped."""
    text = 'x = """a\n\nbc"""'
    tokens = decode(semantic_tokens(analyze(_spec("python_like"), text)))
    assert [t for t in tokens if t[3] == "string"] == [
        (0, 4, 4, "string", NONE),
        (2, 0, 5, "string", NONE),
    ]


def test_astral_characters_count_two_utf16_units() -> None:
    """Columns and lengths are UTF-16: an emoji before a token shifts it by two units."""
    text = "s = '😀' + y\n'😀😀'"
    tokens = decode(semantic_tokens(analyze(_spec("python_like"), text)))
    assert (0, 4, 4, "string", NONE) in tokens
    assert (0, 11, 1, "variable", NONE) in tokens
    assert (1, 0, 6, "string", NONE) in tokens


@pytest.mark.parametrize(
    "lang", ["pascal_like", "python_like", "lisp_like", "basic_like", "js_like", "calc"]
)
def test_empty_document(lang: str) -> None:
    """An empty document has no tokens and no folds."""
    analysis = analyze(_spec(lang), "")
    assert semantic_tokens(analysis) == ()
    assert semantic_tokens_range(analysis, -5, 10**9) == ()
    assert folding_ranges(analysis) == ()


RANGE_TEXT = "a = 1\nb = 'x'\n# c\nd = a + b\n"


@pytest.mark.parametrize(
    ("start", "end", "lines"),
    [
        (0, 5, {0}),
        (6, 18, {1, 2}),
        (18, 10**9, {3}),
        (-3, 5, {0}),
        (5, 6, set()),
        (30, 40, set()),
    ],
)
def test_range_returns_the_intersecting_tokens(start: int, end: int, lines: set[int]) -> None:
    """A range request returns exactly the full-document tokens that intersect the range."""
    analysis = analyze(_spec("python_like"), RANGE_TEXT)
    full = decode(semantic_tokens(analysis))
    ranged = decode(semantic_tokens_range(analysis, start, end))
    assert ranged == [t for t in full if t[0] in lines]


DELTAS = [
    ((), ()),
    ((1, 2, 3, 4, 5), (1, 2, 3, 4, 5)),
    ((1, 2, 3, 4, 5), ()),
    ((), (0, 1, 2, 3, 4)),
    ((0, 0, 1, 0, 0, 1, 0, 1, 0, 0), (0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 1, 0, 0)),
    (tuple(range(3000)), tuple(range(1000)) + (7,) * 5 + tuple(range(1000, 3000))),
    (tuple(range(3000)), tuple(range(1500)) + tuple(range(1505, 3000))),
]


@pytest.mark.parametrize(("previous", "current"), DELTAS)
def test_delta_edit_turns_previous_into_current(
    previous: tuple[int, ...], current: tuple[int, ...]
) -> None:
    """Applying the delta edits to the previous data gives the current data."""
    data = list(previous)
    for edit in reversed(semantic_tokens_delta(previous, current)):
        data[edit.start : edit.start + edit.delete_count] = edit.data
    assert tuple(data) == current
    assert (semantic_tokens_delta(previous, current) == ()) == (previous == current)


FOLDS = [
    ("pascal_like", "BEGIN\n  x := 1;\n  y := 2;\nEND.", [Fold(0, 2)]),
    (
        "pascal_like",
        "(* a\n   b *)\n// c\n// d\nBEGIN END.",
        [Fold(0, 1, "comment"), Fold(2, 3, "comment")],
    ),
    ("python_like", "def f(a):\n    x = 1\n    return x\ny = 2", [Fold(0, 2)]),
    ("python_like", "import os\nimport sys\nx = 1", [Fold(0, 1, "imports")]),
    ("js_like", "function f() {\n  let x = [\n    1,\n  ];\n}\n", [Fold(0, 3), Fold(1, 2)]),
    ("lisp_like", "(define (f a)\n  (display a))\n(f 1)", [Fold(0, 1)]),
    ("basic_like", "10 FOR I = 1 TO 3\n20   PRINT I\n30 NEXT\n", [Fold(0, 1)]),
    ("basic_like", "10 REM a\n20 REM b\n30 PRINT 1", [Fold(0, 1, "comment")]),
    ("pascal_like", "BEGIN\n  x := 1;\n", []),
    ("python_like", "x = 1 # a\ny = 2 # b", []),
    ("calc", "# a\n# b\nshow 1\n", [Fold(0, 1, "comment")]),
    ("pascal_like", "BEGIN\r\n  x := 1;\r\nEND.", [Fold(0, 1)]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), FOLDS)
def test_folding_ranges(lang: str, text: str, expected: list[Fold]) -> None:
    """Blocks of every style, comment runs and import runs fold; closers stay visible."""
    assert list(folding_ranges(analyze(_spec(lang), text))) == expected
