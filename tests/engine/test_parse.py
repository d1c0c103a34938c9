"""The structural parser: definitions, assignments, calls, imports, labels and recovery."""

from __future__ import annotations

import pytest

from server.engine.blocks import block_structure
from server.engine.lex import lex
from server.engine.nodes import Outline
from server.engine.parse import parse
from server.engine.spec import Blocks, Builtin, Keyword, LanguageSpec, Operator


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(Keyword(original, custom) for original, custom in pairs)


TEACH = LanguageSpec(
    name="teach",
    keywords=_kws(
        ("def", "teach"),
        ("return", "give_back"),
        ("let", "remember"),
        ("const", "forever"),
        ("if", "when"),
        ("else", "otherwise"),
        ("for", "repeat_for"),
        ("in", "inside"),
        ("True", "yes"),
        ("None", "nothing"),
        ("import", "import"),
        ("from", "from"),
        ("as", "as"),
        ("not", "opposite"),
        ("==", "equals"),
    ),
    builtins=(Builtin("say", "print"), Builtin("length_of", "len", 1, 1, return_type="int")),
    line_comments=("#",),
    blocks=Blocks("indent"),
)
PASCAL = LanguageSpec(
    name="pascal",
    keywords=_kws(
        ("program", "PROGRAM"),
        ("begin", "BEGIN"),
        ("end", "END"),
        ("var", "VAR"),
        ("const", "CONST"),
        ("type", "TYPE"),
        ("record", "RECORD"),
        ("function", "FUNCTION"),
        ("procedure", "PROCEDURE"),
        ("while", "WHILE"),
        ("do", "DO"),
        ("for", "FOR"),
        ("to", "TO"),
        ("import", "USES"),
    ),
    builtins=(Builtin("WriteLn", "print"),),
    operators=(Operator(":=", 2, "right"), Operator("=", 3), Operator("+", 4), Operator("*", 5)),
    block_comments=(("(*", "*)"),),
    string_delimiters=("'",),
    statement_terminator=";",
    case_sensitive=False,
    blocks=Blocks("keywords", (("BEGIN", "END"), ("RECORD", "END"))),
)
BASIC = LanguageSpec(
    name="basic",
    keywords=_kws(
        ("if", "IF"),
        ("then", "THEN"),
        ("goto", "GOTO"),
        ("call", "GOSUB"),
        ("var", "DIM"),
        ("assign", "LET"),
        ("for", "FOR"),
        ("to", "TO"),
    ),
    builtins=(Builtin("PRINT", "print"), Builtin("LEN", "len", 1, 1)),
    line_comments=("REM",),
    string_delimiters=('"',),
    statement_terminator=":",
    line_numbers=True,
    blocks=Blocks("none"),
)
LISP = LanguageSpec(
    name="lisp",
    keywords=_kws(("define", "define"), ("function", "lambda"), ("let", "let")),
    builtins=(Builtin("display", "print"),),
    line_comments=(";",),
    blocks=Blocks("sexpr", (("(", ")"),)),
)
FORTH = LanguageSpec(
    name="forth",
    keywords=_kws(("def", ":"), ("end", ";")),
    blocks=Blocks("keywords", ((":", ";"),)),
)


def _parse(spec: LanguageSpec, text: str) -> Outline:
    tokens = lex(spec, text)
    return parse(spec, tokens, text, block_structure(spec, tokens, text))


def _defs(outline: Outline) -> list[tuple[str, str, str | None]]:
    return [(d.name, d.kind, d.declared_type) for d in outline.definitions]


DEFINITIONS = [
    (
        "teachscript function with parameters",
        TEACH,
        "teach f(a, b):\n    give_back a\n",
        [("f", "function", None), ("a", "parameter", None), ("b", "parameter", None)],
    ),
    (
        "pascal VAR section with types",
        PASCAL,
        "VAR\n  a, b : INTEGER;\n  s : STRING;\nBEGIN END.",
        [("a", "variable", "INTEGER"), ("b", "variable", "INTEGER"), ("s", "variable", "STRING")],
    ),
    (
        "pascal function header with parameter groups and result type",
        PASCAL,
        "FUNCTION f(a : INTEGER; VAR b, c : REAL) : INTEGER;\nBEGIN f := a; END;",
        [
            ("f", "function", "INTEGER"),
            ("a", "parameter", "INTEGER"),
            ("b", "parameter", "REAL"),
            ("c", "parameter", "REAL"),
        ],
    ),
    ("pascal procedure", PASCAL, "PROCEDURE p;\nBEGIN END;", [("p", "procedure", None)]),
    (
        "pascal TYPE record and CONST",
        PASCAL,
        "TYPE P = RECORD x : INTEGER; END;\nCONST k = 3;",
        [("P", "class", None), ("k", "constant", None)],
    ),
    (
        "lisp define function and variable",
        LISP,
        "(define (f x) (display x))\n(define y 1)\n",
        [("f", "function", None), ("x", "parameter", None), ("y", "variable", None)],
    ),
    (
        "lisp let bindings and lambda parameters",
        LISP,
        "(let ((a 1)) (lambda (b) b))",
        [("a", "variable", None), ("b", "parameter", None)],
    ),
    ("forth colon word", FORTH, ": square dup * ;", [("square", "function", None)]),
    (
        "basic DEF FN and DIM",
        BASIC,
        "10 DEF FNA(X) = X * 2\n20 DIM A(10), B$(5)\n",
        [
            ("FNA", "function", None),
            ("X", "parameter", None),
            ("A", "variable", None),
            ("B$", "variable", None),
        ],
    ),
    (
        "imports with alias and from-import",
        TEACH,
        "import os.path as p\nfrom m import a, b\n",
        [
            ("p", "import", None),
            ("m", "import", None),
            ("a", "import", None),
            ("b", "import", None),
        ],
    ),
    (
        "pascal USES list",
        PASCAL,
        "USES crt, sysutils;",
        [("crt", "import", None), ("sysutils", "import", None)],
    ),
]


@pytest.mark.parametrize(
    ("spec", "text", "expected"), [c[1:] for c in DEFINITIONS], ids=[c[0] for c in DEFINITIONS]
)
def test_definitions(
    spec: LanguageSpec, text: str, expected: list[tuple[str, str, str | None]]
) -> None:
    """Definitions come from keyword originals, with names, kinds and declared types."""
    assert _defs(_parse(spec, text)) == expected


def test_function_scope_covers_its_body() -> None:
    """Parameters and locals live in the function's scope; later code is back at file scope."""
    outline = _parse(TEACH, "teach f(a):\n    remember r = a\n    give_back r\nx = 1\n")
    f, a, r = outline.definitions
    assert (a.scope, r.scope) == (0, 0) and f.scope == -1
    assert outline.assignments[-1].scope == -1
    assert f.start == 0 and f.end > outline.definitions[2].end


def test_pascal_function_body_is_next_begin_block() -> None:
    """A Pascal function's scope runs to the END of the BEGIN block after its header."""
    text = "FUNCTION f : INTEGER;\nVAR t : INTEGER;\nBEGIN t := 1; END;\nx := 2;"
    outline = _parse(PASCAL, text)
    f, t = outline.definitions
    assert t.scope == 0 and text[f.end - 3 : f.end] == "END"
    assert [a.scope for a in outline.assignments] == [0, -1]


CALLS = [
    ("parenthesised builtin", TEACH, 'say("a", 1)', [("say", 2, True, True)]),
    ("basic statement form", BASIC, '10 PRINT "a"; X, 3\n', [("PRINT", 3, False, True)]),
    ("user call", TEACH, "f(1)\n", [("f", 1, True, False)]),
    (
        "nested calls",
        TEACH,
        "say(length_of(x))\n",
        [("say", 1, True, True), ("length_of", 1, True, True)],
    ),
    ("member calls are not checked", TEACH, "xs.add_to(6)\n", []),
    ("lisp form", LISP, "(display 1 2)", [("display", 2, True, True)]),
]


@pytest.mark.parametrize(
    ("spec", "text", "expected"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS]
)
def test_calls(spec: LanguageSpec, text: str, expected: list[tuple[str, int, bool, bool]]) -> None:
    """Calls record the callee, argument count and whether they were parenthesised (§12.9)."""
    calls = sorted(_parse(spec, text).calls, key=lambda c: c.start)
    assert [(c.name, len(c.args), c.parenthesised, c.is_builtin) for c in calls] == expected


ASSIGNMENTS = [
    ("plain", TEACH, "x = 1\n", [("x", "=", "int")]),
    ("pascal", PASCAL, "x := 'a';", [("x", ":=", "str")]),
    ("compound", TEACH, "x += 1\n", [("x", "+=", "int")]),
    ("basic LET", BASIC, "10 LET X = 5\n", [("X", "=", "int")]),
    ("loop variable", BASIC, "10 FOR I = 1 TO 3\n", [("I", "for", "int")]),
    ("tuple target", TEACH, "a, b = 1, 2\n", [("a", "=", None), ("b", "=", None)]),
]


@pytest.mark.parametrize(
    ("spec", "text", "expected"), [c[1:] for c in ASSIGNMENTS], ids=[c[0] for c in ASSIGNMENTS]
)
def test_assignments(
    spec: LanguageSpec, text: str, expected: list[tuple[str, str, str | None]]
) -> None:
    """Assignments to plain names record target, operator and value expression."""
    got = [
        (a.name, a.op, a.value.kind if a.value is not None else None)
        for a in _parse(spec, text).assignments
    ]
    assert got == expected


def test_assignment_target_is_not_a_use() -> None:
    """`x = y` references y, not x; `x += 1` also uses x."""
    assert [r.name for r in _parse(TEACH, "x = y\n").references] == ["y"]
    assert [r.name for r in _parse(TEACH, "x += 1\n").references] == ["x"]


def test_member_names_are_not_references() -> None:
    """`TSRandom.choice(xs)` references TSRandom and xs only."""
    assert [r.name for r in _parse(TEACH, "TSRandom.choice(xs)\n").references] == ["TSRandom", "xs"]


def test_basic_line_numbers_and_targets() -> None:
    """Line numbers are labels; GOTO/GOSUB/THEN numbers are jump targets."""
    outline = _parse(BASIC, "10 GOTO 30\n20 IF X THEN 10\n30 GOSUB 20\n")
    assert [label.number for label in outline.line_numbers] == ["10", "20", "30"]
    assert [label.number for label in outline.jump_targets] == ["30", "10", "20"]


RECOVERY = [
    ("stray operator", TEACH, "x = * 2\ny = 3\n", ["y"]),
    (
        "not followed by equals (hangman line 42)",
        TEACH,
        "when f(g) opposite equals 1:\n    y = 1\n",
        ["y"],
    ),
    ("pascal missing operand", PASCAL, "a := ;\nb := 2;", ["b"]),
    ("garbage then a definition", TEACH, "= = 2\nteach f():\n    give_back 1\n", ["f"]),
]


@pytest.mark.parametrize(
    ("spec", "text", "names"), [c[1:] for c in RECOVERY], ids=[c[0] for c in RECOVERY]
)
def test_recovery(spec: LanguageSpec, text: str, names: list[str]) -> None:
    """An unexpected token yields PC110 and parsing resumes at the next statement."""
    outline = _parse(spec, text)
    found = [d.name for d in outline.definitions] + [a.name for a in outline.assignments]
    assert all(name in found for name in names)
    assert outline.problems and {p.code for p in outline.problems} == {"PC110"}


def test_returns_belong_to_their_function() -> None:
    """A return statement records its function scope and value."""
    outline = _parse(TEACH, "teach f():\n    give_back 1\ngive_back\n")
    assert [(r.scope, r.value is not None) for r in outline.returns] == [(0, True), (-1, False)]


def test_pascal_program_parses_cleanly() -> None:
    """A small complete Pascal program produces no PC110."""
    text = (
        "PROGRAM P;\nVAR n : INTEGER;\nBEGIN\n  n := 1;\n  WHILE n < 3 DO\n"
        "  BEGIN\n    n := n + 1;\n  END;\n  WriteLn(n);\nEND.\n"
    )
    assert _parse(PASCAL, text).problems == ()


def test_deep_expression_nesting_is_reported_not_raised() -> None:
    """Thousands of nested parentheses stop with PC110 instead of a RecursionError."""
    outline = _parse(TEACH, "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
    assert any("nested too deeply" in p.message for p in outline.problems)
