"""Scopes, name resolution, implicit declarations, duplicates and symbol queries."""

from __future__ import annotations

import pytest

from server.engine.analysis import analyze
from server.engine.spec import Blocks, Builtin, Keyword, LanguageSpec
from server.engine.symbols import Symbols, occurrences_of, symbol_at


def _kws(*pairs: tuple[str, str]) -> tuple[Keyword, ...]:
    return tuple(Keyword(original, custom) for original, custom in pairs)


TEACH = LanguageSpec(
    name="teach",
    keywords=_kws(
        ("def", "teach"),
        ("return", "give_back"),
        ("let", "remember"),
        ("for", "for"),
        ("in", "in"),
        ("class", "class"),
    ),
    builtins=(Builtin("say", "print"),),
    line_comments=("#",),
    blocks=Blocks("indent"),
)
PASCAL = LanguageSpec(
    name="pascal",
    keywords=_kws(
        ("begin", "BEGIN"),
        ("end", "END"),
        ("var", "VAR"),
        ("const", "CONST"),
        ("function", "FUNCTION"),
    ),
    string_delimiters=("'",),
    statement_terminator=";",
    case_sensitive=False,
    blocks=Blocks("keywords", (("BEGIN", "END"),)),
)
BASIC = LanguageSpec(
    name="basic",
    keywords=_kws(("goto", "GOTO")),
    builtins=(Builtin("PRINT", "print"),),
    statement_terminator=":",
    line_numbers=True,
)


def _symbols(spec: LanguageSpec, text: str) -> Symbols:
    return analyze(spec, text).symbols


UNRESOLVED = [
    ("implicit declaration by assignment", TEACH, "x = 1\nsay(x)\n", []),
    ("use of a never-defined name", TEACH, "say(y)\n", ["y"]),
    (
        "use before a later assignment still resolves",
        TEACH,
        "teach f():\n    give_back g\ng = 1\n",
        [],
    ),
    (
        "parameters resolve inside the body only",
        TEACH,
        "teach f(a):\n    give_back a\nsay(a)\n",
        ["a"],
    ),
    ("loop variables are definitions", TEACH, "for i in xs:\n    say(i)\n", ["xs"]),
    ("pascal assignment without VAR is not noisy", PASCAL, "BEGIN x := 1; y := x; END.", []),
    ("case-insensitive lookup", PASCAL, "VAR Count : INTEGER;\nBEGIN count := COUNT; END.", []),
    ("basic implicit variable", BASIC, "10 X = 1\n20 PRINT X\n", []),
    ("builtins and member names are never unresolved", TEACH, "say(1)\nx = 1\nx.upper()\n", []),
]


@pytest.mark.parametrize(
    ("spec", "text", "names"), [c[1:] for c in UNRESOLVED], ids=[c[0] for c in UNRESOLVED]
)
def test_unresolved(spec: LanguageSpec, text: str, names: list[str]) -> None:
    """Only names defined nowhere in scope are unresolved."""
    assert [r.name for r in _symbols(spec, text).unresolved] == names


DUPLICATES = [
    ("two functions", TEACH, "teach f():\n    give_back 1\nteach f():\n    give_back 2\n", 1),
    ("re-declared let variable is fine", TEACH, "remember x = 1\nremember x = 2\n", 0),
    ("typed pascal VAR twice", PASCAL, "VAR a : INTEGER;\n    a : REAL;\nBEGIN END.", 1),
    (
        "same name in different scopes",
        TEACH,
        "teach f(a):\n    give_back a\nteach g(a):\n    give_back a\n",
        0,
    ),
    ("duplicate parameter", TEACH, "teach f(a, a):\n    give_back a\n", 1),
    ("duplicate line number", BASIC, "10 X = 1\n10 X = 2\n", 1),
]


@pytest.mark.parametrize(
    ("spec", "text", "count"), [c[1:] for c in DUPLICATES], ids=[c[0] for c in DUPLICATES]
)
def test_duplicates(spec: LanguageSpec, text: str, count: int) -> None:
    """Duplicates are real redefinitions in one scope, not re-declared variables."""
    assert len(_symbols(spec, text).duplicates) == count


def test_references_of_a_variable_include_all_sites() -> None:
    """Definition, re-declarations, assignments and uses are all occurrences of one symbol."""
    text = "remember x = 1\nremember x = 2\nx = 3\nsay(x)\n"
    symbols = _symbols(TEACH, text)
    target = symbol_at(symbols, text.index("say(x)") + 4)
    assert target is not None
    spans = occurrences_of(symbols, target)
    assert [text[s:e] for s, e in spans] == ["x"] * 4
    assert len(spans) == 4


def test_symbol_at_accepts_cursor_after_name() -> None:
    """A cursor right after a name still finds it; whitespace finds nothing."""
    text = "abc = 1\n"
    symbols = _symbols(TEACH, text)
    assert symbol_at(symbols, 3) is not None
    assert symbol_at(symbols, 0) == symbol_at(symbols, 3)
    assert symbol_at(symbols, 6) is None


def test_goto_resolves_to_line_number() -> None:
    """GOTO targets resolve to line-number labels; a missing one is unresolved."""
    symbols = _symbols(BASIC, "10 GOTO 20\n20 GOTO 99\n")
    assert [r.name for r in symbols.unresolved_labels] == ["99"]
    labels = [d for d in symbols.definitions if d.kind == "label"]
    assert [d.name for d in labels] == ["10", "20"]


def test_local_shadows_global() -> None:
    """A parameter shadows a file-level variable of the same name inside the function."""
    text = "a = 1\nteach f(a):\n    give_back a\nsay(a)\n"
    symbols = _symbols(TEACH, text)
    inner = symbol_at(symbols, text.index("give_back a") + 10)
    outer = symbol_at(symbols, text.index("say(a)") + 4)
    assert inner is not None and outer is not None and inner != outer
    assert symbols.definitions[inner].kind == "parameter"
