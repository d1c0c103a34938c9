"""Every real upstream config of the shared corpus loads, with facts checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engine.config import load_config_text
from server.engine.inspect import spec_to_json
from server.errors import LanguageSpecError

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "parsercraft-corpus"
CONFIGS = CORPUS / "configs"
needs_corpus = pytest.mark.skipif(
    not CONFIGS.is_dir(), reason=f"shared corpus not present at {CONFIGS}"
)

L_OPS = ["+", "-", "*", "/", "==", "!=", ">", "<", ">=", "<=", "="]
L_STRINGS = ['"', "'", '"""']
S_OPS_BASIC = ["+", "-", "*", "/", "^", "=", "<>", "<", ">", "<=", ">="]


def fn(name: str, low: int, high: int) -> dict[str, object]:
    """A builtin fact."""
    return {"name": name, "min_args": low, "max_args": high}


FACTS: dict[str, dict[str, object]] = {
    "basic_like.yaml": {
        "name": "BASIC-Like Language",
        "version": "1.0",
        "keywords": {
            "if": "IF",
            "continue": "CONT",
            "call": "GOSUB",
            "true": "TRUE",
            "null": "NULL",
            "try": "ONERROR",
        },
        "builtins": [fn("PRINT", 0, -1), fn("INPUT", 0, 1), fn("STR$", 1, 1), fn("WRITE", 2, 2)],
        "operators": S_OPS_BASIC,
        "line_comments": ["REM"],
        "block_comments": [],
        "string_delimiters": ['"'],
        "statement_terminator": ":",
        "blocks": {"style": "none", "pairs": []},
        "line_numbers": True,
    },
    "lisp_like.yaml": {
        "name": "LISP-Like Language",
        "version": "1.0",
        "keywords": {
            "function": "lambda",
            "true": "#t",
            "false": "#f",
            "null": "nil",
            "is": "eq?",
            "elif": "cond",
        },
        "builtins": [
            fn("display", 1, 1),
            fn("read", 0, 0),
            fn("append", 2, -1),
            fn("number->string", 1, 1),
            fn("type-of", 1, 1),
        ],
        "operators": ["+", "-", "*", "/", "=", "<", ">", "<=", ">="],
        "line_comments": [";"],
        "block_comments": [["#|", "|#"]],
        "string_delimiters": ['"'],
        "statement_terminator": None,
        "blocks": {"style": "sexpr", "pairs": [["(", ")"]]},
        "line_numbers": False,
    },
    "pascal_like.yaml": {
        "name": "Pascal-Like Language",
        "version": "1.0",
        "keywords": {
            "begin": "BEGIN",
            "end": "END",
            "elif": "ELSIF",
            "null": "NIL",
            "import": "USES",
            "true": "TRUE",
        },
        "builtins": [
            fn("WriteLn", 0, -1),
            fn("Write", 1, -1),
            fn("ReadLn", 0, 1),
            fn("IntToStr", 1, 1),
        ],
        "operators": ["+", "-", "*", "/", "DIV", "MOD", ":=", "=", "<>", "<", ">", "<=", ">="],
        "line_comments": ["//"],
        "block_comments": [["(*", "*)"]],
        "string_delimiters": ["'"],
        "statement_terminator": ";",
        "blocks": {
            "style": "keywords",
            "pairs": [
                ["BEGIN", "END"],
                ["CASE", "END"],
                ["RECORD", "END"],
                ["TRY", "END"],
                ["CLASS", "END"],
                ["REPEAT", "UNTIL"],
            ],
        },
        "line_numbers": False,
    },
    "ruby_like.yaml": {
        "name": "Ruby-Like Language",
        "version": "1.0",
        "keywords": {
            "function": "def",
            "try": "begin",
            "except": "rescue",
            "continue": "next",
            "null": "nil",
            "end": "end",
        },
        "builtins": [
            fn("puts", 0, -1),
            fn("gets", 0, 0),
            fn("Range.new", 2, 3),
            fn("reduce", 1, 3),
        ],
        "operators": [
            "+",
            "-",
            "*",
            "/",
            "%",
            "**",
            "=",
            "==",
            "!=",
            "<",
            ">",
            "<=",
            ">=",
            "<=>",
            "&&",
            "||",
        ],
        "line_comments": ["#"],
        "block_comments": [["=begin", "=end"]],
        "string_delimiters": ['"', "'"],
        "statement_terminator": None,
        "blocks": {
            "style": "keywords",
            "pairs": [
                ["if", "end"],
                ["unless", "end"],
                ["while", "end"],
                ["until", "end"],
                ["for", "end"],
                ["def", "end"],
                ["class", "end"],
                ["module", "end"],
                ["case", "end"],
                ["begin", "end"],
                ["do", "end"],
            ],
        },
        "line_numbers": False,
    },
    "teachscript.yaml": {
        "name": "TeachScript",
        "version": "1.0",
        "keywords": {
            "if": "when",
            "def": "teach",
            "True": "yes",
            "False": "no",
            "None": "nothing",
            "==": "equals",
            "let": "remember",
            "const": "forever",
        },
        "builtins": [
            fn("say", 0, -1),
            fn("ask", 0, 1),
            fn("round_to", 1, 2),
            fn("combine", 2, -1),
            fn("numbers_from", 1, 3),
        ],
        "operators": [
            "+",
            "-",
            "*",
            "/",
            "//",
            "%",
            "**",
            "==",
            "!=",
            "<",
            ">",
            "<=",
            ">=",
            "=",
            "+=",
            "-=",
            "*=",
            "/=",
        ],
        "line_comments": ["#"],
        "block_comments": [["###", "###"]],
        "string_delimiters": ['"', "'"],
        "statement_terminator": None,
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "python_like.yaml": {
        "name": "Python-Like Language",
        "version": "1.0",
        "keywords": {"function": "def", "const": "const", "import": "import"},
        "builtins": [fn("print", 0, -1), fn("len", 1, 1), fn("range", 0, -1), fn("dict", 0, 0)],
        "operators": [],
        "line_comments": ["#"],
        "block_comments": [['"""', '"""']],
        "string_delimiters": ['"', "'"],
        "statement_terminator": None,
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "minimal.json": {
        "name": "Minimal Teaching Language",
        "version": "1.0",
        "keywords": {"function": "function", "const": "const", "for": "for"},
        "builtins": [fn("print", 0, -1), fn("len", 1, 1), fn("input", 0, -1), fn("int", 1, 1)],
        "operators": [],
        "line_comments": ["//"],
        "block_comments": [["/*", "*/"]],
        "string_delimiters": ['"', "'"],
        "statement_terminator": None,
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "teachscript.json": {
        "name": "TeachScript",
        "version": "1.0",
        "keywords": {
            "if": "when",
            "True": "yes",
            "None": "nothing",
            "==": "equals",
            "not": "opposite",
        },
        "builtins": [
            fn("say", 0, -1),
            fn("ask", 0, -1),
            fn("make_number", 1, 1),
            fn("round_to", 0, -1),
        ],
        "operators": L_OPS,
        "line_comments": ["#"],
        "block_comments": [["###", "###"]],
        "string_delimiters": ['"', "'"],
        "statement_terminator": None,
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "gw_basic.yaml": {
        "name": "GW-BASIC",
        "version": "0.1",
        "keywords": {
            "endwhile": "WEND",
            "call": "GOSUB",
            "var": "DIM",
            "assign": "LET",
            "comment": "REM",
            "goto": "GOTO",
        },
        "builtins": [
            fn("PRINT", 0, -1),
            fn("INPUT", 1, 1),
            fn("STR$", 1, 1),
            fn("MID$", 0, -1),
            fn("LEFT$", 2, 2),
        ],
        "operators": S_OPS_BASIC,
        "line_comments": ["REM"],
        "block_comments": [],
        "string_delimiters": ['"'],
        "statement_terminator": ":",
        "blocks": {"style": "keywords", "pairs": [["WHILE", "WEND"]]},
        "line_numbers": True,
    },
    "demo_assembly.json": {
        "name": "Assembly-Like Language",
        "version": "2.0",
        "keywords": {
            "if": "CMP",
            "function": "PROC",
            "return": "RET",
            "let": "MOV",
            "else": "else",
        },
        "builtins": [
            fn("print", 0, -1),
            fn("Number", 1, 1),
            fn("ADD", 2, 2),
            fn("OUT", 1, 1),
            fn("IN", 0, 1),
        ],
        "operators": L_OPS,
        "line_comments": [";"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": None,
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_basic.json": {
        "name": "BASIC-Like Language",
        "version": "2.0",
        "keywords": {"if": "IF", "function": "DEF", "def": "def", "let": "LET", "then": "THEN"},
        "builtins": [fn("PRINT", 0, -1), fn("INPUT", 0, 1), fn("STR$", 1, 1), fn("List", 0, -1)],
        "operators": L_OPS,
        "line_comments": ["REM"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": ";",
        "blocks": {"style": "none", "pairs": []},
        "line_numbers": True,
    },
    "demo_basic_163b7ba.json": {
        "name": "My Custom Language",
        "version": "2.0",
        "keywords": {
            "if": "when",
            "when": "when",
            "function": "def",
            "def": "def",
            "return": "give",
        },
        "builtins": [fn("print", 0, -1), fn("Boolean", 1, 1)],
        "operators": L_OPS,
        "line_comments": ["//"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": ";",
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_basic_2df6450.json": {
        "name": "My Custom Language",
        "version": "1.0",
        "keywords": {"if": "when", "function": "def", "return": "give", "class": "class"},
        "builtins": [fn("print", 0, -1), fn("String", 1, 1), fn("List", 0, -1)],
        "operators": L_OPS,
        "line_comments": ["//"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": ";",
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_config.yaml": {
        "name": "Custom Language",
        "version": "3.0.0",
        "keywords": {"if": "cuando", "then": "then", "function": "function"},
        "builtins": [fn("print", 0, -1), fn("Number", 1, 1)],
        "operators": L_OPS,
        "line_comments": ["//"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": ";",
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_config_e88ffcb.json": {
        "name": "Custom Language",
        "version": "1.0.0",
        "keywords": {"if": "cuando", "class": "class"},
        "builtins": [fn("print", 0, -1), fn("List", 0, -1)],
        "operators": L_OPS,
        "line_comments": ["//"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": ";",
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_functional.json": {
        "name": "Functional Lambda Language",
        "version": "2.0",
        "keywords": {"function": "lambda", "lambda": "lambda", "let": "let"},
        "builtins": [fn("map", 2, 2), fn("fold", 3, 3), fn("car", 1, 1), fn("cons", 2, 2)],
        "operators": L_OPS,
        "line_comments": [";"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": None,
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_python_custom.json": {
        "name": "Python-Like Custom",
        "version": "1.0.0",
        "keywords": {"class": "blueprint", "def": "def", "lambda": "lambda"},
        "builtins": [fn("print", 0, -1), fn("Number", 1, 1)],
        "operators": L_OPS,
        "line_comments": ["//"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": ";",
        "blocks": {"style": "indent", "pairs": []},
        "line_numbers": False,
    },
    "demo_stack.json": {
        "name": "Stack-Based Forth-Like",
        "version": "2.0",
        "keywords": {"function": ":", "return": ";", "while": "BEGIN", "if": "IF", "then": "THEN"},
        "builtins": [fn("DUP", 0, 0), fn("SWAP", 0, 0), fn(".", 1, 1), fn("print", 0, -1)],
        "operators": L_OPS,
        "line_comments": ["\\"],
        "block_comments": [],
        "string_delimiters": L_STRINGS,
        "statement_terminator": None,
        "blocks": {"style": "keywords", "pairs": [[":", ";"]]},
        "line_numbers": False,
    },
}

FIXED_KEYS = [
    "name", "version", "keywords", "builtins", "operators", "line_comments", "block_comments",
    "string_delimiters", "statement_terminator", "blocks",
]  # fmt: skip


def config_files() -> list[str]:
    """The config file names of the corpus (empty when it is absent)."""
    return sorted(p.name for p in CONFIGS.iterdir()) if CONFIGS.is_dir() else []


def load(name: str) -> dict[str, object]:
    """Load one corpus config and render it as JSON data."""
    path = CONFIGS / name
    return spec_to_json(load_config_text(path.read_text(encoding="utf-8"), name))


@needs_corpus
@pytest.mark.parametrize("name", config_files() or ["<none>"])
def test_every_corpus_config_loads(name: str) -> None:
    """Each corpus config loads and renders with the fixed keys first."""
    data = load(name)
    assert list(data)[: len(FIXED_KEYS)] == FIXED_KEYS
    assert data["name"]


@needs_corpus
def test_every_corpus_config_has_facts() -> None:
    """The facts table covers every config of the corpus."""
    assert set(config_files()) == set(FACTS)


@needs_corpus
@pytest.mark.parametrize("name", sorted(FACTS))
def test_corpus_facts(name: str) -> None:
    """Hand-checked facts of each corpus config match the loaded spec."""
    facts = FACTS[name]
    data = load(name)
    keywords = data["keywords"]
    assert isinstance(keywords, dict)
    expected_keywords = facts["keywords"]
    assert isinstance(expected_keywords, dict)
    assert {k: keywords.get(k) for k in expected_keywords} == expected_keywords
    builtins = data["builtins"]
    assert isinstance(builtins, list)
    expected_builtins = facts["builtins"]
    assert isinstance(expected_builtins, list)
    for builtin in expected_builtins:
        assert builtin in builtins
    for key in ("name", "version", "operators", "line_comments", "block_comments",
                "string_delimiters", "statement_terminator", "blocks", "line_numbers"):  # fmt: skip
        assert data[key] == facts[key], key


@needs_corpus
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("basic_like.yaml", 29),
        ("pascal_like.yaml", 41),
        ("gw_basic.yaml", 15),
        ("demo_basic_2df6450.json", 7),
    ],
)
def test_keyword_counts(name: str, count: int) -> None:
    """Whole keyword sections are read (including the YAML boolean keys)."""
    spec = load_config_text((CONFIGS / name).read_text(encoding="utf-8"), name)
    assert len(spec.keywords) == count


@needs_corpus
@pytest.mark.parametrize(
    ("name", "warned"),
    [
        ("demo_functional.json", ["keywords.lambda"]),
        ("demo_basic_163b7ba.json", ["keywords.when", "keywords.function"]),
        ("pascal_like.yaml", []),
        ("gw_basic.yaml", []),
    ],
)
def test_corpus_warnings(name: str, warned: list[str]) -> None:
    """Duplicate custom keywords in shipped files are warnings, not failures."""
    spec = load_config_text((CONFIGS / name).read_text(encoding="utf-8"), name)
    assert [w.key_path for w in spec.warnings] == warned


@needs_corpus
def test_test_case_list_is_not_a_config() -> None:
    """`gw_basic_cases.yaml` is rejected as a test-case list."""
    path = CORPUS / "programs" / "gw_basic_cases.yaml"
    with pytest.raises(LanguageSpecError, match="is a test-case list, not a language config"):
        load_config_text(path.read_text(encoding="utf-8"), path.name)
