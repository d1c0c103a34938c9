"""The analysis entry point and its queries: outline, hover, definition, references."""

from __future__ import annotations

import pytest

from server.engine.analysis import (
    OutlineSymbol,
    analyze,
    definition_at,
    hover_at,
    outline,
    references_at,
)
from server.engine.spec import Blocks, Builtin, Keyword, LanguageSpec


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(
        Keyword(original, custom, description=f"the {original} keyword")
        for original, custom in pairs
    )


FUNCTIONAL = LanguageSpec(
    name="functional",
    keywords=(*_kws(("function", "lambda"), ("lambda", "lambda"), ("return", "ret")),),
    builtins=(
        Builtin("show", "print", 0, -1, "Print values", "none", ("values",)),
        Builtin("size", "len", 1, 1, "Length", "int"),
    ),
    line_comments=("#",),
    blocks=Blocks("indent"),
)
TEACH = LanguageSpec(
    name="teach",
    keywords=_kws(
        ("def", "teach"), ("return", "give_back"), ("let", "remember"), ("class", "kind")
    ),
    builtins=(Builtin("say", "print"),),
    line_comments=("#",),
    blocks=Blocks("indent"),
)
PASCAL = LanguageSpec(
    name="pascal",
    keywords=_kws(("begin", "BEGIN"), ("end", "END"), ("var", "VAR"), ("function", "FUNCTION")),
    string_delimiters=("'",),
    statement_terminator=";",
    case_sensitive=False,
    blocks=Blocks("keywords", (("BEGIN", "END"),)),
)


def _shape(symbols: tuple[OutlineSymbol, ...]) -> list[tuple[str, str, str, list[str]]]:
    return [(s.name, s.kind, s.type, [c.name for c in s.children]) for s in symbols]


OUTLINES = [
    (
        "functions with parameters and locals",
        TEACH,
        "teach f(a):\n    remember r = 1\n    give_back r\nx = f(1)\n",
        [("f", "function", "int", ["a", "r"]), ("x", "variable", "int", [])],
    ),
    (
        "class with a method",
        TEACH,
        "kind Point:\n    teach norm(p):\n        give_back 0\n",
        [("Point", "class", "unknown", ["norm"])],
    ),
    (
        "pascal variables with declared types",
        PASCAL,
        "VAR n : INTEGER;\n    s : STRING;\nBEGIN END.",
        [("n", "variable", "int", []), ("s", "variable", "str", [])],
    ),
    (
        "re-declared variable listed once",
        TEACH,
        "remember x = 1\nremember x = 2\n",
        [("x", "variable", "int", [])],
    ),
]


@pytest.mark.parametrize(
    ("spec", "text", "expected"), [c[1:] for c in OUTLINES], ids=[c[0] for c in OUTLINES]
)
def test_outline(
    spec: LanguageSpec, text: str, expected: list[tuple[str, str, str, list[str]]]
) -> None:
    """The outline lists top-level definitions with nested children and types."""
    assert _shape(outline(analyze(spec, text))) == expected


def test_outline_ranges_contain_selection() -> None:
    """Every outline range contains its selection range, which is the name."""
    text = "teach f(a):\n    give_back a\n"
    (f,) = outline(analyze(TEACH, text))
    assert f.start <= f.selection_start <= f.selection_end <= f.end
    assert text[f.selection_start : f.selection_end] == "f"
    assert text[f.start : f.end].startswith("teach f")


def test_hover_shows_every_meaning_of_a_shared_keyword() -> None:
    """A custom word with two originals shows both (§12.3)."""
    text = "lambda f(x):\n    ret x\n"
    info = hover_at(analyze(FUNCTIONAL, text), 2)
    assert info is not None and info.kind == "keyword"
    assert "`function`" in info.detail and "`lambda`" in info.detail


def test_hover_builtin_signature() -> None:
    """A builtin shows its signature, return type and description."""
    text = "show(size(x))\n"
    analysis = analyze(FUNCTIONAL, text)
    info = hover_at(analysis, text.index("size") + 1)
    assert info is not None and info.kind == "builtin" and info.type == "int"
    assert "size(1 arg)" in info.detail and "Length" in info.detail
    shown = hover_at(analysis, 1)
    assert shown is not None and "show(values)" in shown.detail


def test_hover_user_symbol_with_type() -> None:
    """A user symbol shows its kind, parameters and inferred type."""
    text = "teach f(a):\n    give_back 1\nx = f(2)\n"
    analysis = analyze(TEACH, text)
    info = hover_at(analysis, text.index("f(2)"))
    assert info is not None and info.title == "function f(a)" and info.type == "int"
    var = hover_at(analysis, text.index("x ="))
    assert var is not None and var.type == "int" and "implicitly declared" in var.detail


@pytest.mark.parametrize("offset", [-5, 0, 1, 10_000])
def test_hover_outside_words_is_none(offset: int) -> None:
    """Whitespace, unknown names and out-of-range offsets give no hover."""
    assert hover_at(analyze(TEACH, "   say(unknown_name)\n"), offset) is None


def test_definition_and_references() -> None:
    """Go-to-definition finds the name span; references include the definition."""
    text = "teach f(a):\n    give_back a\nf(1)\nf(2)\n"
    analysis = analyze(TEACH, text)
    use = text.index("f(1)")
    assert definition_at(analysis, use) == (6, 7)
    spans = references_at(analysis, use)
    assert [text[s:e] for s, e in spans] == ["f", "f", "f"]
    assert references_at(analysis, text.index("give_back")) == ()
    assert definition_at(analysis, len(text)) is None


def test_analysis_fields() -> None:
    """An Analysis carries the inputs, tokens, blocks, outline, symbols, types and line index."""
    text = "x = 1\n"
    analysis = analyze(TEACH, text)
    assert analysis.text == text and analysis.spec is TEACH
    assert analysis.tokens and analysis.blocks.line_depths == (0, 0)
    assert analysis.outline is analysis.tree
    assert analysis.line_index.position(len(text)) == (1, 0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "\x00\xff",
        "😀😀 = (((",
        "teach (:\n",
        "BEGIN END END END",
        "]]]]" * 100,
        "x = " * 500,
        "\r\r\n\t",
        "'" * 7,
        '"""' * 3,
        "###",
    ],
)
@pytest.mark.parametrize("spec", [TEACH, PASCAL, FUNCTIONAL])
def test_analyze_never_raises(spec: LanguageSpec, text: str) -> None:
    """Odd inputs produce an analysis with in-range diagnostics, never an exception."""
    analysis = analyze(spec, text)
    assert all(0 <= d.start <= d.end <= len(text) for d in analysis.diagnostics)
