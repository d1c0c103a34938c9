"""Completion: prefixes, literals, scopes, snippets, case rules, the cap and the fallback."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from server.engine.analysis import analyze
from server.engine.complete import (
    MAX_ITEMS,
    completions,
    keyword_completions,
    resolve_documentation,
)
from server.engine.query import word_prefix
from server.engine.spec import Keyword, LanguageSpec
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")
CURSOR = "‸"


def _spec(name: str) -> LanguageSpec:
    return load_spec(CALC if name == "calc" else f"preset:{name}")


def _complete(name: str, source: str) -> tuple[str, dict[str, tuple[str, str, str, bool]]]:
    """Completions at the cursor mark: (prefix, label -> (kind, detail, insert, is_snippet))."""
    offset = source.index(CURSOR)
    text = source.replace(CURSOR, "")
    result = completions(analyze(_spec(name), text), offset)
    assert result.replace_end == offset
    items: dict[str, tuple[str, str, str, bool]] = {
        c.label: (c.kind, c.detail, c.insert_text, c.is_snippet) for c in result.items
    }
    return text[result.replace_start : result.replace_end], items


CASES = [
    (
        "pascal_like",
        "VAR total : INTEGER;\nBEGIN\n  to‸\nEND.\n",
        "to",
        {"total": ("variable", "int", "total", False), "TO": ("keyword", "to", "TO", False)},
    ),
    (
        "pascal_like",
        "BEGIN\n  WriteL‸\nEND.\n",
        "WriteL",
        {"WriteLn": ("builtin", "WriteLn(...) -> none", "WriteLn($0)", True)},
    ),
    (
        "python_like",
        "def f(alpha, beta):\n    al‸\n",
        "al",
        {"alpha": ("parameter", "parameter", "alpha", False)},
    ),
    (
        "python_like",
        "def area(w, h):\n    return w * h\nar‸",
        "ar",
        {"area": ("function", "function area(w, h)", "area(${1:w}, ${2:h})", True)},
    ),
    (
        "lisp_like",
        "(define (sq n) (* n n))\n(s‸",
        "s",
        {"sq": ("function", "function sq(n)", "sq ${1:n}", True)},
    ),
    (
        "lisp_like",
        "(display (null‸",
        "null",
        {"null?": ("builtin", "(null? arg1) -> bool", "null? ${1:arg1}", True)},
    ),
    (
        "lisp_like",
        "(map disp‸",
        "disp",
        {"display": ("builtin", "(display arg1) -> none", "display", False)},
    ),
    (
        "basic_like",
        '10 LET NAME$ = "x"\n20 PRINT NA‸',
        "NA",
        {"NAME$": ("variable", "str", "NAME$", False)},
    ),
    (
        "basic_like",
        "10 PRINT ST‸",
        "ST",
        {
            "STR$": ("builtin", "STR$(arg1) -> str", "STR\\$(${1:arg1})", True),
            "STEP": ("keyword", "step", "STEP", False),
        },
    ),
    (
        "js_like",
        "function f(a) {\n  let count = a;\n  co‸\n}\n",
        "co",
        {
            "count": ("variable", "variable", "count", False),
            "const": ("keyword", "const", "const", False),
        },
    ),
    (
        "calc",
        "let x = 1\nshow sq‸",
        "sq",
        {"sqrt": ("builtin", "sqrt(arg1) -> float", "sqrt(${1:arg1})", True)},
    ),
    ("calc", "let width = 2\nshow wi‸", "wi", {"width": ("variable", "int", "width", False)}),
]


@pytest.mark.parametrize(("lang", "source", "prefix", "expected"), CASES)
def test_completion_items(
    lang: str, source: str, prefix: str, expected: dict[str, tuple[str, str, str, bool]]
) -> None:
    """The prefix is the partial word and the expected candidates carry kind, detail, insert."""
    got_prefix, items = _complete(lang, source)
    assert got_prefix == prefix
    for label, want in expected.items():
        assert items[label] == want


EMPTY_CASES = [
    ("js_like", 'print("pr‸")'),
    ("js_like", "// pr‸"),
    ("js_like", "/* pr‸ */"),
    ("pascal_like", "(* unterminated pr‸"),
    ("python_like", "x = 'abc‸"),
    ("python_like", "# comment‸"),
    ("lisp_like", "; a comment‸"),
    ("basic_like", "10 REM say‸"),
    ("python_like", "x = obj.‸"),
    ("python_like", "x = 12‸"),
]


@pytest.mark.parametrize(("lang", "source"), EMPTY_CASES)
def test_nothing_inside_literals_members_and_numbers(lang: str, source: str) -> None:
    """Strings, comments, member access and numbers get no completions."""
    assert _complete(lang, source)[1] == {}


def test_completion_after_a_closed_string_and_block_comment() -> None:
    """A cursor just after a closed string or block comment is outside it."""
    assert _complete("js_like", 'let s = "a"‸')[1]
    assert _complete("js_like", "/* c */‸")[1]


def test_scope_hides_other_functions_locals() -> None:
    """Parameters of a function are offered inside it and not after it."""
    inside = _complete("python_like", "def f(alpha):\n    x = al‸\n")[1]
    outside = _complete("python_like", "def f(alpha):\n    return 1\n\nal‸")[1]
    assert "alpha" in inside
    assert "alpha" not in outside


def test_new_indented_line_belongs_to_the_body() -> None:
    """In an indentation language a fresh deeper line after a body is still in the function."""
    assert "alpha" in _complete("python_like", "def f(alpha):\n    x = 1\n    ‸")[1]


def test_exact_case_matches_sort_first() -> None:
    """In a case-sensitive language an exact-case prefix match sorts before other matches."""
    text = "VAR width : INTEGER;\nBEGIN\n  w\nEND.\n"
    result = completions(analyze(_spec("pascal_like"), text), text.index("  w") + 3)
    labels = [c.label for c in result.items]
    assert labels[0] == "width"
    assert {"WriteLn", "WHILE"} <= set(labels)


def test_case_insensitive_language_inserts_the_spec_spelling() -> None:
    """With case_sensitive false, `beg` completes to the keyword as the spec spells it."""
    spec = attrs.evolve(_spec("pascal_like"), case_sensitive=False)
    text = "beg"
    items = completions(analyze(spec, text), 3).items
    assert ("BEGIN", "BEGIN") in [(c.label, c.insert_text) for c in items]


def test_before_an_open_paren_no_snippet() -> None:
    """When `(` already follows the cursor the call snippet is not inserted."""
    assert _complete("pascal_like", "BEGIN\n  WriteL‸(1)\nEND.")[1]["WriteLn"][2:] == (
        "WriteLn",
        False,
    )


def test_cap_sets_is_incomplete() -> None:
    """More than MAX_ITEMS candidates are cut to MAX_ITEMS and flagged incomplete."""
    text = "".join(f"v{i} = {i}\n" for i in range(300)) + "v"
    result = completions(analyze(_spec("python_like"), text), len(text))
    assert len(result.items) == MAX_ITEMS
    assert result.is_incomplete
    few = completions(analyze(_spec("python_like"), "v1 = 1\nv"), 8)
    assert not few.is_incomplete


@pytest.mark.parametrize("lang", ["pascal_like", "python_like", "lisp_like", "basic_like", "calc"])
@pytest.mark.parametrize("offset", [-10, 0, 5, 10**9])
@pytest.mark.parametrize("text", ["", "x", "😀😀 x = 1\r\ny = x", "\r\n\r\n"])
def test_any_offset_is_clamped(lang: str, offset: int, text: str) -> None:
    """Offsets outside the text are clamped and never raise; the range stays in the text."""
    result = completions(analyze(_spec(lang), text), offset)
    assert 0 <= result.replace_start <= result.replace_end <= len(text)


def test_astral_characters_and_crlf() -> None:
    """Astral characters before the word and CRLF line breaks do not disturb the prefix."""
    prefix, items = _complete("python_like", "s = '😀'\r\nsize = 1\r\nsi‸")
    assert prefix == "si"
    assert "size" in items


def test_keyword_completions_fallback() -> None:
    """The degraded result has keywords and builtins only and is always incomplete."""
    spec = _spec("pascal_like")
    result = keyword_completions(spec, "Wr")
    assert result.is_incomplete
    assert [c.label for c in result.items] == ["Write", "WriteLn"]
    assert (result.replace_start, result.replace_end) == (0, 2)
    placed = keyword_completions(spec, "Wr", offset=10)
    assert (placed.replace_start, placed.replace_end) == (8, 10)
    assert len(keyword_completions(spec, "").items) == len(spec.keywords) + len(spec.builtins)


def test_word_prefix_uses_language_word_characters() -> None:
    """Symbol characters of the vocabulary belong to words: `null?`, `set!`, `STR$`."""
    assert word_prefix(_spec("lisp_like"), "(set", 4) == (1, "set")
    assert word_prefix(_spec("lisp_like"), "(x-y", 4) == (1, "x-y")
    assert word_prefix(_spec("basic_like"), "PRINT A$", 8) == (6, "A$")
    assert word_prefix(_spec("pascal_like"), "a+b", 3) == (2, "b")


def test_resolve_documentation_lists_every_meaning() -> None:
    """A shared spelling documents each keyword meaning; symbols have no vocabulary docs."""
    spec = LanguageSpec(
        name="shared",
        keywords=(
            Keyword("function", "lambda", "function", "Defines a function"),
            Keyword("lambda", "lambda", "function", "Anonymous function"),
        ),
    )
    doc = resolve_documentation(spec, "lambda", "keyword")
    assert "Defines a function" in doc
    assert "Anonymous function" in doc
    assert resolve_documentation(spec, "lambda", "variable") == ""
    items = completions(analyze(spec, "lam"), 3).items
    assert [c.label for c in items] == ["lambda"]
    assert "Anonymous function" in items[0].documentation
