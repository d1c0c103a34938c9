"""The S-expression block scan agrees with the general block scanner on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.blocks import _Scanner, block_structure
from server.engine.lex import lex
from server.engine.spec import Blocks, Keyword, LanguageSpec

LISP = LanguageSpec(
    name="lisp",
    keywords=(Keyword("define", "define"), Keyword("if", "if"), Keyword("else", "else")),
    line_comments=(";",),
    block_comments=(("#|", "|#"),),
    string_delimiters=('"',),
    blocks=Blocks("sexpr"),
)

PIECES = st.sampled_from(
    ["(", ")", "[", "]", "{", "}", " ", "\n", "x", "define", "if", "else", "1", "'", ";c\n",
     '"s\nt"', "#|a\nb|#", "\t", "end", ":"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=st.lists(PIECES, max_size=60).map("".join))
def test_paren_scan_matches_the_general_scanner(text: str) -> None:
    """Same blocks, line depths, verbatim lines and problems (codes, spans and messages)."""
    tokens = lex(LISP, text)
    fast = block_structure(LISP, tokens, text)
    general = _Scanner(LISP, tokens, text).run(hanging=True)
    assert fast == general
