"""Signature help: the call around the cursor, its label, parameter spans, active parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engine.analysis import analyze
from server.engine.signature import signature_at
from server.engine.spec import LanguageSpec
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")
CURSOR = "‸"


def _spec(name: str) -> LanguageSpec:
    return load_spec(CALC if name == "calc" else f"preset:{name}")


def _signature(lang: str, source: str) -> tuple[str, list[str], int] | None:
    """(label, parameter texts, active parameter) at the cursor mark, or None."""
    offset = source.index(CURSOR)
    info = signature_at(analyze(_spec(lang), source.replace(CURSOR, "")), offset)
    if info is None:
        return None
    return info.label, [info.label[a:b] for a, b in info.parameters], info.active_parameter


CASES = [
    ("pascal_like", "BEGIN\n  WriteLn(‸\nEND.", ("WriteLn(...)", ["..."], 0)),
    ("pascal_like", "BEGIN\n  WriteLn(1, 2, ‸\nEND.", ("WriteLn(...)", ["..."], 0)),
    (
        "pascal_like",
        "FUNCTION Sq(n : INTEGER) : INTEGER;\nBEGIN\n  Sq := n\nEND;\nBEGIN\n  Sq(‸)\nEND.",
        ("Sq(n)", ["n"], 0),
    ),
    ("python_like", "def f(a, b):\n    return a\nf(1, ‸", ("f(a, b)", ["a", "b"], 1)),
    ("python_like", "def f(a, b):\n    return a\nf(1, [2, 3‸", ("f(a, b)", ["a", "b"], 1)),
    ("python_like", "def f(a, b):\n    return a\nf(‸1, 2)", ("f(a, b)", ["a", "b"], 0)),
    ("python_like", "print(len(‸", ("len(arg1)", ["arg1"], 0)),
    ("python_like", "x = len('a(', ‸", ("len(arg1)", ["arg1"], 1)),
    ("js_like", 'print("a(", ‸', ("print(...)", ["..."], 0)),
    (
        "basic_like",
        "10 PRINT MID$(A$, 1, ‸",
        ("MID$(arg1, arg2, [arg3])", ["arg1", "arg2", "[arg3]"], 2),
    ),
    ("lisp_like", "(define (sq n) n)\n(sq ‸", ("(sq n)", ["n"], 0)),
    ("lisp_like", "(fold a b ‸", ("(fold arg1 arg2 arg3)", ["arg1", "arg2", "arg3"], 2)),
    ("lisp_like", "(fold a (list 1 2) ‸)", ("(fold arg1 arg2 arg3)", ["arg1", "arg2", "arg3"], 2)),
    ("lisp_like", "(fold a‸ b", ("(fold arg1 arg2 arg3)", ["arg1", "arg2", "arg3"], 0)),
    ("lisp_like", "(display (length ‸", ("(length arg1)", ["arg1"], 0)),
    ("calc", "show max(1, 2, ‸", ("max(...)", ["..."], 0)),
    ("calc", "show sqrt(‸", ("sqrt(arg1)", ["arg1"], 0)),
]


@pytest.mark.parametrize(("lang", "source", "expected"), CASES)
def test_signature(lang: str, source: str, expected: tuple[str, list[str], int]) -> None:
    """Label, parameter spans and active parameter of the innermost call."""
    assert _signature(lang, source) == expected


NONE_CASES = [
    ("python_like", "x = len(y)‸"),
    ("python_like", "# f(‸"),
    ("python_like", "obj.method(‸"),
    ("python_like", "x = (1, ‸"),
    ("python_like", "undefined_fn(‸"),
    ("js_like", "let x = 1;\n‸"),
    ("pascal_like", "BEGIN\n  WriteLn(1); ‸\nEND."),
    ("lisp_like", "(define x ‸"),
    ("lisp_like", "‸(display 1)"),
    ("python_like", "‸"),
]


@pytest.mark.parametrize(("lang", "source"), NONE_CASES)
def test_no_signature(lang: str, source: str) -> None:
    """Outside calls, in comments, for member calls, unknown callees and keywords: None."""
    assert _signature(lang, source) is None


@pytest.mark.parametrize("lang", ["pascal_like", "python_like", "lisp_like", "basic_like", "calc"])
@pytest.mark.parametrize("offset", [-1, 0, 3, 10**9])
@pytest.mark.parametrize("text", ["", "f(", "😀 print(😀, \r\n", "(((("])
def test_any_offset_never_raises(lang: str, offset: int, text: str) -> None:
    """Any offset and text give a signature or None, never an exception."""
    info = signature_at(analyze(_spec(lang), text), offset)
    assert info is None or all(0 <= a <= b <= len(info.label) for a, b in info.parameters)
