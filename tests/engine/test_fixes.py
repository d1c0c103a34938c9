"""Quick fixes: undefined names, unclosed blocks, mismatched closers, literals, spelling."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from server.engine.analysis import analyze
from server.engine.fixes import Edit, quick_fixes
from server.engine.spec import LanguageSpec
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")


def _spec(name: str) -> LanguageSpec:
    if name == "pascal_insensitive":
        return attrs.evolve(load_spec("preset:pascal_like"), case_sensitive=False)
    return load_spec(CALC if name == "calc" else f"preset:{name}")


def _apply(text: str, edits: tuple[Edit, ...]) -> str:
    """`text` with non-overlapping edits applied."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text


CASES = [
    (
        "python_like",
        "total = 1\nprint(totl)\n",
        "PC140",
        "Change to 'total'",
        "total = 1\nprint(total)\n",
    ),
    ("python_like", "x = Print(1)\n", "PC140", "Change to 'print'", "x = print(1)\n"),
    (
        "calc",
        "let width = 1\nshow widht\n",
        "PC140",
        "Change to 'width'",
        "let width = 1\nshow width\n",
    ),
    (
        "pascal_like",
        "BEGIN\n  WriteLn(1);\n",
        "PC100",
        "Insert 'END'",
        "BEGIN\n  WriteLn(1);\nEND\n",
    ),
    ("pascal_like", "  BEGIN\n  x := 1;", "PC100", "Insert 'END'", "  BEGIN\n  x := 1;\n  END"),
    (
        "js_like",
        "function f() {\r\n  let x = 1;\r\n",
        "PC100",
        "Insert '}'",
        "function f() {\r\n  let x = 1;\r\n}\r\n",
    ),
    ("lisp_like", "(display (+ 1 2) ; sum\n", "PC100", "Insert ')'", "(display (+ 1 2)) ; sum\n"),
    (
        "basic_like",
        "10 FOR I = 1 TO 3\n20 PRINT I\n",
        "PC100",
        "Insert 'NEXT'",
        "10 FOR I = 1 TO 3\n20 PRINT I\nNEXT\n",
    ),
    (
        "basic_like",
        "10 WHILE 1\n20 FOR I = 1 TO 3\n30 WEND\n",
        "PC102",
        "Change to 'NEXT'",
        "10 WHILE 1\n20 FOR I = 1 TO 3\n30 NEXT\n",
    ),
    ("lisp_like", '(display "abc', "PC001", 'Close the string with "', '(display "abc"'),
    ("python_like", "x = 'abc\ny = 1", "PC001", "Close the string with '", "x = 'abc'\ny = 1"),
    ("pascal_like", "(* abc", "PC002", "Insert '*)'", "(* abc *)"),
]


@pytest.mark.parametrize(("lang", "text", "code", "title", "fixed"), CASES)
def test_fix_for_diagnostic(lang: str, text: str, code: str, title: str, fixed: str) -> None:
    """The first fix of a diagnostic has the expected title and result, and is preferred."""
    fixes = [
        f
        for f in quick_fixes(analyze(_spec(lang), text), 0, len(text))
        if f.diagnostic_code == code
    ]
    assert fixes[0].title == title
    assert _apply(text, fixes[0].edits) == fixed
    assert fixes[0].is_preferred == (code != "PC102")
    assert fixes[0].diagnostic is not None and fixes[0].diagnostic.code == code


def test_at_most_three_suggestions() -> None:
    """An undefined name gets at most three suggestions, only the first preferred."""
    text = "x = Print(1)\n"
    fixes = quick_fixes(analyze(_spec("python_like"), text), 4, 4)
    assert 1 <= len(fixes) <= 3
    assert [f.is_preferred for f in fixes] == [True] + [False] * (len(fixes) - 1)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("python_like", "def f():\n"),  # indent PC100 has no closer to insert
        ("python_like", "print(1, 2, 3, 4, 5)\nlen(1, 2)\n"),  # PC120 is not fixable
        ("basic_like", "10 GOTO 99\n"),  # undefined line number
        ("python_like", "qqqqqqqq = zzzzzzzzzzzz\n"),  # nothing close
    ],
)
def test_no_fix(lang: str, text: str) -> None:
    """Diagnostics without a sensible automatic fix get none."""
    assert quick_fixes(analyze(_spec(lang), text), 0, len(text)) == ()


def test_only_diagnostics_in_the_range() -> None:
    """Fixes are offered only for diagnostics overlapping the requested range."""
    text = "a = 1\nprint(aa)\nprint(bb)\n"
    analysis = analyze(_spec("python_like"), text)
    first = text.index("aa)")
    titles = [f.title for f in quick_fixes(analysis, first, first + 1)]
    assert titles and all(
        f.diagnostic.start == first for f in quick_fixes(analysis, first, first + 1) if f.diagnostic
    )
    assert quick_fixes(analysis, 0, 3) == ()


@pytest.mark.parametrize(
    ("start", "end", "titles"),
    [
        (0, 0, ["Write 'BEGIN' as the language spells it"]),
        (8, 9, ["Write 'WriteLn' as the language spells it"]),
        (6, 7, []),
        (
            0,
            10**9,
            [
                "Write 'BEGIN' as the language spells it",
                "Write 'WriteLn' as the language spells it",
                "Write 'END' as the language spells it",
            ],
        ),
    ],
)
def test_spelling_fixes_in_case_insensitive_language(
    start: int, end: int, titles: list[str]
) -> None:
    """Keywords and builtins in another case get a spelling fix when the range covers them."""
    text = "begin\n  writeln(1);\nEnd."
    fixes = quick_fixes(analyze(_spec("pascal_insensitive"), text), start, end)
    assert [f.title for f in fixes] == titles
    assert all(f.diagnostic_code is None and not f.is_preferred for f in fixes)


def test_no_spelling_fix_in_case_sensitive_language() -> None:
    """In a case-sensitive language a differently cased word is a name, not a keyword."""
    text = "begin\nEND."
    assert not [
        f
        for f in quick_fixes(analyze(_spec("pascal_like"), text), 0, 5)
        if f.diagnostic_code is None
    ]


@pytest.mark.parametrize(
    "lang", ["pascal_like", "python_like", "lisp_like", "basic_like", "js_like", "calc"]
)
@pytest.mark.parametrize(("start", "end"), [(-5, -1), (0, 0), (3, 1), (10**9, 10**9 + 5)])
@pytest.mark.parametrize("text", ["", "😀 x = 'a\r\n", "BEGIN (( {"])
def test_any_range_never_raises(lang: str, start: int, end: int, text: str) -> None:
    """Any range is clamped; every edit stays inside the text."""
    for fix in quick_fixes(analyze(_spec(lang), text), start, end):
        assert all(0 <= e.start <= e.end <= len(text) for e in fix.edits)
