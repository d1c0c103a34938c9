"""Expression trees of the precedence-climbing parser, its fast paths and its depth limit."""

from __future__ import annotations

import pytest

from server.engine.analysis import analyze
from server.engine.expr import MAX_DEPTH
from server.engine.nodes import Expr
from server.languages import load_spec


def _show(e: Expr) -> str:
    """`e` as a compact S-expression: `(op left right)`, `(call f a)`, atoms as written."""
    if not e.children:
        return e.text if e.kind != "error" else "?"
    inner = " ".join(_show(c) for c in e.children)
    return f"({e.kind if e.kind not in ('binary', 'unary') else e.text} {inner})"


def _value(preset: str, text: str) -> str:
    """The shape of the last top-level expression of `text`."""
    return _show(analyze(load_spec(f"preset:{preset}"), text).tree.exprs[-1])


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("x = a + b * c - d\n", "(- (+ a (* b c)) d)"),
        ("x = a - b - c\n", "(- (- a b) c)"),
        ("x = a ** b ** c\n", "(** a (** b c))"),
        ("x = a * b ** c + d\n", "(+ (* a (** b c)) d)"),
        ("x = -a * b\n", "(* (- a) b)"),
        ("x = not a == b\n", "(not (== a b))"),
        ("x = a < b and c or d\n", "(or (and (< a b) c) d)"),
        ("x = f(a, b + 1)[2].y\n", "(member (index (call f a (+ b 1)) 2))"),
        ('x = len("ab") + 1.5\n', '(+ (call len "ab") 1.5)'),
        ("x = (a + b) * c\n", "(* (paren (+ a b)) c)"),
        ("x = a\n", "a"),
        ("print(a, 1, 'z')\n", "(call print a 1 'z')"),
    ],
)
def test_python_like_expression_shapes(text: str, shape: str) -> None:
    """Precedence, associativity, prefix and postfix operators build the expected tree."""
    assert _value("python_like", text) == shape


@pytest.mark.parametrize(
    ("preset", "text", "shape"),
    [
        ("pascal_like", "PROGRAM P;\nBEGIN\n  x := x + 3 * 2;\nEND.\n", "(+ x (* 3 2))"),
        ("js_like", "x = a +\n  b * c;\n", "(+ a (* b c))"),
        ("lisp_like", "(set! x (+ x (* 3 2)))\n", "(list set! x (call + x (call * 3 2)))"),
    ],
)
def test_expression_shapes_in_other_presets(preset: str, text: str, shape: str) -> None:
    """Pascal and JS (over a line break after an operator) parse alike; `set!` is a keyword."""
    assert _value(preset, text) == shape


@pytest.mark.parametrize(
    ("count", "too_deep"),
    [(MAX_DEPTH - 2, False), (MAX_DEPTH - 1, False), (MAX_DEPTH, True), (MAX_DEPTH + 5, True)],
)
def test_right_associative_chains_count_one_level_per_operator(count: int, too_deep: bool) -> None:
    """Each pending `**` is one nesting level (the statement's expression is the first)."""
    text = "x = " + " ** ".join(["a"] * (count + 1)) + "\n"
    problems = analyze(load_spec("preset:python_like"), text).diagnostics
    assert any("nested too deeply" in d.message for d in problems) is too_deep


@pytest.mark.parametrize("count", [10, MAX_DEPTH * 3])
def test_left_associative_chains_never_get_too_deep(count: int) -> None:
    """`a + a + ...` keeps one pending operator however long it is."""
    text = "x = " + " + ".join(["a"] * count) + "\n"
    analysis = analyze(load_spec("preset:python_like"), text)
    assert not any("nested too deeply" in d.message for d in analysis.diagnostics)
    assert _show(analysis.tree.exprs[-1]).count("(+") == count - 1
