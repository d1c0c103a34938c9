"""Our packaged presets load cleanly and describe coherent languages."""

from __future__ import annotations

import pytest

from server.engine.defaults import RETURN_TYPES
from server.engine.spec import Blocks
from server.errors import LanguageSpecError
from server.languages import load_spec, preset_names

REQUIRED = ("basic_like", "js_like", "lisp_like", "pascal_like", "python_like")

PRESET_FACTS = {
    "pascal_like": {
        "blocks": Blocks(
            "keywords", (("BEGIN", "END"), ("CASE", "END"), ("RECORD", "END"), ("REPEAT", "UNTIL"))
        ),
        "line_comments": ("//",),
        "block_comments": (("(*", "*)"),),
        "string_delimiters": ("'",),
        "statement_terminator": ";",
        "line_numbers": False,
    },
    "python_like": {
        "blocks": Blocks("indent"),
        "line_comments": ("#",),
        "block_comments": (),
        "string_delimiters": ('"""', '"', "'"),
        "statement_terminator": None,
        "line_numbers": False,
    },
    "basic_like": {
        "blocks": Blocks(
            "keywords", (("FOR", "NEXT"), ("WHILE", "WEND"), ("IF", "ENDIF"), ("SUB", "ENDSUB"))
        ),
        "line_comments": ("REM",),
        "block_comments": (),
        "string_delimiters": ('"',),
        "statement_terminator": ":",
        "line_numbers": True,
    },
    "lisp_like": {
        "blocks": Blocks("sexpr", (("(", ")"),)),
        "line_comments": (";",),
        "block_comments": (("#|", "|#"),),
        "string_delimiters": ('"',),
        "statement_terminator": None,
        "line_numbers": False,
    },
    "js_like": {
        "blocks": Blocks("braces", (("{", "}"),)),
        "line_comments": ("//",),
        "block_comments": (("/*", "*/"),),
        "string_delimiters": ('"', "'", "`"),
        "statement_terminator": ";",
        "line_numbers": False,
    },
    "ruby_like": {
        "blocks": Blocks(
            "keywords",
            (
                ("def", "end"),
                ("class", "end"),
                ("module", "end"),
                ("if", "end"),
                ("unless", "end"),
                ("while", "end"),
                ("until", "end"),
                ("case", "end"),
                ("begin", "end"),
                ("do", "end"),
            ),
        ),
        "line_comments": ("#",),
        "block_comments": (("=begin", "=end"),),
        "string_delimiters": ('"', "'"),
        "statement_terminator": None,
        "line_numbers": False,
    },
    "teach_like": {
        "blocks": Blocks("indent"),
        "line_comments": ("#",),
        "block_comments": (),
        "string_delimiters": ('"', "'"),
        "statement_terminator": None,
        "line_numbers": False,
    },
}


def test_required_presets_exist() -> None:
    """The five required presets (and ours extra) are packaged."""
    assert set(REQUIRED) <= set(preset_names())
    assert set(preset_names()) == set(PRESET_FACTS)


@pytest.mark.parametrize("name", sorted(PRESET_FACTS))
def test_preset_facts(name: str) -> None:
    """Each preset declares the lexical settings and blocks of its language."""
    spec = load_spec(f"preset:{name}")
    for key, value in PRESET_FACTS[name].items():
        assert getattr(spec, key) == value, key


@pytest.mark.parametrize("name", sorted(PRESET_FACTS))
def test_preset_is_clean_and_rich(name: str) -> None:
    """A preset has no warnings, documented keywords and fully typed builtins."""
    spec = load_spec(f"preset:{name}")
    assert spec.warnings == ()
    assert spec.name and spec.version and spec.description
    assert len(spec.keywords) >= 10
    assert all(kw.category != "general" and kw.description for kw in spec.keywords)
    assert len(spec.builtins) >= 5
    for fn in spec.builtins:
        assert fn.description
        assert fn.return_type in RETURN_TYPES
        assert fn.max_args == -1 or fn.min_args <= fn.max_args
    assert any(fn.return_type != "unknown" for fn in spec.builtins)
    assert all(op.precedence > 0 for op in spec.operators)


@pytest.mark.parametrize("name", sorted(PRESET_FACTS))
def test_preset_words_are_unambiguous(name: str) -> None:
    """No custom keyword stands for two originals and none is also a builtin name."""
    spec = load_spec(f"preset:{name}")
    assert all(len(kws) == 1 for kws in spec.keywords_by_custom.values())
    assert not set(spec.keywords_by_custom) & set(spec.builtins_by_name)


@pytest.mark.parametrize("name", sorted(PRESET_FACTS))
def test_preset_block_words_are_keywords(name: str) -> None:
    """Keyword block pairs only use words the preset declares as keywords."""
    spec = load_spec(f"preset:{name}")
    if spec.blocks.style == "keywords":
        words = set(spec.keywords_by_custom)
        assert {word for pair in spec.blocks.pairs for word in pair} <= words


def test_pascal_has_declared_types_and_assignment() -> None:
    """pascal_like has VAR x : INTEGER style types and `:=`."""
    spec = load_spec("preset:pascal_like")
    assert {"INTEGER", "REAL", "STRING", "BOOLEAN", "VAR"} <= set(spec.keywords_by_custom)
    assert ":=" in {op.symbol for op in spec.operators}
    assert spec.escape_char is None


def test_unknown_preset_lists_the_available_ones() -> None:
    """An unknown preset name is an error that lists every preset."""
    with pytest.raises(LanguageSpecError) as info:
        load_spec("preset:cobol_like")
    assert "unknown preset 'cobol_like'" in info.value.reason
    for name in REQUIRED:
        assert name in info.value.reason


def test_presets_are_cached() -> None:
    """Loading a preset twice returns the same spec object."""
    assert load_spec("preset:python_like") is load_spec("preset:python_like")
