"""Every diagnostic code: when it fires, its range and its message."""

from __future__ import annotations

import pytest

from server.engine.analysis import analyze
from server.engine.spec import Blocks, Builtin, Grammar, Keyword, LanguageSpec


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(Keyword(original, custom) for original, custom in pairs)


TEACH = LanguageSpec(
    name="teach",
    keywords=_kws(("def", "teach"), ("return", "give_back"), ("let", "remember")),
    builtins=(
        Builtin("say", "print"),
        Builtin("length_of", "len", 1, 1),
        Builtin("add_to", "append", 2, 2),
    ),
    line_comments=("#",),
    block_comments=(("###", "###"),),
    blocks=Blocks("indent"),
)
PASCAL = LanguageSpec(
    name="pascal",
    keywords=_kws(("begin", "BEGIN"), ("end", "END"), ("var", "VAR")),
    builtins=(Builtin("WriteLn", "print", 0, 1), Builtin("ReadLn", "input", 0, 1)),
    block_comments=(("(*", "*)"),),
    string_delimiters=("'",),
    statement_terminator=";",
    case_sensitive=False,
    blocks=Blocks("keywords", (("BEGIN", "END"),)),
)
BASIC = LanguageSpec(
    name="basic",
    keywords=_kws(("goto", "GOTO")),
    builtins=(Builtin("PRINT", "print", 0, 1), Builtin("LEN", "len", 1, 1)),
    string_delimiters=('"',),
    statement_terminator=":",
    line_numbers=True,
)

CASES = [
    ("PC001 unterminated string", TEACH, 'x = "abc\n', "PC001", '"abc'),
    ("PC002 unterminated block comment", PASCAL, "(* never closed", "PC002", "(* never closed"),
    ("PC003 binary content", TEACH, "x = 1\x00\x01\n", "PC003", "\x00\x01"),
    ("PC100 unclosed block", PASCAL, "BEGIN x := 1;", "PC100", "BEGIN"),
    ("PC101 unexpected closer", PASCAL, "END;", "PC101", "END"),
    ("PC103 unclosed bracket", TEACH, "say(1\n", "PC103", "("),
    ("PC104 unmatched bracket", TEACH, "say(1))\n", "PC104", ")"),
    ("PC110 unexpected token", TEACH, "x = 1 2\n", "PC110", "2"),
    ("PC120 builtin arity", PASCAL, "BEGIN WriteLn(1, 2); END.", "PC120", "WriteLn(1, 2)"),
    ("PC120 too few", TEACH, "length_of()\n", "PC120", "length_of()"),
    ("PC121 user arity", TEACH, "teach f(a):\n    give_back a\nf(1, 2)\n", "PC121", "f(1, 2)"),
    ("PC130 mismatch", TEACH, 'x = "a" - 1\n', "PC130", '"a" - 1'),
    ("PC140 undefined name", TEACH, "say(nobody)\n", "PC140", "nobody"),
    ("PC140 undefined line number", BASIC, "10 GOTO 99\n", "PC140", "99"),
    (
        "PC141 duplicate",
        TEACH,
        "teach f():\n    give_back 1\nteach f():\n    give_back 2\n",
        "PC141",
        "f",
    ),
]


@pytest.mark.parametrize(
    ("spec", "text", "code", "covered"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_code_and_range(spec: LanguageSpec, text: str, code: str, covered: str) -> None:
    """The diagnostic fires with exactly the documented range."""
    found = [d for d in analyze(spec, text).diagnostics if d.code == code]
    assert found, [d.code for d in analyze(spec, text).diagnostics]
    assert text[found[0].start : found[0].end] == covered


@pytest.mark.parametrize(
    ("spec", "text", "message"),
    [
        (PASCAL, "BEGIN WriteLn(1, 2); END.", "WriteLn expects at most 1 argument, got 2"),
        (TEACH, "length_of()\n", "length_of expects exactly 1 argument, got 0"),
        (TEACH, "teach f(a, b):\n    give_back a\nf(1)\n", "f expects exactly 2 arguments, got 1"),
    ],
)
def test_arity_messages(spec: LanguageSpec, text: str, message: str) -> None:
    """Arity messages name the callee, the bound and the count."""
    assert message in [d.message for d in analyze(spec, text).diagnostics]


CLEAN = [
    ("statement-form calls are not arity-checked (§12.9)", BASIC, '10 PRINT "a"; 1; 2\n'),
    ("member calls are not arity-checked", TEACH, "xs = []\nxs.add_to(6)\n"),
    ("comment markers inside strings", TEACH, 'say("# not a comment")\n'),
    ("default parameters lower the minimum", TEACH, "teach f(a, b=1):\n    give_back a\nf(1)\n"),
    ("a clean pascal program", PASCAL, "VAR n : INTEGER;\nBEGIN n := 1; WriteLn(n); END."),
]


@pytest.mark.parametrize(("spec", "text"), [c[1:] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_no_false_positives(spec: LanguageSpec, text: str) -> None:
    """Legal programs produce no diagnostics."""
    assert analyze(spec, text).diagnostics == ()


def test_severities() -> None:
    """Syntax problems are errors; names, duplicates and types are warnings."""
    text = 'x = "a" - 1\nsay(nobody)\nx = (\n'
    by_code = {d.code: d.severity.label for d in analyze(TEACH, text).diagnostics}
    assert by_code["PC130"] == by_code["PC140"] == "warning"
    assert by_code["PC103"] == "error"


def test_diagnostics_sorted_by_position() -> None:
    """Diagnostics come sorted by start offset."""
    diags = analyze(TEACH, "say(a)\nsay(b)\nx = 1 2\n").diagnostics
    assert [d.start for d in diags] == sorted(d.start for d in diags)


GRAMMAR = Grammar(
    name="g",
    start="program",
    rules=(("program", "statement*"), ("statement", "IDENT '=' NUMBER")),
)


def test_grammar_decides_syntax_errors() -> None:
    """With a PEG grammar, PEG diagnostics replace PC110; symbols still come from the outline."""
    spec = LanguageSpec(name="g", grammar=GRAMMAR, blocks=Blocks("none"))
    analysis = analyze(spec, "x = 1\ny = = 2\n")
    codes = {d.code for d in analysis.diagnostics}
    assert "PC110" not in codes
    assert any(code.startswith("PEG") for code in codes)
    assert any(d.name == "x" for d in analysis.symbols.definitions)


def test_grammar_accepts_valid_program() -> None:
    """A program the grammar accepts has no PEG diagnostics."""
    spec = LanguageSpec(name="g", grammar=GRAMMAR, blocks=Blocks("none"))
    codes = {d.code for d in analyze(spec, "x = 1\ny = 2\n").diagnostics}
    assert not any(code.startswith("PEG") for code in codes)
