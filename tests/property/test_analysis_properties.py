"""Properties of `analyze`: total on any text, in-range diagnostics, well-formed outlines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.engine.analysis import (
    OutlineSymbol,
    analyze,
    definition_at,
    hover_at,
    outline,
    references_at,
)
from server.engine.infer import type_at
from server.engine.spec import Blocks, Builtin, Grammar, Keyword, LanguageSpec, Operator


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(Keyword(original, custom) for original, custom in pairs)


SPECS = (
    LanguageSpec(
        name="teach",
        keywords=_kws(
            ("def", "teach"),
            ("return", "give_back"),
            ("let", "remember"),
            ("if", "when"),
            ("else", "otherwise"),
            ("for", "for"),
            ("in", "in"),
            ("import", "import"),
            ("class", "kind"),
            ("not", "opposite"),
            ("==", "equals"),
        ),
        builtins=(Builtin("say", "print"), Builtin("length_of", "len", 1, 1, return_type="int")),
        line_comments=("#",),
        block_comments=(("###", "###"),),
        blocks=Blocks("indent"),
    ),
    LanguageSpec(
        name="pascal",
        keywords=_kws(
            ("begin", "BEGIN"),
            ("end", "END"),
            ("var", "VAR"),
            ("type", "TYPE"),
            ("function", "FUNCTION"),
            ("if", "IF"),
            ("then", "THEN"),
            ("while", "WHILE"),
            ("do", "DO"),
            ("record", "RECORD"),
        ),
        builtins=(Builtin("WriteLn", "print", 0, 1),),
        operators=(Operator(":=", 2, "right"), Operator("+", 4), Operator("DIV", 5)),
        block_comments=(("(*", "*)"),),
        string_delimiters=("'",),
        statement_terminator=";",
        case_sensitive=False,
        blocks=Blocks("keywords", (("BEGIN", "END"), ("RECORD", "END"))),
    ),
    LanguageSpec(
        name="basic",
        keywords=_kws(
            ("if", "IF"),
            ("then", "THEN"),
            ("goto", "GOTO"),
            ("for", "FOR"),
            ("next", "NEXT"),
            ("end", "END"),
            ("var", "DIM"),
        ),
        builtins=(Builtin("PRINT", "print"), Builtin("STR$", "str", 1, 1)),
        line_comments=("REM",),
        statement_terminator=":",
        line_numbers=True,
        blocks=Blocks("keywords", (("FOR", "NEXT"), ("IF", "END IF"))),
    ),
    LanguageSpec(
        name="lisp",
        keywords=_kws(("define", "define"), ("function", "lambda"), ("let", "let"), ("true", "#t")),
        line_comments=(";",),
        block_comments=(("#|", "|#"),),
        blocks=Blocks("sexpr", (("(", ")"),)),
    ),
    LanguageSpec(
        name="stack",
        keywords=_kws(("def", ":"), ("end", ";")),
        builtins=(Builtin(".", "print"),),
        line_comments=("\\",),
        blocks=Blocks("keywords", ((":", ";"),)),
    ),
    LanguageSpec(
        name="braces",
        keywords=_kws(("if", "if")),
        blocks=Blocks("braces"),
        grammar=Grammar(rules=(("program", "IDENT*"),)),
    ),
)

FRAGMENTS = st.sampled_from(
    [
        "teach ",
        "f(",
        "a, b",
        "):",
        "\n",
        "    ",
        "give_back ",
        "BEGIN ",
        "END",
        ";",
        ".",
        ":=",
        "x",
        " = ",
        "1",
        "2.5",
        "'s'",
        '"t"',
        "(define ",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "IF ",
        "THEN ",
        "END IF",
        "FOR I",
        "NEXT",
        "10 ",
        "GOTO 10",
        ": sq",
        "###",
        "(*",
        "#|",
        "REM",
        "\t",
        "\r\n",
        "\x00",
        "😀",
        "VAR n : INTEGER",
        "TYPE P = RECORD",
        "kind K:",
        "opposite ",
        "equals ",
        "import m as q",
        "remember ",
        "say(",
        "length_of(",
        "WriteLn(",
    ]
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(FRAGMENTS, max_size=60).map("".join))


def _well_formed(symbol: OutlineSymbol) -> bool:
    return symbol.start <= symbol.selection_start <= symbol.selection_end <= symbol.end and all(
        _well_formed(child) for child in symbol.children
    )


@settings(max_examples=300, deadline=None)
@given(spec=st.sampled_from(SPECS), text=TEXTS)
def test_analyze_is_total_and_ranges_are_valid(spec: LanguageSpec, text: str) -> None:
    """Any text analyses; diagnostics lie in the text; outline ranges contain selections."""
    analysis = analyze(spec, text)
    assert all(0 <= d.start <= d.end <= len(text) for d in analysis.diagnostics)
    starts = [d.start for d in analysis.diagnostics]
    assert starts == sorted(starts)
    assert all(_well_formed(symbol) for symbol in outline(analysis))
    assert len(analysis.blocks.line_depths) == text.count("\n") + 1


@settings(max_examples=100, deadline=None)
@given(spec=st.sampled_from(SPECS), text=TEXTS, data=st.data())
def test_queries_are_total(spec: LanguageSpec, text: str, data: st.DataObject) -> None:
    """Hover, definition, references and type queries never raise at any offset."""
    analysis = analyze(spec, text)
    offset = data.draw(st.integers(min_value=-2, max_value=len(text) + 2))
    hover_at(analysis, offset)
    assert isinstance(type_at(analysis, offset), str)
    found = definition_at(analysis, offset)
    spans = references_at(analysis, offset)
    if found is not None:
        assert found in spans
    assert all(0 <= s <= e <= len(text) for s, e in spans)
