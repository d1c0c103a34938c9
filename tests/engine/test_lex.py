"""Lexer behaviour on the edge cases of PARSERCRAFT.md section 12."""

from __future__ import annotations

import itertools

import pytest

from server.engine.lex import lex, lexer_for, with_whitespace
from server.engine.spec import Blocks, Builtin, Keyword, LanguageSpec, Operator
from server.engine.tokens import TokenKind

K = TokenKind

PASCAL = LanguageSpec(
    name="pascal",
    keywords=(Keyword("begin", "BEGIN"), Keyword("end", "END"), Keyword("if", "IF")),
    builtins=(Builtin("WriteLn", "print"),),
    operators=(Operator(":="), Operator("<>"), Operator("MOD"), Operator("+")),
    line_comments=("//",),
    block_comments=(("(*", "*)"),),
    string_delimiters=("'",),
)
BASIC = LanguageSpec(
    name="basic",
    keywords=(Keyword("if", "IF"), Keyword("goto", "GOTO")),
    builtins=(Builtin("STR$", "str"), Builtin("PRINT", "print")),
    line_comments=("REM", "'"),
    string_delimiters=('"',),
    line_numbers=True,
    case_sensitive=False,
)
STACK = LanguageSpec(
    name="stack",
    keywords=(
        Keyword("def", ":"),
        Keyword("end", ";"),
        Keyword("true", "#t"),
        Keyword("is", "eq?"),
    ),
    builtins=(Builtin(".", "print"), Builtin("number->string", "str"), Builtin("Range.new", "r")),
    line_comments=("\\",),
    block_comments=(("#|", "|#"),),
    string_delimiters=('"',),
)
TEACH = LanguageSpec(
    name="teach",
    keywords=(Keyword("def", "teach"), Keyword("while", "repeat_while"), Keyword("==", "equals")),
    line_comments=("#",),
    block_comments=(("###", "###"),),
    string_delimiters=('"', "'"),
)
LISP = LanguageSpec(
    name="lisp",
    keywords=(Keyword("define", "define"), Keyword("true", "#t")),
    builtins=(Builtin("null?", "is_null"),),
    operators=(Operator("+"), Operator("-")),
    line_comments=(";",),
    blocks=Blocks("sexpr", (("(", ")"),)),
)
PY = LanguageSpec(name="py", block_comments=(('"""', '"""'),), string_delimiters=('"""', '"', "'"))


def kinds(spec: LanguageSpec, text: str) -> list[tuple[TokenKind, str]]:
    """(kind, text) of every token, newlines included."""
    return [(t.kind, t.text) for t in lex(spec, text)]


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (PASCAL, "x := 1", [(K.IDENT, "x"), (K.OPERATOR, ":="), (K.NUMBER, "1")]),
        (PASCAL, "a <> b", [(K.IDENT, "a"), (K.OPERATOR, "<>"), (K.IDENT, "b")]),
        (PASCAL, "a MOD b", [(K.IDENT, "a"), (K.OPERATOR, "MOD"), (K.IDENT, "b")]),
        (PASCAL, "MODULE", [(K.IDENT, "MODULE")]),
        (PASCAL, "ENDING END.", [(K.IDENT, "ENDING"), (K.KEYWORD, "END"), (K.PUNCT, ".")]),
        (PASCAL, "begin", [(K.IDENT, "begin")]),
        (PASCAL, "'It''s'", [(K.STRING, "'It''s'")]),
        (PASCAL, '"no"', [(K.OPERATOR, '"'), (K.IDENT, "no"), (K.OPERATOR, '"')]),
        (PASCAL, "(* a *) b", [(K.COMMENT, "(* a *)"), (K.IDENT, "b")]),
        (PASCAL, "x // c", [(K.IDENT, "x"), (K.COMMENT, "// c")]),
        (BASIC, "10 REM hi", [(K.LINE_NUMBER, "10"), (K.COMMENT, "REM hi")]),
        (BASIC, "REMAINDER = 1", [(K.IDENT, "REMAINDER"), (K.OPERATOR, "="), (K.NUMBER, "1")]),
        (BASIC, "rem note", [(K.COMMENT, "rem note")]),
        (
            BASIC,
            "if x goto 30",
            [(K.KEYWORD, "if"), (K.IDENT, "x"), (K.KEYWORD, "goto"), (K.NUMBER, "30")],
        ),
        (
            BASIC,
            "A$ = STR$(N)",
            [
                (K.IDENT, "A$"),
                (K.OPERATOR, "="),
                (K.BUILTIN, "STR$"),
                (K.PUNCT, "("),
                (K.IDENT, "N"),
                (K.PUNCT, ")"),
            ],
        ),
        (BASIC, "' note", [(K.COMMENT, "' note")]),
        (
            STACK,
            ": sq dup * ;",
            [
                (K.KEYWORD, ":"),
                (K.IDENT, "sq"),
                (K.IDENT, "dup"),
                (K.OPERATOR, "*"),
                (K.KEYWORD, ";"),
            ],
        ),
        (STACK, "1 .", [(K.NUMBER, "1"), (K.BUILTIN, ".")]),
        (STACK, "#t eq? x", [(K.KEYWORD, "#t"), (K.KEYWORD, "eq?"), (K.IDENT, "x")]),
        (STACK, "number->string", [(K.BUILTIN, "number->string")]),
        (
            STACK,
            "Range.new Range.newer",
            [(K.BUILTIN, "Range.new"), (K.IDENT, "Range"), (K.BUILTIN, "."), (K.IDENT, "newer")],
        ),
        (PASCAL, "a.b", [(K.IDENT, "a"), (K.PUNCT, "."), (K.IDENT, "b")]),
        (STACK, "\\ comment", [(K.COMMENT, "\\ comment")]),
        (TEACH, "### a\nb ### c", [(K.COMMENT, "### a\nb ###"), (K.IDENT, "c")]),
        (TEACH, "# x ###", [(K.COMMENT, "# x ###")]),
        (TEACH, "a equals b", [(K.IDENT, "a"), (K.KEYWORD, "equals"), (K.IDENT, "b")]),
        (TEACH, "repeat_while_x", [(K.IDENT, "repeat_while_x")]),
        (TEACH, '"It\'s # not"', [(K.STRING, '"It\'s # not"')]),
        (TEACH, '"a\\"b"', [(K.STRING, '"a\\"b"')]),
        (PY, 'x = """doc"""', [(K.IDENT, "x"), (K.OPERATOR, "="), (K.COMMENT, '"""doc"""')]),
        (
            PASCAL,
            "a\r\nb\rc",
            [
                (K.IDENT, "a"),
                (K.NEWLINE, "\r\n"),
                (K.IDENT, "b"),
                (K.NEWLINE, "\r"),
                (K.IDENT, "c"),
            ],
        ),
        (PASCAL, "größe := 1", [(K.IDENT, "größe"), (K.OPERATOR, ":="), (K.NUMBER, "1")]),
        (PASCAL, "x\x00\x01y", [(K.IDENT, "x"), (K.ERROR, "\x00\x01"), (K.IDENT, "y")]),
        (
            PASCAL,
            "a**b -= c",
            [
                (K.IDENT, "a"),
                (K.OPERATOR, "**"),
                (K.IDENT, "b"),
                (K.OPERATOR, "-="),
                (K.IDENT, "c"),
            ],
        ),
        (
            LISP,
            "(sum-squares x)",
            [(K.PUNCT, "("), (K.IDENT, "sum-squares"), (K.IDENT, "x"), (K.PUNCT, ")")],
        ),
        (
            LISP,
            "(- a 1) null? #t",
            [
                (K.PUNCT, "("),
                (K.OPERATOR, "-"),
                (K.IDENT, "a"),
                (K.NUMBER, "1"),
                (K.PUNCT, ")"),
                (K.BUILTIN, "null?"),
                (K.KEYWORD, "#t"),
            ],
        ),
        (PASCAL, "3.14 1e5 0xFF", [(K.NUMBER, "3.14"), (K.NUMBER, "1e5"), (K.NUMBER, "0xFF")]),
    ],
)
def test_token_kinds(spec: LanguageSpec, text: str, expected: list[tuple[TokenKind, str]]) -> None:
    """Each input lexes into exactly the expected (kind, text) pairs."""
    assert kinds(spec, text) == expected


@pytest.mark.parametrize(
    ("spec", "text", "kind"),
    [
        (PASCAL, "'abc\nx", K.STRING),
        (PASCAL, "(* never closed\n\nx", K.COMMENT),
        (PY, '"""never', K.COMMENT),
        (TEACH, '"abc', K.STRING),
    ],
)
def test_unterminated_constructs_are_marked(spec: LanguageSpec, text: str, kind: TokenKind) -> None:
    """A string or block comment without its closing marker is one unterminated token."""
    first = lex(spec, text)[0]
    assert first.kind is kind
    assert not first.terminated


def test_single_quote_string_stops_at_line_end() -> None:
    """An unterminated one-line string does not swallow the following lines."""
    toks = lex(PASCAL, "'abc\nBEGIN")
    assert [t.text for t in toks] == ["'abc", "\n", "BEGIN"]


def test_whitespace_tokens_cover_input() -> None:
    """with_whitespace fills the gaps so the token texts concatenate to the input."""
    text = "  BEGIN\t x := 'a' (* c *)  \n\n  END.  "
    toks = with_whitespace(lex(PASCAL, text), text)
    assert "".join(t.text for t in toks) == text
    assert all(a.end == b.start for a, b in itertools.pairwise(toks))


def test_astral_characters_keep_code_point_offsets() -> None:
    """Offsets are code points: an astral character counts as one."""
    toks = lex(PASCAL, "'𝄞' x")
    assert toks[1].start == 4


def test_case_insensitive_keywords_keep_their_source_spelling() -> None:
    """In a case-insensitive language a keyword token keeps the text as written."""
    toks = lex(BASIC, "Print x")
    assert (toks[0].kind, toks[0].text) == (K.BUILTIN, "Print")


@pytest.mark.parametrize(
    ("text", "skippable", "flawed"),
    [
        ("x := 1 + y", False, False),
        ("", False, False),
        ("x := 1 // note", True, False),
        ("(* a\nb *) x", True, False),
        ("x := 'open", False, True),
        ("(* never closed", True, True),
        ("x \x00 y", True, True),
    ],
)
def test_scan_reports_what_later_passes_may_skip(text: str, skippable: bool, flawed: bool) -> None:
    """Comments and invalid characters make a scan skippable; those and open strings flawed."""
    lexed = lexer_for(PASCAL).scan(text)
    assert lexed.tokens == lex(PASCAL, text)
    assert (lexed.skippable, lexed.flawed) == (skippable, flawed)
