"""Rename: which names may be renamed, the edits, and the refusals."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from server.engine.analysis import analyze
from server.engine.rename import RenameRefusal, prepare_rename, rename_edits
from server.engine.spec import LanguageSpec
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")
CURSOR = "‸"


def _spec(name: str) -> LanguageSpec:
    if name == "pascal_insensitive":
        return attrs.evolve(load_spec("preset:pascal_like"), case_sensitive=False)
    return load_spec(CALC if name == "calc" else f"preset:{name}")


def _at(source: str) -> tuple[str, int]:
    return source.replace(CURSOR, ""), source.index(CURSOR)


PREPARE = [
    ("python_like", "total = 1\nprint(to‸tal)", "total"),
    ("python_like", "total‸ = 1", "total"),
    ("python_like", "def f(a‸):\n    return a", "a"),
    ("python_like", "pri‸nt(1)", None),
    ("python_like", "i‸f x:\n    pass", None),
    ("python_like", "x = 'to‸tal'", None),
    ("python_like", "# to‸tal", None),
    ("python_like", "x = 1‸2", None),
    ("python_like", "import o‸s", None),
    ("python_like", "‸", None),
    ("basic_like", "1‸0 LET X = 1\n20 GOTO 10", None),
    ("basic_like", '10 LET NA‸ME$ = "a"', "NAME$"),
    ("lisp_like", "(define (sum-sq a) a)\n(sum-‸sq 1)", "sum-sq"),
    ("calc", "let wi‸dth = 1\nshow width", "width"),
]


@pytest.mark.parametrize(("lang", "source", "name"), PREPARE)
def test_prepare_rename(lang: str, source: str, name: str | None) -> None:
    """Only user-defined names can be renamed; the placeholder is the name."""
    text, offset = _at(source)
    found = prepare_rename(analyze(_spec(lang), text), offset)
    if name is None:
        assert found is None
    else:
        assert found is not None
        start, end, placeholder = found
        assert placeholder == name == text[start:end]
        assert start <= offset <= end


EDITS = [
    (
        "python_like",
        "total = 1\nprint(to‸tal)\ntotal = 2",
        "sum_",
        "sum_ = 1\nprint(sum_)\nsum_ = 2",
    ),
    ("python_like", "def f(a‸):\n    return a\na = 5", "b", "def f(b):\n    return b\na = 5"),
    (
        "pascal_like",
        "VAR k‸ : INTEGER;\nBEGIN\n  k := k + 1\nEND.",
        "n",
        "VAR n : INTEGER;\nBEGIN\n  n := n + 1\nEND.",
    ),
    (
        "pascal_insensitive",
        "VAR count‸ : INTEGER;\nBEGIN\n  COUNT := Count\nEND.",
        "n",
        "VAR n : INTEGER;\nBEGIN\n  n := n\nEND.",
    ),
    (
        "lisp_like",
        "(define (sum-sq a) a)\n(sum-‸sq 1)",
        "total-sq",
        "(define (total-sq a) a)\n(total-sq 1)",
    ),
    (
        "basic_like",
        '10 LET NA‸ME$ = "a"\n20 PRINT NAME$',
        "TITLE$",
        '10 LET TITLE$ = "a"\n20 PRINT TITLE$',
    ),
    (
        "js_like",
        "function f‸() {\n  return 1;\n}\nf();",
        "g",
        "function g() {\n  return 1;\n}\ng();",
    ),
    ("calc", "let x‸ = 1\nshow x * 2", "y", "let y = 1\nshow y * 2"),
    ("python_like", "x‸ = 1", "x", "x = 1"),
]


@pytest.mark.parametrize(("lang", "source", "new_name", "expected"), EDITS)
def test_rename_edits(lang: str, source: str, new_name: str, expected: str) -> None:
    """Every occurrence (definition, uses, re-assignments) is renamed."""
    text, offset = _at(source)
    edits = rename_edits(analyze(_spec(lang), text), offset, new_name)
    assert not isinstance(edits, RenameRefusal)
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    assert text == expected


REFUSALS = [
    ("python_like", "total‸ = 1", "if", "keyword"),
    ("python_like", "total‸ = 1", "len", "builtin"),
    ("python_like", "total‸ = 1", "1abc", "not a valid name"),
    ("python_like", "total‸ = 1", "two words", "not a valid name"),
    ("python_like", "total‸ = 1", "", "not a valid name"),
    ("pascal_like", "VAR k‸ : INTEGER;\nBEGIN END.", "MOD", "operator"),
    ("python_like", "def f(a‸, b):\n    return a", "b", "already defined"),
    ("python_like", "x‸ = 1\ndef f():\n    y = 2\n    return x + y", "y", "capture"),
    ("python_like", "y = 1\ndef f():\n    x‸ = 2\n    return x + y", "y", "hide"),
    ("python_like", "print(1‸)", "y", "only names defined"),
    ("lisp_like", "(define x‸ 1)", "set!", "keyword"),
]


@pytest.mark.parametrize(("lang", "source", "new_name", "reason"), REFUSALS)
def test_rename_refused(lang: str, source: str, new_name: str, reason: str) -> None:
    """Invalid names and renames that would change what a name refers to are refused."""
    text, offset = _at(source)
    result = rename_edits(analyze(_spec(lang), text), offset, new_name)
    assert isinstance(result, RenameRefusal)
    assert reason in result.reason


@pytest.mark.parametrize("offset", [-5, 0, 3, 10**9])
@pytest.mark.parametrize("text", ["", "😀 = 1\r\nx = 1\r\nx", "def (:"])
def test_any_offset_never_raises(offset: int, text: str) -> None:
    """Any offset gives a span inside the text or None, and edits or a refusal."""
    analysis = analyze(_spec("python_like"), text)
    found = prepare_rename(analysis, offset)
    assert found is None or 0 <= found[0] <= found[1] <= len(text)
    result = rename_edits(analysis, offset, "fresh")
    assert isinstance(result, RenameRefusal) or all(
        0 <= e.start <= e.end <= len(text) for e in result
    )
