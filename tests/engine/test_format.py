"""Formatter behaviour: layout rules per block style, safety gate, edits and range formatting."""

from __future__ import annotations

import attrs
import pytest

from server.engine.format import FormatOptions, FormatResult, TextEdit, format_range, format_text
from server.engine.spec import Blocks, Builtin, Keyword, LanguageSpec, Operator
from server.languages import load_spec

PASCAL = load_spec("preset:pascal_like")
PASCAL_CI = attrs.evolve(PASCAL, case_sensitive=False)
PYTHON = load_spec("preset:python_like")
BASIC = load_spec("preset:basic_like")
LISP = load_spec("preset:lisp_like")
JS = load_spec("preset:js_like")
STACK = LanguageSpec(
    name="stack",
    keywords=(Keyword("function", ":"), Keyword("return", ";"), Keyword("if", "IF")),
    builtins=(Builtin(".", "print"), Builtin("DUP", "dup")),
    operators=(Operator("+"), Operator("-"), Operator("*")),
    line_comments=("\\",),
    string_delimiters=('"',),
    blocks=Blocks("keywords", ((":", ";"),)),
)
TEACH = LanguageSpec(
    name="teach",
    keywords=(Keyword("def", "teach"), Keyword("if", "when"), Keyword("return", "give_back")),
    operators=(Operator("="), Operator("+"), Operator("<")),
    line_comments=("#",),
    block_comments=(("###", "###"),),
    string_delimiters=('"',),
    blocks=Blocks("indent"),
)
PLAIN = LanguageSpec(
    name="plain",
    keywords=(Keyword("let", "let"), Keyword("print", "show")),
    operators=(Operator("="), Operator("+"), Operator("MOD")),
    line_comments=("//",),
    string_delimiters=('"',),
    blocks=Blocks("none"),
)
RUBYISH = LanguageSpec(
    name="rubyish",
    builtins=(Builtin("Range.new", "range"),),
    operators=(Operator("="),),
    line_comments=("#",),
)

SPECS = {
    "pascal": PASCAL,
    "pascal_ci": PASCAL_CI,
    "python": PYTHON,
    "basic": BASIC,
    "lisp": LISP,
    "js": JS,
    "stack": STACK,
    "teach": TEACH,
    "plain": PLAIN,
    "rubyish": RUBYISH,
}


def fmt(lang: str, text: str, **options: object) -> FormatResult:
    """Format `text` in the named language with the given options."""
    return format_text(SPECS[lang], text, FormatOptions(**options))  # type: ignore[arg-type]


def apply(text: str, edits: tuple[TextEdit, ...]) -> str:
    """`text` with the edits applied, last first."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text


KEYWORD_STYLE = [
    (
        "pascal_ci",
        "program p;\nbegin\nif x<>1 then\nbegin\nx:=x+2;\nend\nelse\nbegin\ny:=0;\nend;\nend.\n",
        "PROGRAM p;\nBEGIN\n    IF x <> 1 THEN\n    BEGIN\n        x := x + 2;\n    END\n"
        "    ELSE\n    BEGIN\n        y := 0;\n    END;\nEND.\n",
    ),
    (
        "pascal",
        "BEGIN\n      WHILE i<=10 DO\n  BEGIN\n WriteLn (i) ;\n    i:=i+1\n END\nEND.",
        "BEGIN\n    WHILE i <= 10 DO\n    BEGIN\n        WriteLn(i);\n        i := i + 1\n"
        "    END\nEND.\n",
    ),
    (
        "pascal",
        "REPEAT\nx:=x-1\nUNTIL x<=0;\n",
        "REPEAT\n    x := x - 1\nUNTIL x <= 0;\n",
    ),
    (
        "stack",
        ": square DUP * ;  \n:  cube   DUP DUP *  * ;\n",
        ": square DUP * ;\n:  cube   DUP DUP *  * ;\n",
    ),
    ("stack", ":  sq\nDUP *\n;\n2 3 + .  \\ sum\n", ":  sq\n    DUP *\n;\n2 3 + .  \\ sum\n"),
]

BRACES_STYLE = [
    (
        "js",
        "function f(a,b){\nif(a>b){\nreturn a-b;\n}else{\nlet x=[1,2 ,3];\n}\n}\n",
        "function f(a, b) {\n    if (a > b) {\n        return a - b;\n    } else {\n"
        "        let x = [1, 2, 3];\n    }\n}\n",
    ),
    ("js", "i++;\nx = a ? b : c;\ny=-x;\n", "i++;\nx = a ? b : c;\ny = -x;\n"),
    (
        "js",
        "{\n/* block\n     keeps   \n   its lines */\nx = 1;\n}\n",
        "{\n    /* block\n     keeps   \n   its lines */\n    x = 1;\n}\n",
    ),
]

INDENT_STYLE = [
    (
        "python",
        "def f(a,b):\n  if a>b :\n        return a-b\n  \n  else:\n        return -1\n",
        "def f(a, b):\n    if a > b:\n        return a - b\n\n    else:\n        return -1\n",
    ),
    (
        "python",
        "def f():\n  x = [1,\n 2,\n      3]\n  print( x[0] , 'a = b' )\n",
        "def f():\n    x = [1,\n        2,\n        3]\n    print(x[0], 'a = b')\n",
    ),
    (
        "python",
        'def f():\n\tdoc = """keep  \n   this   \n"""\n\treturn doc\n',
        'def f():\n    doc = """keep  \n   this   \n"""\n    return doc\n',
    ),
    (
        "teach",
        "### a block\n  comment ###\nteach f(x):\n   when x<1:\n         give_back x\n",
        "### a block\n  comment ###\nteach f(x):\n    when x < 1:\n        give_back x\n",
    ),
]

SEXPR_STYLE = [
    (
        "lisp",
        "(define (square x)\n(* x x))\n",
        "(define (square x)\n    (* x x))\n",
    ),
    (
        "lisp",
        "(define (f n)\n  (if (<= n 1)\n1\n  (- n 1)))\n; done\n",
        "(define (f n)\n    (if (<= n 1)\n        1\n        (- n 1)))\n; done\n",
    ),
    ("lisp", '( display  "a  b" )\n#| x\n  y |#\n', '(display  "a  b")\n#| x\n  y |#\n'),
]

NONE_STYLE = [
    ("plain", "  let x=1+2\n    show  x MOD 3\n", "let x = 1 + 2\nshow x MOD 3\n"),
    ("plain", "let y = f(\n1,\n2)\n", "let y = f(\n    1,\n    2)\n"),
]

SPACING = [
    ("pascal", "x:=a  MOD  b DIV c;\n", "x := a MOD b DIV c;\n"),
    ("pascal", "IF a<>b THEN x:=a<=b;\n", "IF a <> b THEN x := a <= b;\n"),
    ("pascal", "x:=a**b;\n", "x := a ** b;\n"),
    ("pascal", "x := a ** b;\n", "x := a ** b;\n"),
    ("pascal", "f( a ,b , c );\n", "f(a, b, c);\n"),
    ("pascal", "x := ( a + b ) * c [ 1 ];\n", "x := (a + b) * c[1];\n"),
    (
        "pascal",
        "x:=- y;\nz:=-1;\nw := a * -b;\nf(-x);\n",
        "x := -y;\nz := -1;\nw := a * -b;\nf(-x);\n",
    ),
    ("pascal", "x := NOT y;\nz := NOT(y);\n", "x := NOT y;\nz := NOT(y);\n"),
    ("pascal", "x := a -1;\n", "x := a -1;\n"),
    ("pascal", "p . next := nil;\nEND .\n", "p.next := nil;\nEND.\n"),
    ("pascal", "a : ARRAY[1..10] OF INTEGER;\n", "a : ARRAY[1..10] OF INTEGER;\n"),
    ("pascal", "count    : INTEGER;\nn\t: REAL;\n", "count    : INTEGER;\nn\t: REAL;\n"),
    ("python", "x = a and  b or not c\n", "x = a and b or not c\n"),
    ("python", "f(*args)\n", "f(*args)\n"),
    ("js", "a.b . c( d ) ;\n", "a.b.c(d);\n"),
    ("basic", "20 LET A=1:B=2\n", "20 LET A = 1: B = 2\n"),
    ("basic", "30 PRINT -1,STR$(A)\n", "30 PRINT -1, STR$(A)\n"),
]

UNTOUCHED = [
    ("pascal", "x := 'a:=b<>c**d<=e , ( f )';\n"),
    ("pascal", "x := 1;   // a  :=  b\n"),
    ("pascal", "(* box ┌─┐ — naïve *)\nx := 'héllo — 😀';\n"),
    ("python", "s = 'x=1' + \"y , z\"\n"),
    ("basic", '10 REM x:=1  +2  ,  ( y )\n20 PRINT "A<>B"; A\n'),
    ("lisp", "(define (f x) (number->string x))\n"),
    ("js", "x = `a  +  b`;\n"),
    ("stack", ": sq DUP * ;\n"),
]

DOCUMENT = [
    ("pascal_ci", "", ""),
    ("pascal_ci", "  \n\t\n", ""),
    ("pascal_ci", "begin\nend.", "BEGIN\nEND.\n"),
    ("pascal_ci", "begin\nend.\n\n\n", "BEGIN\nEND.\n"),
    ("pascal_ci", "\n\nbegin\n\n\n\nx:=1;\n\nend.\n", "BEGIN\n\n    x := 1;\n\nEND.\n"),
    ("pascal_ci", "x:=1;   \ny:=2;\t\n", "x := 1;\ny := 2;\n"),
    ("pascal_ci", "begin\r\nx:=1;\r\nend.\r\n", "BEGIN\r\n    x := 1;\r\nEND.\r\n"),
    ("pascal_ci", "begin\r\nx:=1;\nend.\r\n", "BEGIN\r\n    x := 1;\r\nEND.\r\n"),
    ("pascal_ci", "begin\nx:=1;\r\nend.\n", "BEGIN\n    x := 1;\nEND.\n"),
    ("pascal_ci", "begin\n\t\tx:=1;\nend.\n", "BEGIN\n    x := 1;\nEND.\n"),
    ("basic", "   10 PRINT 1\n20    PRINT 2\n", "10 PRINT 1\n20 PRINT 2\n"),
    ("basic", "10 REMAINDER=1\n", "10 REMAINDER = 1\n"),
]


@pytest.mark.parametrize(
    ("lang", "before", "after"),
    KEYWORD_STYLE + BRACES_STYLE + INDENT_STYLE + SEXPR_STYLE + NONE_STYLE + SPACING + DOCUMENT,
)
def test_layout(lang: str, before: str, after: str) -> None:
    """Each input formats to the expected text, the edits rebuild it, and it is idempotent."""
    result = fmt(lang, before)
    assert result.refused is None
    assert result.text == after
    assert result.changed == (after != before)
    assert apply(before, result.edits) == after
    assert fmt(lang, after).text == after


@pytest.mark.parametrize(("lang", "text"), UNTOUCHED)
def test_untouched(lang: str, text: str) -> None:
    """Strings, comments, compound operators and symbol keywords are left exactly as written."""
    result = fmt(lang, text)
    assert (result.text, result.changed, result.edits, result.refused) == (text, False, (), None)


@pytest.mark.parametrize(
    ("options", "after"),
    [
        ({"indent_width": 2}, "BEGIN\n  x := 1;\n  BEGIN\n    y := 2\n  END\nEND\n"),
        ({"use_tabs": True}, "BEGIN\n\tx := 1;\n\tBEGIN\n\t\ty := 2\n\tEND\nEND\n"),
        (
            {"keyword_case_from_spec": False},
            "begin\n    x := 1;\n    Begin\n        y := 2\n    end\nEND\n",
        ),
    ],
)
def test_options(options: dict[str, object], after: str) -> None:
    """Indent width, tabs and keyword case follow the options."""
    before = "begin\n\tx:=1;\n  Begin\ny:=2\n    end\nEND"
    assert fmt("pascal_ci", before, **options).text == after


@pytest.mark.parametrize(
    ("max_blank", "after"),
    [(0, "x := 1;\ny := 2;\n"), (1, "x := 1;\n\ny := 2;\n"), (2, "x := 1;\n\n\ny := 2;\n")],
)
def test_blank_runs(max_blank: int, after: str) -> None:
    """A run of blank lines is cut to `max_blank_lines`."""
    assert fmt("pascal", "x:=1;\n\n\n\n\ny:=2;\n", max_blank_lines=max_blank).text == after


@pytest.mark.parametrize(
    ("lang", "text", "reason"),
    [
        (
            "pascal",
            "x := 'abc;\ny := 1;\n",
            "cannot format: unterminated string ''abc;' at line 1 "
            "(formatting could move code into or out of it)",
        ),
        (
            "pascal",
            "x:=1;\n(* open\ny := 1;\n",
            "cannot format: unterminated block comment '(* open' at line 2 "
            "(formatting could move code into or out of it)",
        ),
        (
            "python",
            'x = """doc\ny=1\n',
            'cannot format: unterminated string \'"""doc\' at line 1 '
            "(formatting could move code into or out of it)",
        ),
        (
            "rubyish",
            "x = 1\ny = Range . new(1)\n",
            "formatting would change the program: token 6 'Range' became 'Range.new' at line 2",
        ),
    ],
)
def test_refused(lang: str, text: str, reason: str) -> None:
    """Broken input and layouts that would change the tokens are refused, input unchanged."""
    result = fmt(lang, text)
    assert result == FormatResult(text, (), changed=False, refused=reason)


def test_edits_are_per_line() -> None:
    """Only changed lines produce edits, each limited to the part that differs."""
    before = "BEGIN\n    x := 1;\n    y:=2;\n    z := 3;\n    w:=4;\nEND.\n"
    result = fmt("pascal", before)
    assert result.edits == (TextEdit(23, 25, " := "), TextEdit(45, 47, " := "))
    assert apply(before, result.edits) == result.text


def test_crlf_edits_never_split_a_line_break() -> None:
    """An edit boundary never falls between the CR and LF of a CRLF."""
    before = "x:=1;  \r\ny := 2;\r\n"
    result = fmt("pascal", before)
    assert result.text == "x := 1;\r\ny := 2;\r\n"
    for edit in result.edits:
        assert before[edit.start - 1 : edit.start + 1] != "\r\n"
        assert before[edit.end - 1 : edit.end + 1] != "\r\n"
    assert apply(before, result.edits) == result.text


RANGE_INPUT = "BEGIN\nx:=1;\ny:=2;\nz:=3;\nEND.\n"


@pytest.mark.parametrize(
    ("start", "end", "after"),
    [
        (12, 17, "BEGIN\nx:=1;\n    y := 2;\nz:=3;\nEND.\n"),
        (8, 14, "BEGIN\n    x := 1;\n    y := 2;\nz:=3;\nEND.\n"),
        (14, 14, "BEGIN\nx:=1;\n    y := 2;\nz:=3;\nEND.\n"),
        (12, 18, "BEGIN\nx:=1;\n    y := 2;\nz:=3;\nEND.\n"),
        (0, 99, "BEGIN\n    x := 1;\n    y := 2;\n    z := 3;\nEND.\n"),
        (0, 5, RANGE_INPUT),
    ],
)
def test_format_range(start: int, end: int, after: str) -> None:
    """Only the lines the range intersects change; the edits stay inside them."""
    result = format_range(PASCAL, RANGE_INPUT, start, end, FormatOptions())
    assert result.text == after
    assert result.changed == (after != RANGE_INPUT)
    assert apply(RANGE_INPUT, result.edits) == after


def test_format_range_refuses_broken_input() -> None:
    """Range formatting is refused like whole-document formatting on an unterminated string."""
    result = format_range(PASCAL, "x:=1;\ny := 'abc\n", 0, 3)
    assert result.refused is not None
    assert result.text == "x:=1;\ny := 'abc\n"


def test_zero_indent_width_keeps_indentation_blocks() -> None:
    """An indent width below 1 counts as 1, so an indentation language keeps its blocks."""
    result = fmt("python", "if x:\n        y=1\nz=2\n", indent_width=0)
    assert (result.text, result.refused) == ("if x:\n y = 1\nz = 2\n", None)


def test_default_options() -> None:
    """Without options the defaults apply: four spaces, one blank line, spec keyword case."""
    assert format_text(PASCAL_CI, "begin\nx:=1\nend").text == "BEGIN\n    x := 1\nEND\n"


def test_ten_thousand_lines_format_and_stay_stable() -> None:
    """A 10,000-line program formats without refusal and the result is stable."""
    block = "BEGIN\nIF x<>1 THEN\nBEGIN\nx:=x+f( a ,b );  // c\nEND\nELSE\n  y:=x MOD 3;\nEND;\n"
    text = block * 1250
    result = fmt("pascal", text)
    assert result.refused is None
    assert result.text.count("\n") == 10000
    assert fmt("pascal", result.text).changed is False
