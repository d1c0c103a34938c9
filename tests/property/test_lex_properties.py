"""Properties of the lexer on arbitrary text."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.lex import lex, with_whitespace
from server.engine.spec import Builtin, Keyword, LanguageSpec, Operator

SPECS = [
    LanguageSpec(
        name="pascal",
        keywords=(Keyword("begin", "BEGIN"), Keyword("end", "END"), Keyword("def", ":")),
        builtins=(Builtin("WriteLn", "print"), Builtin("STR$", "str")),
        operators=(Operator(":="), Operator("MOD")),
        line_comments=("//", "REM"),
        block_comments=(("(*", "*)"), ("###", "###")),
        string_delimiters=("'", '"""', '"'),
        line_numbers=True,
        case_sensitive=False,
    ),
    LanguageSpec(name="bare", string_delimiters=(), escape_char=None),
    LanguageSpec(name="odd", line_comments=("'",), string_delimiters=("'",), escape_char="'"),
]

TEXT = st.text(
    alphabet=st.sampled_from(list("BEGINEND:=MOD'\"#(*)/ \t\n\r\\x1.𝄞é\x00;RE")) | st.characters(),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, which=st.integers(min_value=0, max_value=len(SPECS) - 1))
def test_lexer_never_raises_and_covers_input(text: str, which: int) -> None:
    """On any text the lexer returns ordered tokens that, with the whitespace, rebuild it."""
    tokens = lex(SPECS[which], text)
    assert all(t.end > t.start for t in tokens)
    full = with_whitespace(tokens, text)
    assert "".join(t.text for t in full) == text
    for a, b in itertools.pairwise(full):
        assert a.end == b.start
    gaps = [t.text for t in full if t.kind.name == "WHITESPACE"]
    assert all(g.strip() == "" and "\n" not in g and "\r" not in g for g in gaps)
