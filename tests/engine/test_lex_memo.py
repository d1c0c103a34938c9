"""The lexer's per-text kind memo: warm and cold lexers agree, terminated flags stay exact."""

from __future__ import annotations

import pytest

from server.engine.lex import Lexer, lex, lexer_for
from server.engine.tokens import TokenKind
from server.languages import load_spec

TEXTS = [
    'x = "abc\ny = "abc"\n',
    '10 PRINT "a"; X$\r\n20 GOTO 10\r\n30 REMARK = 1\n40 REM note\n',
    "(define (f a) (+ a 1)) ; c\n(display #t)\n",
    "a\x0bb\x0cc\u00a0d\t\te 1.x 0x1F 1e5\n\x00\x01 \ufffd",
    "WriteLn('it''s'); (* open\n",
    '"""doc\nstring""" x = 1 /* c */ y\n',
    "",
    "   ",
]


@pytest.mark.parametrize("preset", ["pascal_like", "python_like", "basic_like", "lisp_like"])
@pytest.mark.parametrize("text", TEXTS)
def test_a_fresh_lexer_and_a_warm_one_agree(preset: str, text: str) -> None:
    """Kinds memoised from earlier documents never change the tokens of a later one."""
    spec = load_spec(f"preset:{preset}")
    for other in TEXTS:
        lex(spec, other)
    assert Lexer(spec).lex(text) == lexer_for(spec).lex(text)


@pytest.mark.parametrize("preset", ["pascal_like", "python_like", "js_like"])
def test_terminated_flags_depend_on_the_token_text_only(preset: str) -> None:
    """An unterminated string seen once does not mark a closed string of another text."""
    spec = load_spec(f"preset:{preset}")
    quote = "'" if preset == "pascal_like" else '"'
    opened = lex(spec, f"x := {quote}abc\n")
    closed = lex(spec, f"x := {quote}abc{quote}\n")
    assert [t.terminated for t in opened if t.kind is TokenKind.STRING] == [False]
    assert [t.terminated for t in closed if t.kind is TokenKind.STRING] == [True]
    assert [t.terminated for t in lex(spec, f"x := {quote}abc\n")] == [t.terminated for t in opened]


def test_offsets_follow_blanks_and_line_breaks() -> None:
    """Token spans skip blanks of every kind and count a CRLF as two code points."""
    tokens = lex(load_spec("preset:python_like"), "a \t b\r\n\u00a0c")
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("a", 0, 1),
        ("b", 4, 5),
        ("\r\n", 5, 7),
        ("c", 8, 9),
    ]


@pytest.mark.parametrize("size", [10, 5_000])
def test_long_unterminated_comments_are_flagged_every_time(size: int) -> None:
    """A comment running to the end of the text is unterminated, short or long, on every lex."""
    spec = load_spec("preset:pascal_like")
    text = "x := 1; (* " + "y" * size
    for _ in range(3):
        last = lex(spec, text)[-1]
        assert (last.kind, last.terminated, len(last.text)) == (TokenKind.COMMENT, False, size + 3)
    closed = lex(spec, text + " *)")[-1]
    assert (closed.kind, closed.terminated) == (TokenKind.COMMENT, True)
