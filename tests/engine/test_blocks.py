"""Block structure and line depths for every block style (PARSERCRAFT.md §12.8)."""

from __future__ import annotations

import pytest

from server.engine.blocks import BlockStructure, block_structure
from server.engine.lex import lex
from server.engine.spec import Blocks, Keyword, LanguageSpec


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(Keyword(original, custom) for original, custom in pairs)


TEACH = LanguageSpec(
    name="teach",
    keywords=_kws(("def", "teach"), ("if", "when"), ("else", "otherwise"), ("elif", "or_when")),
    line_comments=("#",),
    block_comments=(("###", "###"),),
    blocks=Blocks("indent"),
)
PASCAL = LanguageSpec(
    name="pascal",
    keywords=_kws(
        ("begin", "BEGIN"),
        ("end", "END"),
        ("if", "IF"),
        ("then", "THEN"),
        ("else", "ELSE"),
        ("while", "WHILE"),
        ("do", "DO"),
        ("repeat", "REPEAT"),
        ("until", "UNTIL"),
        ("var", "VAR"),
    ),
    line_comments=("//",),
    block_comments=(("(*", "*)"),),
    string_delimiters=("'",),
    statement_terminator=";",
    case_sensitive=False,
    blocks=Blocks("keywords", (("BEGIN", "END"), ("REPEAT", "UNTIL"))),
)
BASIC = LanguageSpec(
    name="basic",
    keywords=_kws(
        ("if", "IF"),
        ("then", "THEN"),
        ("else", "ELSE"),
        ("while", "WHILE"),
        ("endwhile", "WEND"),
        ("for", "FOR"),
        ("to", "TO"),
        ("next", "NEXT"),
        ("end", "END"),
    ),
    line_comments=("REM",),
    statement_terminator=":",
    line_numbers=True,
    blocks=Blocks("keywords", (("WHILE", "WEND"), ("FOR", "NEXT"), ("IF", "END IF"))),
)
RUBY = LanguageSpec(
    name="ruby",
    keywords=_kws(
        ("if", "if"),
        ("then", "then"),
        ("else", "else"),
        ("elsif", "elsif"),
        ("while", "while"),
        ("do", "do"),
        ("function", "def"),
        ("end", "end"),
        ("class", "class"),
    ),
    line_comments=("#",),
    blocks=Blocks(
        "keywords",
        (("def", "end"), ("if", "end"), ("while", "end"), ("do", "end"), ("class", "end")),
    ),
)
BRACES = LanguageSpec(
    name="c",
    keywords=_kws(("if", "if"), ("else", "else")),
    line_comments=("//",),
    block_comments=(("/*", "*/"),),
    blocks=Blocks("braces"),
)
LISP = LanguageSpec(name="lisp", line_comments=(";",), blocks=Blocks("sexpr"))
FORTH = LanguageSpec(
    name="forth",
    keywords=_kws(("def", ":"), ("end", ";")),
    line_comments=("\\",),
    blocks=Blocks("keywords", ((":", ";"),)),
)
NONE = LanguageSpec(name="none")


def _structure(spec: LanguageSpec, text: str) -> BlockStructure:
    return block_structure(spec, lex(spec, text), text)


DEPTHS = [
    (
        "indent header and body",
        TEACH,
        "teach f(a):\n    when a:\n        x\n    otherwise:\n        y\nz\n",
        (0, 1, 2, 1, 2, 0, 0),
    ),
    (
        "whitespace-only and comment lines never close a block",
        TEACH,
        "when a:\n    x\n    \n# note\n    y\nz\n",
        (0, 1, 1, 1, 1, 0, 0),
    ),
    ("bracketed literal spans lines", TEACH, "x = [1,\n  2,\n]\ny\n", (0, 1, 0, 0, 0)),
    (
        "multi-line header in brackets",
        TEACH,
        "teach f(a,\n    b):\n    give\n",
        (0, 1, 1, 0),
    ),
    (
        "pascal begin/end with dedented END",
        PASCAL,
        "BEGIN\n  IF x THEN\n  BEGIN\n    y;\n  END;\nEND.\n",
        (0, 1, 1, 2, 1, 0, 0),
    ),
    (
        "pascal ELSE under BEGIN is not a dedent; statements hang off THEN and ELSE",
        PASCAL,
        "BEGIN\n  IF x THEN\n    a\n  ELSE\n    b;\nEND.",
        (0, 1, 2, 1, 2, 0),
    ),
    ("pascal repeat/until", PASCAL, "REPEAT\n  x;\nUNTIL y;\n", (0, 1, 0, 0)),
    (
        "pascal VAR section entries and a DO body",
        PASCAL,
        "VAR\n  n : INTEGER;\nBEGIN\n  WHILE n DO\n    n;\n  WHILE n DO\n  BEGIN\n  END;\nEND.",
        (0, 1, 0, 1, 2, 1, 1, 1, 0),
    ),
    (
        "basic FOR/NEXT and multi-word END IF with ELSE",
        BASIC,
        "10 FOR I = 1 TO 3\n20 IF I THEN\n30 PRINT 1\n40 ELSE\n50 PRINT 2\n60 END IF\n70 NEXT I\n",
        (0, 1, 2, 1, 2, 1, 0, 0),
    ),
    ("basic one-line IF opens nothing", BASIC, "10 IF X THEN PRINT 1\n20 PRINT 2\n", (0, 0, 0)),
    (
        "ruby modifier if and while-do",
        RUBY,
        "def f\n  x if y\n  while z do\n    w\n  end\nend\n",
        (0, 1, 1, 2, 1, 0, 0),
    ),
    (
        "ruby elsif/else under if dedent",
        RUBY,
        "if a\n  1\nelsif b\n  2\nelse\n  3\nend\n",
        (0, 1, 0, 1, 0, 1, 0, 0),
    ),
    (
        "braces with call continuation",
        BRACES,
        "if (x) {\n  f(1,\n    2);\n} else {\n  y;\n}\n",
        (0, 1, 2, 0, 1, 0, 0),
    ),
    ("sexpr paren depth", LISP, "(define (f x)\n  (+ x\n     1))\n", (0, 1, 2, 0)),
    ("forth colon definition", FORTH, ": sq\n  dup *\n;\n", (0, 1, 0, 0)),
    ("none style: brackets only", NONE, "f(\n  1\n)\n", (0, 1, 0, 0)),
]


@pytest.mark.parametrize(
    ("spec", "text", "depths"), [case[1:] for case in DEPTHS], ids=[c[0] for c in DEPTHS]
)
def test_line_depths(spec: LanguageSpec, text: str, depths: tuple[int, ...]) -> None:
    """Each line gets the indentation level a formatter should give it."""
    assert _structure(spec, text).line_depths == depths


PROBLEMS = [
    ("unclosed BEGIN", PASCAL, "BEGIN\n  x;\n", ["PC100"], "BEGIN"),
    ("END without BEGIN", PASCAL, "x;\nEND;\n", ["PC101"], "END"),
    (
        "NEXT closes FOR over an open WHILE",
        BASIC,
        "10 FOR I\n20 WHILE X\n30 NEXT I\n",
        ["PC102"],
        "NEXT",
    ),
    ("unclosed paren", PASCAL, "BEGIN f(1; END.", ["PC103"], "("),
    ("unmatched bracket", TEACH, "x = 1]\n", ["PC104"], "]"),
    ("unexpected brace", BRACES, "}\n", ["PC101"], "}"),
    ("indent header without body", TEACH, "when x:\ny\n", ["PC100"], ":"),
    ("balanced program has no problems", PASCAL, "BEGIN f(1); END.", [], ""),
]


@pytest.mark.parametrize(
    ("spec", "text", "codes", "ranged"), [c[1:] for c in PROBLEMS], ids=[c[0] for c in PROBLEMS]
)
def test_problems(spec: LanguageSpec, text: str, codes: list[str], ranged: str) -> None:
    """Unbalanced blocks and brackets get stable codes; the range covers the culprit."""
    problems = _structure(spec, text).problems
    assert [p.code for p in problems] == codes
    if problems:
        assert text[problems[0].start : problems[0].end] == ranged


def test_mismatch_message_names_expected_closer() -> None:
    """PC102 says which closer the innermost block wanted."""
    (problem,) = _structure(BASIC, "10 FOR I\n20 WHILE X\n30 NEXT I\n").problems
    assert "WEND" in problem.message and "WHILE" in problem.message


def test_multiword_closer_consumes_both_words() -> None:
    """`END IF` closes the IF block and its IF does not open a new one."""
    result = _structure(BASIC, "10 IF X THEN\n20 PRINT 1\n30 END IF\n")
    (block,) = result.blocks
    assert block.close_token is not None and not result.problems


def test_blocks_record_offsets() -> None:
    """A block records its opener and closer spans and its kind."""
    text = "BEGIN x; END."
    (block,) = _structure(PASCAL, text).blocks
    assert (text[block.open_start : block.open_end], block.kind) == ("BEGIN", "keyword")
    assert block.close_start is not None and block.close_end is not None
    assert text[block.close_start : block.close_end] == "END"


def test_verbatim_lines_inside_block_comment() -> None:
    """Lines that start inside a multi-line comment are marked verbatim."""
    result = _structure(BRACES, "{\n  /* a\n  b\n  */ x;\n}\n")
    assert result.verbatim_lines == frozenset({2, 3})


def test_one_depth_per_line_even_with_crlf_and_trailing_text() -> None:
    """line_depths has one entry per `\\n`-separated line."""
    text = "BEGIN\r\n  x;\r\nEND."
    assert len(_structure(PASCAL, text).line_depths) == text.count("\n") + 1


@pytest.mark.parametrize("spec", [TEACH, PASCAL, BASIC, RUBY, BRACES, LISP, FORTH, NONE])
def test_deep_nesting_is_fine(spec: LanguageSpec) -> None:
    """Thousands of nested brackets neither recurse nor raise."""
    text = "(" * 5000 + "x" + ")" * 4000
    result = _structure(spec, text)
    assert len(result.line_depths) == 1 and result.problems
