"""The PEG engine: notation, matching semantics, errors, grammar problems and limits."""

from __future__ import annotations

import gc

import pytest

from server.engine.diagnostic import Severity
from server.engine.peg import PegNode, compile_grammar, parse
from server.engine.spec import Grammar

BASIC_RULES = (
    ("program", "statement* EOF"),
    ("statement", "print_stmt / let_stmt / if_stmt / while_stmt / for_stmt"),
    ("print_stmt", "'PRINT' expr (';' expr)*"),
    ("let_stmt", "'LET' IDENT '=' expr"),
    ("if_stmt", "'IF' expr 'THEN' block ('ELSE' block)? 'END' 'IF'"),
    ("while_stmt", "'WHILE' expr block 'WEND'"),
    ("for_stmt", "'FOR' IDENT '=' expr 'TO' expr block 'NEXT' IDENT?"),
    ("block", "statement*"),
    ("expr", "comparison"),
    ("comparison", "sum (('<=' / '>=' / '<>' / '=' / '<' / '>') sum)*"),
    ("sum", "product (('+' / '-') product)*"),
    ("product", "unary (('*' / '/' / 'MOD') unary)*"),
    ("unary", "'-' unary / primary"),
    ("primary", "NUMBER / STRING / '(' expr ')' / !keyword IDENT"),
    (
        "keyword",
        "'PRINT' / 'LET' / 'IF' / 'THEN' / 'ELSE' / 'END' / 'WHILE' / 'WEND' / 'FOR' / 'TO'"
        " / 'NEXT' / 'MOD'",
    ),
)
BASIC = Grammar(name="basic", comments=(r"\bREM\b.*", "'.*"), rules=BASIC_RULES)
SAMPLE = """REM sums the even numbers
LET total = 0
FOR i = 1 TO 10
  IF i MOD 2 = 0 THEN
    LET total = total + i * (2 - -1)
  ELSE
    PRINT "odd"; i ' not counted
  END IF
NEXT i
WHILE total > 0
  LET total = total - 1
WEND
PRINT total
"""
OPERAND = ("'('", "'-'", "NUMBER", "STRING")
ANY_OPERAND = ("'('", "'-'", "IDENT", "NUMBER", "STRING")


def grammar(
    pattern: str,
    *extra: tuple[str, str],
    skip_whitespace: bool = True,
    comments: tuple[str, ...] = ("//.*",),
) -> Grammar:
    """A grammar whose start rule `program` is `pattern`, plus `extra` rules."""
    rules = (("program", pattern), *extra)
    return Grammar(skip_whitespace=skip_whitespace, comments=comments, rules=rules)


def matches(
    pattern: str,
    text: str,
    *extra: tuple[str, str],
    skip_whitespace: bool = True,
    comments: tuple[str, ...] = ("//.*",),
) -> bool:
    """Whether `text` parses with start pattern `pattern`."""
    compiled = compile_grammar(
        grammar(pattern, *extra, skip_whitespace=skip_whitespace, comments=comments)
    )
    return parse(compiled, text).ok


@pytest.mark.parametrize(
    ("pattern", "text", "ok"),
    [
        ("'a' 'b' EOF", "a b", True),
        ("'a' 'b' EOF", "a", False),
        ("('a' / 'a' 'b') EOF", "a b", False),
        ("('a' 'b' / 'a') EOF", "a", True),
        ("'x'* EOF", "", True),
        ("'x'* EOF", "x x x", True),
        ("'x'+ EOF", "", False),
        ("'x'+ EOF", "x", True),
        ("'x'? 'y' EOF", "y", True),
        ("'x'? 'y' EOF", "x y", True),
        ("&'1' NUMBER EOF", "12", True),
        ("&'1' NUMBER EOF", "21", False),
        ("!'END' IDENT EOF", "ENDX", True),
        ("!'END' IDENT EOF", "END", False),
        ("('a' / 'b') 'c' EOF", "b c", True),
        ("('a' / 'b' 'c' EOF", "b c", True),
        (". . EOF", "ab", True),
        (". . EOF", "a b", False),
        ("[a-c]+ EOF", "abc", True),
        ("[a-c]+ EOF", "abd", False),
        ("[a-c] [a-c] EOF", "a b", False),
        ("[]a]+ EOF", "]a", True),
        ("[^]]+ EOF", "ab", True),
        ("@first:'a' EOF", "a", True),
        ("('a' { return 1 } / 'b') EOF", "b", True),
        ("!'a'* 'a' EOF", "a", True),
        ("('x'?)* 'y' EOF", "y", True),
        ("'\\n' EOF", "\\n", True),
        ("'\\n' EOF", "\n", False),
        ("other EOF", "a", False),
        ("item EOF", "a", True),
    ],
)
def test_operators(pattern: str, text: str, ok: bool) -> None:
    """Sequence, ordered choice, repetition, look-ahead, groups, classes, labels, actions."""
    assert matches(pattern, text, ("item", "'a'")) is ok


@pytest.mark.parametrize(
    ("pattern", "text", "ok"),
    [
        ("'PRINT' EOF", "print", False),
        ("'PRINT' EOF", "PRINT", True),
        ("'END' EOF", "ENDIF", False),
        ("'END' 'IF' EOF", "END IF", True),
        ("'END' EOF", "END_", False),
        ("('a' / 'b')+ EOF", "ab", False),
        ("('a' / 'b')+ EOF", "a b", True),
        ("'=' '=' EOF", "==", True),
        ("'a1' IDENT EOF", "a1b", True),
    ],
)
def test_literal_case_and_boundary(pattern: str, text: str, ok: bool) -> None:
    """Literals are case-sensitive; only purely alphabetic ones need a word boundary."""
    assert matches(pattern, text) is ok


@pytest.mark.parametrize(
    ("pattern", "text", "ok"),
    [
        ("NUMBER EOF", "1.5e3", True),
        ("NUMBER EOF", "42", True),
        ("NUMBER EOF", ".5", False),
        ("NUMBER EOF", "0x1F", False),
        ("NUMBER EOF", "-1", False),
        ("STRING EOF", '"a\\"b"', True),
        ("STRING EOF", "'single'", True),
        ("STRING EOF", '"two\nlines"', True),
        ("STRING EOF", '"open', False),
        ("IDENT EOF", "IF", True),
        ("IDENT EOF", "café_2", True),
        ("IDENT EOF", "x$", False),
        ("IDENT EOF", "2x", False),
        ("'a' NEWLINE 'b' EOF", "a\nb", False),
        ("INDENT EOF", "", False),
        ("DEDENT? EOF", "", True),
        ("'a' EOF", "a  \n\t", True),
    ],
)
def test_tokens(pattern: str, text: str, ok: bool) -> None:
    """Built-in tokens match as documented; NEWLINE is unreachable while skipping."""
    assert matches(pattern, text) is ok


@pytest.mark.parametrize(
    ("pattern", "text", "skip", "comments", "ok"),
    [
        ("'a' NEWLINE 'b' EOF", "a\nb", False, (), True),
        ("'a' NEWLINE 'b' EOF", "a\r\nb", False, (), True),
        ("'a' 'b' EOF", "a b", False, (), False),
        ("'a' 'b' EOF", "a // note\n b", True, ("//.*",), True),
        ("'a' 'b' EOF", "a // note\n b", False, ("//.*",), False),
        ("'a' EOF", "a // trailing", True, ("//.*",), True),
        ("'a'", "a // trailing", True, ("//.*",), True),
        ("'a' 'b'", "a # x\n # y\n b", True, ("#.*",), True),
        ("'a' 'b'", "a (* x *) b", True, (r"\(\*.*?\*\)",), True),
        ("IDENT '=' NUMBER", "REMAINDER = 1", True, (r"\bREM\b.*",), True),
        ("IDENT", "x REM note", True, (r"\bREM\b.*",), True),
        ("IDENT", "x REMARK", True, (r"\bREM\b.*",), False),
        ("'a'", "a", True, ("x?",), True),
    ],
)
def test_whitespace_and_comment_skipping(
    pattern: str, text: str, skip: bool, comments: tuple[str, ...], ok: bool
) -> None:
    """Whitespace and comment regexes are skipped before tokens, including trailing ones."""
    assert matches(pattern, text, skip_whitespace=skip, comments=comments) is ok


@pytest.mark.parametrize(
    ("rules", "text", "offset", "expected", "code"),
    [
        (BASIC_RULES, "LET x = ", 8, ANY_OPERAND, "PEG001"),
        (BASIC_RULES, "LET x = END", 8, OPERAND, "PEG001"),
        (
            BASIC_RULES,
            "FOO",
            0,
            ("'FOR'", "'IF'", "'LET'", "'PRINT'", "'WHILE'", "end of input"),
            "PEG001",
        ),
        (BASIC_RULES, "IF x THEN PRINT 1 END", 21, ("'IF'",), "PEG001"),
        ((("program", "'a'"),), "a b", 2, ("end of input",), "PEG002"),
        ((("program", "'a'*"),), "a a b", 4, ("'a'", "end of input"), "PEG002"),
        ((("program", "'a'* ';'?"),), "a a ; b", 6, ("end of input",), "PEG002"),
        ((("program", "!'x' IDENT"),), "x", 0, (), "PEG001"),
        (
            (("program", "!word 'x' / word EOF"), ("word", "'a' 'b'")),
            "a c",
            2,
            ("'b'",),
            "PEG001",
        ),
        ((("program", "[0-9] 'a'"),), "x", 0, ("[0-9]",), "PEG001"),
        ((("program", ". EOF"),), "", 0, ("any character",), "PEG001"),
    ],
)
def test_error_position_and_expected_set(
    rules: tuple[tuple[str, str], ...],
    text: str,
    offset: int,
    expected: tuple[str, ...],
    code: str,
) -> None:
    """Errors sit at the farthest failure with every item expected there, none under `!`."""
    result = parse(compile_grammar(Grammar(rules=rules, comments=(r"\bREM\b.*",))), text)
    assert (result.ok, result.error_offset, result.expected) == (False, offset, expected)
    assert [d.code for d in result.diagnostics] == [code]
    assert result.diagnostics[0].start == offset


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        (
            "LET x = ",
            "syntax error: expected '(', '-', IDENT, NUMBER or STRING, found end of input",
            (8, 8),
        ),
        (
            "LET x = WEND",
            "syntax error: expected '(', '-', NUMBER or STRING, found 'WEND'",
            (8, 12),
        ),
        (
            "PRINT 1 +\n)",
            "syntax error: expected '(', '-', IDENT, NUMBER or STRING, found ')'",
            (10, 11),
        ),
    ],
)
def test_syntax_error_message(text: str, message: str, span: tuple[int, int]) -> None:
    """PEG001 says what was expected and what was found, spanning the found piece."""
    (diag,) = parse(compile_grammar(BASIC), text).diagnostics
    assert (diag.message, (diag.start, diag.end), diag.severity) == (message, span, Severity.ERROR)


def test_trailing_input_message() -> None:
    """PEG002 reports input left after the start rule, expecting end of input."""
    (diag,) = parse(compile_grammar(grammar("'a'")), "a b").diagnostics
    assert diag.message == "unexpected input: expected end of input, found 'b'"


@pytest.mark.parametrize(
    ("rules", "start", "comments", "rule", "fragment"),
    [
        ((("program", "'a' b"),), "program", (), "program", "undefined rule 'b'"),
        ((("main", "'a'"),), "program", (), "program", "start rule is not defined"),
        (
            (("program", "program '+' NUMBER / NUMBER"),),
            "program",
            (),
            "program",
            "(program -> program)",
        ),
        ((("program", "b 'x'"), ("b", "program / 'y'")), "program", (), "b", "(b -> program -> b)"),
        ((("program", "'z'? program 'x' / 'y'"),), "program", (), "program", "left recursion"),
        (
            (("program", "b program / 'y'"), ("b", "'q'*")),
            "program",
            (),
            "program",
            "left recursion",
        ),
        ((("program", "!program 'x'"),), "program", (), "program", "left recursion"),
        ((("program", "'a' ; 'b'"),), "program", (), "program", "from ';' on is ignored"),
        ((("program", "'a', 'b'"),), "program", (), "program", "from ',' on is ignored"),
        ((("program", "'a' | 'b'"),), "program", (), "program", "from '|' on is ignored"),
        ((("program", "'a' # why"),), "program", (), "program", "from '#' on is ignored"),
        ((("program", "('a' 'b'"),), "program", (), "program", "missing ')'"),
        ((("program", "'a' !"),), "program", (), "program", "from '!' on is ignored"),
        ((("program", "'a"),), "program", (), "program", "unterminated literal"),
        ((("program", "[z-a]"),), "program", (), "program", "bad class [z-a]"),
        ((("program", "[[a]"),), "program", (), "program", "bad class [[a]"),
        ((("program", "'a'"),), "program", ("(",), "", "bad comment regex '('"),
        ((("program", "'a'\nb <- 'c'"),), "program", (), "program", "line 2 defines rule 'b'"),
        ((("program", "'a'\n'b'"),), "program", (), "program", "line 2 does not start"),
        ((("program", "NUMBER"), ("NUMBER", "[0-9]+")), "program", (), "NUMBER", "shadowed"),
        ((("program", "(" * 100 + "'a'"),), "program", (), "program", "nested deeper"),
    ],
)
def test_grammar_problems(
    rules: tuple[tuple[str, str], ...],
    start: str,
    comments: tuple[str, ...],
    rule: str,
    fragment: str,
) -> None:
    """Broken grammars compile into problems and PEG003 warnings, never exceptions."""
    compiled = compile_grammar(Grammar(start=start, comments=comments, rules=rules))
    assert any(p.rule == rule and fragment in p.message for p in compiled.problems)
    notes = [d for d in parse(compiled, "a").diagnostics if d.code == "PEG003"]
    assert notes and all(d.severity == Severity.WARNING for d in notes)


@pytest.mark.parametrize(
    ("rules", "column"),
    [
        ((("program", "'a' ; 'b'"),), 4),
        ((("program", "'a' b"),), 4),
        ((("program", "'a' ('b'"),), 4),
    ],
)
def test_problem_columns(rules: tuple[tuple[str, str], ...], column: int) -> None:
    """Pattern problems carry the 0-based column of the offending text."""
    (problem,) = compile_grammar(Grammar(rules=rules)).problems
    assert problem.column == column


@pytest.mark.parametrize(
    ("pattern", "text", "ok"),
    [
        ("'a'\n  'b'", "a b", True),
        ("'a'\n| 'b'", "a", True),
        ("'a'\n'b'", "a", True),
    ],
)
def test_multiline_patterns(pattern: str, text: str, ok: bool) -> None:
    """Indented continuation lines join the pattern; `|` lines truncate; flush lines drop."""
    assert matches(pattern, text) is ok


def test_left_recursion_fails_at_reentry() -> None:
    """A left-recursive rule falls through to its other alternatives instead of crashing."""
    compiled = compile_grammar(grammar("program '+' NUMBER / NUMBER"))
    result = parse(compiled, "1 + 2")
    assert (result.ok, result.error_offset) == (False, 2)
    assert [d.code for d in result.diagnostics] == ["PEG003", "PEG002"]
    assert parse(compiled, "7").ok


def test_missing_start_rule_parse() -> None:
    """Without a start rule nothing is parsed and only the grammar problem is reported."""
    result = parse(compile_grammar(Grammar(rules=(("main", "'a'"),))), "a")
    assert (result.ok, result.tree, result.error_offset) == (False, None, 0)
    assert [d.code for d in result.diagnostics] == ["PEG003"]


def test_budget_exhaustion() -> None:
    """A parse that needs more steps than `max_steps` stops with a PEG004 warning."""
    result = parse(compile_grammar(BASIC), SAMPLE, max_steps=20)
    (diag,) = result.diagnostics
    assert (result.ok, diag.code, diag.severity) == (False, "PEG004", Severity.WARNING)
    assert diag.message.startswith("grammar too expensive")
    assert parse(compile_grammar(BASIC), SAMPLE, max_steps=100_000).ok


@pytest.mark.parametrize(("depth", "ok"), [(300, True), (5000, False)])
def test_deep_nesting(depth: int, ok: bool) -> None:
    """Nesting beyond Python's recursion limit parses; beyond `max_depth` it is PEG004."""
    text = "PRINT " + "(" * depth + "1" + ")" * depth
    result = parse(compile_grammar(BASIC), text)
    assert result.ok is ok
    if not ok:
        assert [d.code for d in result.diagnostics] == ["PEG004"]
        assert result.diagnostics[0].message.startswith("nesting too deep")


def test_tree_shape() -> None:
    """Rule nodes start at their first non-skipped character; literals and tokens are leaves."""
    result = parse(compile_grammar(grammar("'LET' IDENT")), "  LET x ")
    assert result.tree == PegNode(
        "program",
        2,
        7,
        (PegNode("Operator", 2, 5, (), "literal"), PegNode("Identifier", 6, 7, (), "token")),
    )


def test_basic_sample_outline() -> None:
    """The BASIC-like sample parses; top-level statements give the outline."""
    result = parse(compile_grammar(BASIC), SAMPLE)
    assert (result.ok, result.diagnostics) == (True, ())
    outline = [
        (node.rule, SAMPLE[node.start : node.end].split(maxsplit=1)[0]) for node in result.top_level
    ]
    assert outline == [
        ("statement", "LET"),
        ("statement", "FOR"),
        ("statement", "WHILE"),
        ("statement", "PRINT"),
    ]


@pytest.mark.parametrize(
    ("broken", "at", "expected"),
    [
        (SAMPLE.replace("total + i", "total + "), "* (2", ("'('", "'-'", "NUMBER", "STRING")),
        (SAMPLE.replace("WEND", ""), "", ("'WEND'", "'PRINT'")),
        (SAMPLE.replace("END IF", "END"), "NEXT i", ("'IF'",)),
    ],
)
def test_basic_broken_program(broken: str, at: str, expected: tuple[str, ...]) -> None:
    """A broken BASIC program gets one precise error at the offending token."""
    result = parse(compile_grammar(BASIC), broken)
    assert result.error_offset == broken.rindex(at)
    assert set(expected) <= set(result.expected)
    assert [d.code for d in result.diagnostics] == ["PEG001"]


def test_compiled_grammar_is_cached() -> None:
    """Equal grammar records share one compiled grammar."""
    assert compile_grammar(Grammar(rules=BASIC_RULES)) is compile_grammar(
        Grammar(rules=BASIC_RULES)
    )


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_restored(enabled: bool) -> None:
    """A parse leaves automatic garbage collection as it found it."""
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        parse(compile_grammar(BASIC), SAMPLE)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
