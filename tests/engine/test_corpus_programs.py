"""Every sample program of the shared corpus analyses, and its definitions are found."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from server.engine.analysis import analyze, outline
from server.languages import load_spec

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "parsercraft-corpus"
CONFIGS = CORPUS / "configs"
PROGRAMS = CORPUS / "programs"
needs_corpus = pytest.mark.skipif(
    not PROGRAMS.is_dir(), reason=f"shared corpus not present at {PROGRAMS}"
)

# Top-level definitions verified by reading each program.
EXPECTED = {
    "hello.pas": {"greeting", "count", "message"},
    "fibonacci.pas": {"n", "a", "b", "temp", "i"},
    "01_hello_world.teach": set(),
    "02_variables.teach": {"name", "age", "height", "x", "y"},
    "03_conditionals.teach": {"temperature", "is_sunny", "is_weekend"},
    "04_loops.teach": {"counter", "fruits", "i", "fruit", "index"},
    "05_functions.teach": {"greet", "add_numbers", "fibonacci", "sum1", "sum2"},
    "06_lists_strings.teach": {"numbers", "last", "message", "items"},
    "07_calculator.teach": {"num1_text", "num1", "operation", "num2_text", "num2", "result"},
    "09_guessing_game.teach": {"secret", "guesses", "found", "guess_text", "guess"},
    "11_hangman_game.teach": {
        "words",
        "secret",
        "guessed",
        "wrong",
        "max_wrong",
        "display_word",
        "draw_hangman",
        "display",
        "guess",
    },
}
# Diagnostics a correct analysis may report (§12.14): hangman line 42 (`opposite equals`),
# the undeclared library namespace TSRandom (line 5), and TeachScript.json's missing `remember`.
ALLOWED = {"PC110": {42}, "PC140": {5}}


def _programs(suffix: str) -> list[str]:
    return sorted(p.name for p in PROGRAMS.glob(f"*{suffix}")) if PROGRAMS.is_dir() else []


def _check(config: str, program: str, strict: bool) -> None:
    spec = load_spec(str(CONFIGS / config))
    text = (PROGRAMS / program).read_text("utf-8")
    analysis = analyze(spec, text)
    names = {symbol.name for symbol in outline(analysis)}
    assert EXPECTED.get(program, set()) <= names
    if strict:
        for d in analysis.diagnostics:
            line = analysis.line_index.position(d.start)[0] + 1
            assert line in ALLOWED.get(d.code, set()), (program, line, d.code, d.message)


@needs_corpus
@pytest.mark.parametrize("program", _programs(".pas"))
def test_pascal_programs(program: str) -> None:
    """The Pascal samples analyse cleanly with pascal_like.yaml and declare their VARs."""
    _check("pascal_like.yaml", program, strict=True)


@needs_corpus
@pytest.mark.parametrize("program", [p for p in _programs(".teach") if p != "main.teach"])
def test_teachscript_programs_yaml(program: str) -> None:
    """The TeachScript samples analyse with teachscript.yaml; only expected findings."""
    _check("teachscript.yaml", program, strict=True)


@needs_corpus
@pytest.mark.parametrize("program", [p for p in _programs(".teach") if p != "main.teach"])
def test_teachscript_programs_json(program: str) -> None:
    """With teachscript.json (no `remember`, §12.13) the samples analyse and define names."""
    _check("teachscript.json", program, strict=False)


@needs_corpus
def test_main_teach_is_not_teachscript() -> None:
    """main.teach (C-like text, §12.14) analyses without an exception."""
    spec = load_spec(str(CONFIGS / "teachscript.yaml"))
    analysis = analyze(spec, (PROGRAMS / "main.teach").read_text("utf-8"))
    assert analysis.diagnostics


@needs_corpus
def test_hangman_line_42_may_be_reported() -> None:
    """The `opposite equals` of hangman line 42 is the only syntax error reported there."""
    spec = load_spec(str(CONFIGS / "teachscript.yaml"))
    analysis = analyze(spec, (PROGRAMS / "11_hangman_game.teach").read_text("utf-8"))
    lines = {
        analysis.line_index.position(d.start)[0] + 1
        for d in analysis.diagnostics
        if d.code == "PC110"
    }
    assert lines <= {42}


def _basic_cases() -> list[str]:
    path = PROGRAMS / "gw_basic_cases.yaml"
    if not path.is_file():
        return []
    cases = yaml.safe_load(path.read_text("utf-8"))
    return [case["source"] for case in cases if isinstance(case, dict) and "source" in case]


@needs_corpus
@pytest.mark.parametrize("source", _basic_cases())
def test_gw_basic_cases(source: str) -> None:
    """The GW-BASIC test-case sources analyse with gw_basic.yaml without any diagnostic."""
    spec = load_spec(str(CONFIGS / "gw_basic.yaml"))
    assert analyze(spec, source).diagnostics == ()


@needs_corpus
@pytest.mark.parametrize(
    "config", sorted(p.name for p in CONFIGS.glob("*")) if CONFIGS.is_dir() else []
)
def test_every_program_with_every_config(config: str) -> None:
    """Any program analysed with any corpus config never raises."""
    spec = load_spec(str(CONFIGS / config))
    for program in sorted(PROGRAMS.iterdir()):
        text = program.read_text("utf-8")
        analysis = analyze(spec, text)
        assert all(0 <= d.start <= d.end <= len(text) for d in analysis.diagnostics)
