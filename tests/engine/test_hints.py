"""Inlay hints: inferred types after undeclared variables, parameter names before arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engine.analysis import analyze
from server.engine.hints import InlayHint, inlay_hints
from server.engine.spec import Blocks, Builtin, LanguageSpec
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")
SHOW = LanguageSpec(
    name="show",
    builtins=(Builtin("show", "print", 1, 2, "Prints", "none", ("value", "end")),),
    line_comments=("#",),
    blocks=Blocks("indent"),
)


def _spec(name: str) -> LanguageSpec:
    if name == "show":
        return SHOW
    return load_spec(CALC if name == "calc" else f"preset:{name}")


def _hints(lang: str, text: str, start: int = 0, end: int = 10**9) -> list[tuple[str, str, str]]:
    """(text before the hint's offset on its line, label, kind) of each hint."""
    out: list[tuple[str, str, str]] = []
    for hint in inlay_hints(analyze(_spec(lang), text), start, end):
        line_start = text.rfind("\n", 0, hint.offset) + 1
        out.append((text[line_start : hint.offset], hint.label, hint.kind))
    return out


CASES = [
    (
        "python_like",
        "x = 1\ny = 'a'\nz = x\nw = unknown_thing\nx = 2\n",
        [("x", ": int", "type"), ("y", ": str", "type"), ("z", ": int", "type")],
    ),
    (
        "python_like",
        "def f(a, b):\n    return a\nf(1, 2)\nf(a, 2)\n",
        [("f(", "a:", "parameter"), ("f(1, ", "b:", "parameter"), ("f(a, ", "b:", "parameter")],
    ),
    ("pascal_like", "VAR k : INTEGER;\nBEGIN\n  k := 1\nEND.", []),
    (
        "js_like",
        "const ratio = 1.5;\nlet name = 'n' + 'm';",
        [("const ratio", ": float", "type"), ("let name", ": str", "type")],
    ),
    (
        "basic_like",
        '10 LET A$ = "x"\n20 LET N = LEN(A$)',
        [("10 LET A$", ": str", "type"), ("20 LET N", ": int", "type")],
    ),
    (
        "lisp_like",
        "(define n 5)\n(define (sq v) (* v v))\n(sq n)",
        [("(define n", ": int", "type"), ("(sq ", "v:", "parameter")],
    ),
    ("calc", "let x = 1 + sqrt(2)\nshow x", [("let x", ": float", "type")]),
    (
        "show",
        "show(1, 2)\nshow(value)\n",
        [("show(", "value:", "parameter"), ("show(1, ", "end:", "parameter")],
    ),
    ("python_like", "", []),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CASES)
def test_hints(lang: str, text: str, expected: list[tuple[str, str, str]]) -> None:
    """Known types of undeclared variables and parameter names of calls are hinted, sorted."""
    assert _hints(lang, text) == expected


def test_only_hints_in_range() -> None:
    """Hints outside `[start, end)` are left out."""
    text = "a = 1\nb = 2\nc = 3\n"
    assert [h[0] for h in _hints("python_like", text, 6, 12)] == ["b"]
    assert _hints("python_like", text, 12, 6) == []


@pytest.mark.parametrize(("start", "end"), [(-10, -1), (-10, 10**9), (10**9, 10**9 + 1)])
@pytest.mark.parametrize("text", ["", "😀 = 1\r\nx = 1\r\n", "x = len('a'\n"])
def test_any_range_never_raises(start: int, end: int, text: str) -> None:
    """Any range is clamped; hint offsets stay within the text."""
    hints = inlay_hints(analyze(_spec("python_like"), text), start, end)
    assert all(isinstance(h, InlayHint) and 0 <= h.offset <= len(text) for h in hints)
