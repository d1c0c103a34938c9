"""Type inference: literals, declarations, builtins, operators, returns, and PC130."""

from __future__ import annotations

import pytest

from server.engine.analysis import analyze
from server.engine.infer import binary_type, normalize_type, type_at, type_of_definition
from server.engine.spec import Blocks, Builtin, Keyword, LanguageSpec, Operator


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(Keyword(original, custom) for original, custom in pairs)


TEACH = LanguageSpec(
    name="teach",
    keywords=_kws(
        ("def", "teach"),
        ("return", "give_back"),
        ("let", "remember"),
        ("True", "yes"),
        ("False", "no"),
        ("None", "nothing"),
        ("==", "equals"),
    ),
    builtins=(Builtin("length_of", "len", 1, 1, return_type="int"), Builtin("ask", "input")),
    line_comments=("#",),
    blocks=Blocks("indent"),
)
PASCAL = LanguageSpec(
    name="pascal",
    keywords=_kws(
        ("begin", "BEGIN"),
        ("end", "END"),
        ("var", "VAR"),
        ("function", "FUNCTION"),
        ("true", "TRUE"),
    ),
    operators=(
        Operator(":=", 2, "right"),
        Operator("=", 3),
        Operator("+", 4),
        Operator("-", 4),
        Operator("*", 5),
        Operator("/", 5),
        Operator("DIV", 5),
        Operator("MOD", 5),
    ),
    string_delimiters=("'",),
    statement_terminator=";",
    case_sensitive=False,
    blocks=Blocks("keywords", (("BEGIN", "END"),)),
)


def _type_of(spec: LanguageSpec, text: str, name: str) -> str:
    analysis = analyze(spec, text)
    for i, d in enumerate(analysis.symbols.definitions):
        if d.name == name and analysis.symbols.aliases[i] < 0:
            return type_of_definition(analysis, i)
    raise AssertionError(name)


TYPES = [
    ("int literal", TEACH, "x = 1\n", "x", "int"),
    ("float literal", TEACH, "x = 1.5\n", "x", "float"),
    ("string", TEACH, 'x = "a"\n', "x", "str"),
    ("bool via True original", TEACH, "x = yes\n", "x", "bool"),
    ("none via None original", TEACH, "x = nothing\n", "x", "none"),
    ("list literal", TEACH, "x = [1, 2]\n", "x", "list"),
    ("builtin return type", TEACH, "x = length_of(y)\n", "x", "int"),
    ("unknown builtin return type", TEACH, "x = ask()\n", "x", "unknown"),
    ("propagation through assignment", TEACH, "x = 1\ny = x\n", "y", "int"),
    ("int plus float", TEACH, "x = 1 + 2.0\n", "x", "float"),
    ("division is float", TEACH, "x = 4 / 2\n", "x", "float"),
    ("comparison is bool", TEACH, "x = 1 equals 2\n", "x", "bool"),
    ("string concatenation", TEACH, 'x = "a" + "b"\n', "x", "str"),
    ("none then int gives int", TEACH, "x = nothing\nx = 3\n", "x", "int"),
    ("conflicting assignments are unknown", TEACH, 'x = 1\nx = "a"\n', "x", "unknown"),
    ("function return type", TEACH, "teach f():\n    give_back 1\nx = f()\n", "x", "int"),
    ("recursive function terminates", TEACH, "teach f(n):\n    give_back f(n)\n", "f", "unknown"),
    ("pascal declared type", PASCAL, "VAR n : INTEGER;\nBEGIN END.", "n", "int"),
    (
        "pascal declared unknown type stays as written",
        PASCAL,
        "VAR p : TPoint;\nBEGIN END.",
        "p",
        "TPoint",
    ),
    ("pascal function result type", PASCAL, "FUNCTION f : REAL;\nBEGIN END;", "f", "float"),
    ("pascal DIV is int", PASCAL, "BEGIN x := 7 DIV 2; END.", "x", "int"),
]


@pytest.mark.parametrize(
    ("spec", "text", "name", "expected"), [c[1:] for c in TYPES], ids=[c[0] for c in TYPES]
)
def test_definition_types(spec: LanguageSpec, text: str, name: str, expected: str) -> None:
    """Each definition gets the type its declarations and values imply."""
    assert _type_of(spec, text, name) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", "int"),
        ("real", "float"),
        ("String", "str"),
        ("BOOLEAN", "bool"),
        ("CHAR", "str"),
        ("int", "int"),
        ("TPoint", "TPoint"),
        (None, "unknown"),
    ],
)
def test_normalize_type(declared: str | None, expected: str) -> None:
    """Declared type names map case-insensitively; unknown names stay as written."""
    assert normalize_type(declared) == expected


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("+", "int", "int", "int"),
        ("+", "int", "float", "float"),
        ("+", "str", "str", "str"),
        ("/", "int", "int", "float"),
        ("DIV", "int", "int", "int"),
        ("MOD", "int", "int", "int"),
        ("<", "int", "str", "bool"),
        ("and", "bool", "bool", "bool"),
        ("+", "str", "int", "unknown"),
        ("*", "str", "int", "str"),
        ("-", "unknown", "int", "unknown"),
    ],
)
def test_binary_type(op: str, left: str, right: str, expected: str) -> None:
    """Operator result types follow the documented table."""
    assert binary_type(op, left, right) == expected


def test_type_at_expression_and_name() -> None:
    """type_at answers for names and for the innermost expression at an offset."""
    text = 'x = 1\ny = "a" + "b"\n'
    analysis = analyze(TEACH, text)
    assert type_at(analysis, 0) == "int"
    assert type_at(analysis, text.index('"b"') + 1) == "str"
    assert type_at(analysis, len(text)) == "unknown"


MISMATCHES = [
    ("str into INTEGER", PASCAL, "VAR n : INTEGER;\nBEGIN n := 'a'; END.", 1),
    ("int into REAL is fine", PASCAL, "VAR r : REAL;\nBEGIN r := 1; END.", 0),
    ("unknown value is never reported", PASCAL, "VAR n : INTEGER;\nBEGIN n := m; END.", 0),
    ("string minus number", TEACH, 'x = "a" - 1\n', 1),
    ("string plus number", TEACH, 'x = 1 + "a"\n', 1),
    ("string times number is fine", TEACH, 'x = "a" * 3\n', 0),
    ("unknown operand is never reported", TEACH, 'x = y + "a"\n', 0),
    ("declared unknown type is never reported", PASCAL, "VAR p : TPoint;\nBEGIN p := 1; END.", 0),
]


@pytest.mark.parametrize(
    ("spec", "text", "count"), [c[1:] for c in MISMATCHES], ids=[c[0] for c in MISMATCHES]
)
def test_mismatches(spec: LanguageSpec, text: str, count: int) -> None:
    """PC130 is reported only for certain mismatches."""
    found = [d for d in analyze(spec, text).diagnostics if d.code == "PC130"]
    assert len(found) == count
    assert all(d.severity.label == "warning" for d in found)


def test_long_chains_do_not_recurse_too_deeply() -> None:
    """A 3000-term sum and a 3000-variable chain infer without RecursionError."""
    text = "x = " + " + ".join(["1"] * 3000) + "\n"
    text += "".join(f"v{i + 1} = v{i}\n" for i in range(3000))
    analysis = analyze(TEACH, "v0 = 1\n" + text)
    assert _type_of(TEACH, "x = 1 + 2\n", "x") == "int"
    assert analysis.types.definition_types
