"""Properties of the PEG engine: it never raises, and generated valid programs parse."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.peg import PegResult, compile_grammar, parse
from server.engine.spec import Grammar
from tests.engine.test_peg import BASIC

IDENTS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)  # keywords are upper-case
NUMBERS = st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,2})?", fullmatch=True)
STRINGS = st.from_regex(r'"[a-z !]{0,8}"', fullmatch=True)


def expressions() -> st.SearchStrategy[str]:
    """Well-formed BASIC expressions with nesting, unary minus and every operator."""
    atoms = st.one_of(IDENTS, NUMBERS, STRINGS)
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            st.builds(lambda e: f"({e})", inner),
            st.builds(lambda e: f"-{e}", inner),
            st.builds(
                lambda a, op, b: f"{a} {op} {b}",
                inner,
                st.sampled_from(["+", "-", "*", "/", "MOD", "<", "<=", "<>", "=", ">=", ">"]),
                inner,
            ),
        ),
        max_leaves=8,
    )


def statements() -> st.SearchStrategy[str]:
    """Well-formed BASIC statements, blocks nested a few levels deep."""
    expr = expressions()
    simple = st.one_of(
        st.builds(lambda e: f"PRINT {e}", expr),
        st.builds(lambda name, e: f"LET {name} = {e}", IDENTS, expr),
    )

    def blocks(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        body = st.lists(inner, max_size=3).map("\n".join)
        return st.one_of(
            st.builds(lambda c, b: f"IF {c} THEN\n{b}\nEND IF", expr, body),
            st.builds(lambda c, b, e: f"IF {c} THEN {b} ELSE {e} END IF", expr, body, body),
            st.builds(lambda c, b: f"WHILE {c}\n{b}\nWEND", expr, body),
            st.builds(
                lambda v, lo, hi, b: f"FOR {v} = {lo} TO {hi}\n{b}\nNEXT {v}",
                IDENTS,
                expr,
                expr,
                body,
            ),
        )

    return st.recursive(simple, blocks, max_leaves=6)


def check_bounds(result: PegResult, text: str) -> None:
    """Offsets in `result` lie within `text`; a failed parse names an error offset."""
    assert result.ok or result.error_offset is not None
    if result.error_offset is not None:
        assert 0 <= result.error_offset <= len(text)
    for diag in result.diagnostics:
        assert 0 <= diag.start <= diag.end <= len(text)
    for node in result.top_level:
        assert 0 <= node.start <= node.end <= len(text)


@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    """Any text gets a result whose error offset and spans lie within the text."""
    check_bounds(parse(compile_grammar(BASIC), text), text)


@given(st.text(alphabet="PRINTLEFWHDOX()=+-*<>'\" \n0123456789;REM", max_size=200))
def test_near_miss_text_never_raises(text: str) -> None:
    """BASIC-flavoured noise gets a result within the text as well."""
    check_bounds(parse(compile_grammar(BASIC), text), text)


@settings(deadline=None)
@given(st.lists(statements(), max_size=8), st.sampled_from(["\n", "\n\n", " REM note\n", " ' c\n"]))
def test_generated_programs_parse(lines: list[str], separator: str) -> None:
    """Generated valid programs parse, with one outline entry per top-level statement."""
    text = separator.join(lines) + separator
    result = parse(compile_grammar(BASIC), text)
    assert result.ok, result.diagnostics
    assert len(result.top_level) == len(lines)


PATTERN_TEXT = st.text(alphabet="ab'\"[]()/*+?&!.@:{};|# \\-^\nNUMBERIDENTEOF", max_size=40)


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["program", "a", "b"]), PATTERN_TEXT), max_size=4),
    st.lists(st.text(alphabet="ab()[]*+?\\.|^$", max_size=6), max_size=2),
    st.text(alphabet="ab 'x\"[]1\n", max_size=30),
    st.booleans(),
)
def test_arbitrary_grammars_never_raise(
    rules: list[tuple[str, str]], comments: list[str], text: str, skip: bool
) -> None:
    """Any rule text and comment regexes compile to problems, and parsing never raises."""
    grammar = Grammar(skip_whitespace=skip, comments=tuple(comments), rules=tuple(rules))
    check_bounds(parse(compile_grammar(grammar), text, max_steps=10_000), text)


@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=40))
def test_limits_never_raise(max_steps: int, max_depth: int) -> None:
    """Small step and depth limits end in a result, never an exception."""
    text = "PRINT ((1 + 2) * 3)\nFOR i = 1 TO 3\nPRINT i\nNEXT i\n"
    result = parse(compile_grammar(BASIC), text, max_steps=max_steps, max_depth=max_depth)
    check_bounds(result, text)
    assert result.ok or result.diagnostics[-1].code == "PEG004"
