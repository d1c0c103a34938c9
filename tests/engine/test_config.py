"""Unit tests of the config loader: every documented shape, rule, error and warning."""

from __future__ import annotations

import textwrap

import pytest

from server.engine.config import load_config_text, spec_from_data
from server.engine.inspect import spec_to_json
from server.engine.spec import Blocks, LanguageSpec
from server.errors import LanguageSpecError


def load(text: str, path: str = "lang.yaml") -> LanguageSpec:
    """Load a dedented snippet."""
    return load_config_text(textwrap.dedent(text), path)


def pairs(spec: LanguageSpec) -> list[tuple[str, str]]:
    """(original, custom) of every keyword, in order."""
    return [(kw.original, kw.custom) for kw in spec.keywords]


def arity(spec: LanguageSpec) -> list[tuple[str, str, int, int]]:
    """(name, original, min, max) of every builtin, in order."""
    return [(fn.name, fn.original, fn.min_args, fn.max_args) for fn in spec.builtins]


KEYWORD_CASES = [
    ("string map", "keywords: {if: SI, while: MIENTRAS}", [("if", "SI"), ("while", "MIENTRAS")]),
    (
        "object map without description",
        "keywords: {if: {original: if, custom: SI, category: control}}",
        [("if", "SI")],
    ),
    (
        "object map with description",
        "keywords: {if: {original: if, custom: SI, category: control, description: Branch}}",
        [("if", "SI")],
    ),
    (
        "key differs from original",
        "keywords: {wend: {original: endwhile, custom: WEND},"
        " gosub: {original: call, custom: GOSUB}}",
        [("endwhile", "WEND"), ("call", "GOSUB")],
    ),
    ("object without original uses the key", "keywords: {if: {custom: SI}}", [("if", "SI")]),
    ("list of words", "keywords: [alpha, beta]", [("alpha", "alpha"), ("beta", "beta")]),
    (
        "YAML 1.1 lower-case bool/null keys keep their spelling",
        'keywords: {true: "TRUE", false: "FALSE", null: "NIL"}',
        [("true", "TRUE"), ("false", "FALSE"), ("null", "NIL")],
    ),
    (
        "TeachScript capitalised keys and unquoted yes/no values",
        "keywords: {True: yes, False: no, None: nothing}",
        [("True", "yes"), ("False", "no"), ("None", "nothing")],
    ),
    (
        "other YAML 1.1 scalars as keys",
        "keywords: {yes: Y, on: O, ~: T, 0: Z, 1.5: F}",
        [("yes", "Y"), ("on", "O"), ("~", "T"), ("0", "Z"), ("1.5", "F")],
    ),
    ("symbol original", 'keywords: {"==": equals}', [("==", "equals")]),
    (
        "symbol customs",
        'keywords: {function: ":", return: ";"}',
        [("function", ":"), ("return", ";")],
    ),
    (
        "P builtin_keywords add self-standing words",
        "keywords: {if: when}\nbuiltin_keywords: [self]",
        [("if", "when"), ("self", "self")],
    ),
    ("empty section means no keywords", "keywords: {}", []),
]


@pytest.mark.parametrize(
    ("label", "text", "expected"), KEYWORD_CASES, ids=[c[0] for c in KEYWORD_CASES]
)
def test_keyword_shapes(label: str, text: str, expected: list[tuple[str, str]]) -> None:
    """Every keyword shape normalizes to (original, custom) pairs in file order."""
    assert pairs(load(text)) == expected


def test_absent_keywords_keep_the_29_defaults() -> None:
    """Without a `keywords` section the 29 upstream defaults are kept, spelled as themselves."""
    spec = load("name: X\n")
    assert len(spec.keywords) == 29
    assert all(kw.original == kw.custom for kw in spec.keywords)
    assert {"if", "lambda", "then", "let"} <= {kw.original for kw in spec.keywords}


def test_json_object_keywords_with_categories() -> None:
    """JSON object keywords keep category and description."""
    text = (
        '{"keywords": {"if": {"original": "if", "custom": "cuando",'
        ' "category": "control", "description": "d"}}}'
    )
    spec = load_config_text(text, "x.json")
    assert spec.keywords[0].category == "control"
    assert spec.keywords[0].description == "d"
    assert pairs(spec) == [("if", "cuando")]


ARITY_CASES = [
    ("arity n", "{name: f, arity: 2}", (2, 2)),
    ("arity 0", "{name: f, arity: 0}", (0, 0)),
    ("arity -1 is variadic", "{name: f, arity: -1}", (0, -1)),
    ("min and max", "{name: f, min_args: 1, max_args: 3}", (1, 3)),
    ("min -1 means 0", "{name: f, min_args: -1, max_args: 2}", (0, 2)),
    ("only min", "{name: f, min_args: 1}", (1, -1)),
    ("only max", "{name: f, max_args: 2}", (0, 2)),
    ("L-v3 defaults derive from arity", "{name: f, arity: 1, min_args: -1, max_args: -1}", (1, 1)),
    ("L-v3 variadic", "{name: f, arity: -1, min_args: -1, max_args: -1}", (0, -1)),
    ("L-v3 min/max win", "{name: f, arity: 1, min_args: -1, max_args: 1}", (0, 1)),
    ("L-v3 disagreement", "{name: f, arity: 2, min_args: 1, max_args: 2}", (1, 2)),
    ("no arity at all", "{name: f}", (0, -1)),
    ("string value", "say", (0, -1)),
]


@pytest.mark.parametrize(("label", "body", "bounds"), ARITY_CASES, ids=[c[0] for c in ARITY_CASES])
def test_arity_rules(label: str, body: str, bounds: tuple[int, int]) -> None:
    """Arity fields normalize to (min_args, max_args) by the documented rules."""
    spec = load(f"functions:\n  print: {body}\n")
    assert (spec.builtins[0].min_args, spec.builtins[0].max_args) == bounds


FUNCTION_CASES = [
    ("name", "functions: {print: {name: say}}", [("say", "print", 0, -1)]),
    (
        "T new_name",
        "functions: {print: {new_name: say, min_args: 0, max_args: -1}}",
        [("say", "print", 0, -1)],
    ),
    (
        "alias is the original",
        "functions: {OUT: {name: OUT, arity: 1, alias: print}}",
        [("OUT", "print", 1, 1)],
    ),
    ("name defaults to key", "functions: {len: {arity: 1}}", [("len", "len", 1, 1)]),
    (
        "disabled function omitted",
        "functions: {a: {name: a, enabled: false}, b: {name: b}}",
        [("b", "b", 0, -1)],
    ),
    (
        "builtin_functions alone",
        "builtin_functions: {len: {name: size, arity: 1}}",
        [("size", "len", 1, 1)],
    ),
    (
        "functions preferred",
        "functions: {len: {name: A}}\nbuiltin_functions: {len: {name: B}}",
        [("A", "len", 0, -1)],
    ),
    ("list of names (X)", "functions: [alpha]", [("alpha", "alpha", 0, -1)]),
    ("empty section", "functions: {}", []),
]


@pytest.mark.parametrize(
    ("label", "text", "expected"), FUNCTION_CASES, ids=[c[0] for c in FUNCTION_CASES]
)
def test_function_shapes(label: str, text: str, expected: list[tuple[str, str, int, int]]) -> None:
    """Function sections normalize to builtins with spelling, original and bounds."""
    assert arity(load(text)) == expected


def test_absent_functions_keep_the_5_defaults() -> None:
    """Without functions the 5 upstream defaults are kept with their arities."""
    assert arity(load("name: X\n")) == [
        ("print", "print", 0, -1),
        ("Number", "Number", 1, 1),
        ("String", "String", 1, 1),
        ("Boolean", "Boolean", 1, 1),
        ("List", "List", 0, -1),
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [("returns", "int", "int"), ("return_type", "str", "str"), ("returns", "none", "none")],
)
def test_return_type_extension(field: str, value: str, expected: str) -> None:
    """`returns`/`return_type` set the builtin's return type."""
    spec = load(f"functions: {{len: {{name: len, {field}: {value}}}}}\n")
    assert spec.builtins[0].return_type == expected


def test_params_description_and_default_return_type() -> None:
    """`params` and `description` are kept; the return type defaults to unknown."""
    spec = load("functions: {add: {name: add, params: [a, b], description: Adds}}\n")
    fn = spec.builtins[0]
    assert (fn.params, fn.description, fn.return_type) == (("a", "b"), "Adds", "unknown")


def test_unknown_return_type_warns_and_becomes_unknown() -> None:
    """An unknown return type is a warning and reads as unknown."""
    spec = load("functions:\n  len:\n    returns: integer\n")
    assert spec.builtins[0].return_type == "unknown"
    assert [(w.key_path, w.line) for w in spec.warnings] == [("functions.len.returns", 3)]


OPERATOR_CASES = [
    (
        "list of objects",
        "operators: [{symbol: '+', precedence: 4}, {symbol: MOD, precedence: 5}]",
        ["+", "MOD"],
    ),
    ("map", "operators: {'+': {symbol: '+', precedence: 10}, '-': {precedence: 10}}", ["+", "-"]),
    ("empty list", "operators: []", []),
    ("X list of strings", "operators: ['+', '-', '*']", ["+", "-", "*"]),
    ("disabled operator", "operators: [{symbol: '+'}, {symbol: '-', enabled: false}]", ["+"]),
    (
        "T syntax.operators",
        "syntax:\n  operators: {addition: '+', floor_division: '//', add_assign: '+='}",
        ["+", "//", "+="],
    ),
    ("absent", "name: X", ["+", "-", "*", "/", "==", "!=", ">", "<", ">=", "<=", "="]),
]


@pytest.mark.parametrize(
    ("label", "text", "symbols"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES]
)
def test_operator_shapes(label: str, text: str, symbols: list[str]) -> None:
    """Every operator shape gives the symbols in file order."""
    assert [op.symbol for op in load(text + "\n").operators] == symbols


def test_operator_fields() -> None:
    """Precedence and associativity are kept; associativity defaults to left."""
    spec = load("operators: [{symbol: '^', precedence: 6, associativity: right}, {symbol: '+'}]\n")
    assert [(op.precedence, op.associativity) for op in spec.operators] == [
        (6, "right"),
        (0, "left"),
    ]


LEXICAL_CASES = [
    (
        "L syntax_options",
        "syntax_options: {single_line_comment: '//',"
        " multi_line_comment_start: '/*', multi_line_comment_end: '*/'}",
        {"line_comments": ["//"], "block_comments": [["/*", "*/"]]},
    ),
    (
        "S parsing",
        "parsing: {comment_style: ';', multiline_comment_start: '#|', multiline_comment_end: '|#'}",
        {"line_comments": [";"], "block_comments": [["#|", "|#"]]},
    ),
    (
        "T syntax",
        "syntax: {line_comment: '#', block_comment_start: '###', block_comment_end: '###'}",
        {"line_comments": ["#"], "block_comments": [["###", "###"]]},
    ),
    (
        "syntax_options wins over parsing",
        "syntax_options: {single_line_comment: '#'}\nparsing: {comment_style: '//'}",
        {"line_comments": ["#"]},
    ),
    (
        "G alt comment prefix",
        'parsing: {comment_style: REM, alt_comment_prefix: "\'"}',
        {"line_comments": ["REM", "'"]},
    ),
    (
        "block comment needs both ends",
        "parsing: {multiline_comment_start: '(*', multiline_comment_end: null}",
        {"block_comments": []},
    ),
    ("X top-level comments", "comments: '%'", {"line_comments": ["%"]}),
    ("no comments declared", "name: X", {"line_comments": [], "block_comments": []}),
    (
        "L string delimiters authoritative",
        "parsing_config: {string_delimiters: ['\"', '\"\"\"']}\n"
        'parsing: {string_delimiters: ["\'"]}',
        {"string_delimiters": ['"', '"""']},
    ),
    ("S string delimiters", 'parsing: {string_delimiters: ["\'"]}', {"string_delimiters": ["'"]}),
    ("default strings", "name: X", {"string_delimiters": ['"', "'"]}),
    ("X top-level strings", "string_delimiters: ['`']", {"string_delimiters": ["`"]}),
    ("S separator", "syntax: {statement_separator: ';;'}", {"statement_terminator": ";;"}),
    (
        "null separator is newline",
        "syntax: {statement_separator: null}",
        {"statement_terminator": None},
    ),
    ("G parsing separator", "parsing: {statement_separator: ':'}", {"statement_terminator": ":"}),
    (
        "L parsing_config separator",
        "parsing_config: {statement_separator: ';'}",
        {"statement_terminator": ";"},
    ),
    (
        "terminator only with require_semicolons",
        "syntax_options: {statement_terminator: '!', require_semicolons: false}",
        {"statement_terminator": None},
    ),
    (
        "required terminator",
        "syntax_options: {statement_terminator: ';', require_semicolons: true}",
        {"statement_terminator": ";"},
    ),
    (
        "separator that is a keyword is skipped",
        "keywords: {return: ';'}\nparsing_config: {statement_separator: ';'}",
        {"statement_terminator": None},
    ),
    (
        "separator that is the comment prefix is skipped",
        "syntax_options: {single_line_comment: ';'}\nparsing_config: {statement_separator: ';'}",
        {"statement_terminator": None},
    ),
]


@pytest.mark.parametrize(
    ("label", "text", "facts"), LEXICAL_CASES, ids=[c[0] for c in LEXICAL_CASES]
)
def test_lexical_resolution(label: str, text: str, facts: dict[str, object]) -> None:
    """Comments, strings and terminators follow the section 3.12 resolution table."""
    data = spec_to_json(load(text + "\n"))
    assert {key: data[key] for key in facts} == facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: X", True),
        ("parsing: {case_sensitive: false}", False),
        ("case_sensitive: false", False),
    ],
)
def test_case_sensitivity(text: str, expected: bool) -> None:
    """Case sensitivity comes from `parsing.case_sensitive` (default true)."""
    assert load(text + "\n").case_sensitive is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: X", "\\"),
        ("parsing_config: {escape_character: null}", None),
        ("parsing_config: {escape_character: '^'}", "^"),
    ],
)
def test_escape_character(text: str, expected: str | None) -> None:
    """The escape character defaults to backslash; null turns escapes off."""
    assert load(text + "\n").escape_char == expected


IDENTITY_CASES = [
    ("metadata first", "metadata: {name: M, version: '2.0'}\nname: T", ("M", "2.0")),
    ("top level", "name: T\nversion: '1.0'", ("T", "1.0")),
    ("P language_name", "language_name: P", ("P", "")),
    ("float version keeps text", "name: T\nversion: 1.0", ("T", "1.0")),
    ("version 1.10 keeps its zero", "name: T\nversion: 1.10", ("T", "1.10")),
    ("nameless uses the file stem", "keywords: {}", ("lang", "")),
]


@pytest.mark.parametrize(
    ("label", "text", "expected"), IDENTITY_CASES, ids=[c[0] for c in IDENTITY_CASES]
)
def test_identity(label: str, text: str, expected: tuple[str, str]) -> None:
    """Name and version come from metadata, then top level, then fallbacks."""
    spec = load(text + "\n")
    assert (spec.name, spec.version) == expected


def test_description_from_metadata_block_scalar() -> None:
    """A folded description keeps its text."""
    spec = load("metadata:\n  description: >\n    A long\n    text\n")
    assert spec.description == "A long text\n"


ERROR_CASES = [
    (
        "bad integer",
        "functions:\n  print:\n    min_args: abc\n",
        "functions.print.min_args",
        3,
        "expected an integer, got 'abc'",
    ),
    (
        "bool as integer",
        "functions:\n  f:\n    arity: true\n",
        "functions.f.arity",
        3,
        "expected an integer",
    ),
    (
        "arity below -1",
        "functions:\n  f:\n    arity: -2\n",
        "functions.f.arity",
        3,
        "expected -1 or more",
    ),
    (
        "min above max",
        "functions:\n  f:\n    min_args: 3\n    max_args: 1\n",
        "functions.f.min_args",
        3,
        "greater than",
    ),
    (
        "null function",
        "functions:\n  f:\n",
        "functions.f",
        2,
        "expected a mapping or a function name",
    ),
    ("keywords not a mapping", "keywords: 5\n", "keywords", 1, "expected a mapping or a list"),
    (
        "keyword without custom",
        "keywords:\n  if:\n    original: if\n",
        "keywords.if",
        2,
        "missing required field 'custom'",
    ),
    ("keyword null", "keywords:\n  if:\n", "keywords.if", 2, "expected a custom word"),
    (
        "keyword custom a list",
        "keywords:\n  if: {custom: [a]}\n",
        "keywords.if.custom",
        2,
        "expected a string",
    ),
    (
        "operator precedence negative",
        "operators:\n  - symbol: '+'\n    precedence: -1\n",
        "operators[0].precedence",
        3,
        "expected 0 or more",
    ),
    (
        "operator associativity",
        "operators:\n  - {symbol: '+', associativity: up}\n",
        "operators[0].associativity",
        2,
        "left, right or none",
    ),
    (
        "operator without symbol",
        "operators:\n  - {precedence: 1}\n",
        "operators[0]",
        2,
        "missing required field 'symbol'",
    ),
    ("operators scalar", "operators: 3\n", "operators", 1, "expected a list or a mapping"),
    ("version a list", "version: [1]\n", "version", 1, "expected a string"),
    (
        "enabled quoted",
        "functions:\n  f: {enabled: 'yes'}\n",
        "functions.f.enabled",
        2,
        "expected true or false",
    ),
    ("metadata scalar", "metadata: 3\n", "metadata", 1, "expected a mapping"),
    (
        "grammar rule not a string",
        "grammar:\n  rules:\n    program: [a]\n",
        "grammar.rules.program",
        3,
        "must be a pattern string",
    ),
    ("blocks style", "blocks:\n  style: curly\n", "blocks.style", 2, "expected one of"),
    (
        "blocks pair",
        "blocks:\n  style: keywords\n  pairs: [[a]]\n",
        "blocks.pairs[0]",
        3,
        "expected [open, close]",
    ),
    (
        "string delimiters mapping",
        "parsing:\n  string_delimiters: {a: b}\n",
        "parsing.string_delimiters",
        2,
        "expected a list of strings",
    ),
]


@pytest.mark.parametrize(
    ("label", "text", "key_path", "line", "reason"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_errors_name_file_line_key_and_reason(
    label: str, text: str, key_path: str, line: int, reason: str
) -> None:
    """Invalid values raise LanguageSpecError with file, line, key path and reason."""
    with pytest.raises(LanguageSpecError) as info:
        load_config_text(text, "bad.yaml")
    err = info.value
    assert (err.path, err.key_path, err.line) == ("bad.yaml", key_path, line)
    assert reason in err.reason
    assert str(err).startswith(f"bad.yaml:{line}: invalid config at {key_path}: ")


DOCUMENT_ERRORS = [
    ("root list", "- a\n- b\n", "x.yaml", "root must be a mapping, got a list"),
    ("root scalar", "hello\n", "x.yaml", "root must be a mapping, got 'hello'"),
    ("empty file", "", "x.yaml", "root must be a mapping, got None"),
    (
        "test-case list",
        "- name: t\n  source: |\n    PRINT(1)\n  expect_stdout: '1'\n",
        "c.yaml",
        "is a test-case list, not a language config",
    ),
    ("YAML syntax", "a: [1,\nb: 2\n", "x.yaml", "YAML syntax error"),
    ("JSON syntax", '{\n  "a": 1,\n}', "x.json", "JSON syntax error"),
    ("YAML read as JSON by suffix", "name: X\n", "x.cfg", "JSON syntax error"),
    ("non-scalar YAML key", "? [a, b]\n: c\n", "x.yaml", "mapping key must be a plain word"),
    ("unknown YAML tag", "name: !foo x\n", "x.yaml", "YAML syntax error"),
    ("impossible date", "name: 2024-13-45\n", "x.yaml", "YAML value error"),
]


@pytest.mark.parametrize(
    ("label", "text", "path", "reason"), DOCUMENT_ERRORS, ids=[c[0] for c in DOCUMENT_ERRORS]
)
def test_document_errors(label: str, text: str, path: str, reason: str) -> None:
    """Unparseable or non-mapping documents raise LanguageSpecError naming the file."""
    with pytest.raises(LanguageSpecError) as info:
        load_config_text(text, path)
    assert info.value.path == path
    assert reason in info.value.reason


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [("a: 1\nb: 2\n  c: 3\n", "x.yaml", 3), ('{\n  "a": 1,\n  "b" 2\n}', "x.json", 3)],
)
def test_syntax_errors_carry_the_line(text: str, path: str, line: int) -> None:
    """YAML marks and JSON positions become the error's line."""
    with pytest.raises(LanguageSpecError) as info:
        load_config_text(text, path)
    assert info.value.line == line


WARNING_CASES = [
    ("unknown top-level key", "name: X\nflavour: sweet\n", "flavour", 2, "unknown top-level key"),
    (
        "unknown keyword field",
        "keywords:\n  if: {custom: SI, colour: red}\n",
        "keywords.if.colour",
        2,
        "unknown keyword key",
    ),
    (
        "unknown function field",
        "functions:\n  f:\n    speed: 3\n",
        "functions.f.speed",
        3,
        "unknown function key",
    ),
    (
        "unknown operator field",
        "operators:\n  - symbol: '+'\n    weight: 1\n",
        "operators[0].weight",
        3,
        "unknown operator key",
    ),
    (
        "unknown syntax_options field",
        "syntax_options:\n  wobble: true\n",
        "syntax_options.wobble",
        2,
        "unknown syntax_options key",
    ),
    (
        "duplicate YAML key",
        "functions:\n  f:\n    min_args: 0\n    max_args: 1\n    min_args: 1\n",
        "functions.f.min_args",
        5,
        "written twice",
    ),
    (
        "duplicate custom keyword",
        "keywords:\n  function: lambda\n  lambda: lambda\n",
        "keywords.lambda",
        3,
        "stands for both 'function' and 'lambda'",
    ),
    (
        "keyword is a builtin",
        "keywords:\n  print: say\nfunctions:\n  print: say\n",
        "keywords.print",
        2,
        "also a builtin",
    ),
    (
        "both function sections",
        "functions: {a: {name: a}}\nbuiltin_functions: {b: {name: b}}\n",
        "builtin_functions",
        2,
        "using 'functions'",
    ),
    ("grammar without rules", "grammar:\n  start: program\n", "grammar", 1, "no rules"),
    ("empty keyword spelling", "keywords:\n  if: ''\n", "keywords.if", 2, "empty keyword spelling"),
]


@pytest.mark.parametrize(
    ("label", "text", "key_path", "line", "message"),
    WARNING_CASES,
    ids=[c[0] for c in WARNING_CASES],
)
def test_warnings(label: str, text: str, key_path: str, line: int, message: str) -> None:
    """Non-fatal findings become warnings with key path and line; loading succeeds."""
    spec = load_config_text(text, "w.yaml")
    found = [(w.key_path, w.line) for w in spec.warnings if message in w.message]
    assert found == [(key_path, line)]
    assert all(w.path == "w.yaml" for w in spec.warnings)


def test_duplicate_yaml_key_last_value_wins() -> None:
    """A key written twice keeps its last value."""
    spec = load("functions:\n  f:\n    min_args: 0\n    max_args: 3\n    min_args: 2\n")
    assert (spec.builtins[0].min_args, spec.builtins[0].max_args) == (2, 3)


def test_duplicate_json_key_warns_with_line() -> None:
    """JSON duplicate keys warn at the line of the key, last value wins."""
    text = '{\n  "name": "A",\n  "name": "B"\n}'
    spec = load_config_text(text, "d.json")
    assert spec.name == "B"
    assert [(w.key_path, w.line) for w in spec.warnings] == [("name", 3)]


def test_json_warning_lines() -> None:
    """Warnings in JSON files carry the line of the key."""
    text = (
        '{\n  "metadata": {"name": "A"},\n  "keywords": {\n'
        '    "if": {"custom": "x", "odd": 1}\n  }\n}'
    )
    spec = load_config_text(text, "d.json")
    assert [(w.key_path, w.line) for w in spec.warnings] == [("keywords.if.odd", 4)]


def test_duplicate_custom_keywords_keep_both_meanings() -> None:
    """One custom word may stand for several originals; all meanings are kept."""
    spec = load("keywords: {function: lambda, lambda: lambda}\n")
    assert spec.originals_of("lambda") == frozenset({"function", "lambda"})


def test_hand_built_data_with_non_string_keys() -> None:
    """Plain dict keys True/None/2 read as their YAML spelling."""
    spec = spec_from_data({"keywords": {True: "yes", None: "nada", 2: "dos"}}, "data.yaml")
    assert pairs(spec) == [("true", "yes"), ("null", "nada"), ("2", "dos")]


GRAMMAR_TEXT = """\
metadata: {name: G}
grammar:
  name: tiny
  start: program
  skip_whitespace: false
  comments: ["REM\\\\b.*"]
  rules:
    program: "statement*"
    statement: "'PRINT' expr"
    expr: NUMBER
"""


def test_grammar_section() -> None:
    """A grammar section keeps name, start, flags, comments and ordered rules."""
    grammar = load(GRAMMAR_TEXT).grammar
    assert grammar is not None
    assert (grammar.name, grammar.start, grammar.skip_whitespace) == ("tiny", "program", False)
    assert grammar.comments == ("REM\\b.*",)
    assert grammar.rules == (
        ("program", "statement*"),
        ("statement", "'PRINT' expr"),
        ("expr", "NUMBER"),
    )


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("name: P\ngrammar:\n  rules:\n    program: 'stmt*'\n", (("program", "stmt*"),)),
        (
            "grammar:\n  rules: |\n    program <- stmt*\n    stmt <- IDENT '='\n      expr\n",
            (("program", "stmt*"), ("stmt", "IDENT '=' expr")),
        ),
        ("grammar: 'program <- NUMBER'\n", (("program", "NUMBER"),)),
    ],
)
def test_grammar_defaults_and_text_notation(text: str, rules: tuple[tuple[str, str], ...]) -> None:
    """Grammar defaults apply (custom/program/skip/`//.*`); PEG text notation is read."""
    grammar = load(text).grammar
    assert grammar is not None
    assert (grammar.name, grammar.start, grammar.skip_whitespace) == ("custom", "program", True)
    assert grammar.comments == ("//.*",)
    assert grammar.rules == rules


BLOCK_CASES = [
    (
        "explicit blocks key",
        "blocks: {style: braces, pairs: [['{', '}']]}\nkeywords: {end: END}",
        Blocks("braces", (("{", "}"),)),
    ),
    (
        "lisp comments",
        "parsing: {comment_style: ';', multiline_comment_start: '#|', multiline_comment_end: '|#'}",
        Blocks("sexpr", (("(", ")"),)),
    ),
    (
        "lisp syntax flags",
        "keywords: {define: define}\n"
        "syntax: {parentheses_required: true, function_keyword_required: false}",
        Blocks("sexpr", (("(", ")"),)),
    ),
    ("forth", "keywords: {function: ':', return: ';', if: IF}", Blocks("keywords", ((":", ";"),))),
    (
        "basic with closers",
        "keywords: {for: FOR, next: NEXT, while: WHILE, wend: WEND, if: IF, endif: ENDIF}\n"
        "parsing: {comment_style: REM}",
        Blocks("keywords", (("FOR", "NEXT"), ("WHILE", "WEND"), ("IF", "ENDIF"))),
    ),
    (
        "basic with END makes two-word closers",
        "keywords: {if: IF, sub: SUB, end: END, goto: GOTO}",
        Blocks("keywords", (("IF", "END IF"), ("SUB", "END SUB"))),
    ),
    (
        "basic without closers",
        "keywords: {if: IF, for: FOR}\nsyntax: {statement_separator: ':'}",
        Blocks("none"),
    ),
    (
        "pascal openers only",
        "keywords: {begin: BEGIN, end: END, if: IF, while: WHILE, case: CASE,"
        " repeat: REPEAT, until: UNTIL}\nsyntax: {statement_separator: ';'}",
        Blocks("keywords", (("BEGIN", "END"), ("CASE", "END"), ("REPEAT", "UNTIL"))),
    ),
    (
        "end-closed keywords",
        "keywords: {if: if, function: def, while: while, end: end, endwhile: done}",
        Blocks("keywords", (("if", "end"), ("while", "done"), ("def", "end"))),
    ),
    (
        "repeat-until alone",
        "keywords: {repeat: repeat, until: until}\nsyntax: {statement_separator: ';'}",
        Blocks("keywords", (("repeat", "until"),)),
    ),
    (
        "python-like C file",
        "metadata: {name: C}\nkeywords: {def: {custom: def}, if: {custom: if}}",
        Blocks("indent"),
    ),
    ("teachscript-like short form", "keywords: {if: when, def: teach}", Blocks("indent")),
    (
        "short form with a separator",
        "keywords: {if: if, let: let}\nsyntax: {statement_separator: ';;'}",
        Blocks("none"),
    ),
    (
        "upper-case without closers",
        "metadata: {name: U}\nkeywords: {if: {custom: IF}, def: {custom: DEF}}",
        Blocks("none"),
    ),
    (
        "L boilerplate braces are not braces",
        "metadata: {name: L}\nkeywords: {if: {custom: if}}\n"
        "parsing_config: {block_start: '{', block_end: '}'}",
        Blocks("indent"),
    ),
    (
        "declared non-default block pair",
        "parsing_config: {block_start: '<<', block_end: '>>'}",
        Blocks("braces", (("<<", ">>"),)),
    ),
    (
        "declared keyword block pair",
        "parsing_config: {block_start: 'DO', block_end: 'DONE'}",
        Blocks("keywords", (("DO", "DONE"),)),
    ),
]


@pytest.mark.parametrize(("label", "text", "blocks"), BLOCK_CASES, ids=[c[0] for c in BLOCK_CASES])
def test_block_heuristic(label: str, text: str, blocks: Blocks) -> None:
    """The block style and pairs follow the documented heuristic, in order."""
    assert load(text + "\n").blocks == blocks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("parsing: {comment_style: REM}", True),
        ("keywords: {goto: GOTO}", True),
        ("keywords: {call: GOSUB}", True),
        ("parsing: {comment_style: '#'}", False),
        ("syntax: {statement_separator: ':'}", False),
    ],
)
def test_line_numbers(text: str, expected: bool) -> None:
    """BASIC-like languages (REM comments, GOTO/GOSUB) read leading integers as line numbers."""
    assert load(text + "\n").line_numbers is expected


def test_yaml_json_same_result() -> None:
    """The same config in YAML and JSON normalizes to the same spec."""
    yaml_spec = load(
        "metadata: {name: A}\nkeywords: {if: {custom: SI}}\nfunctions: {f: {arity: 2}}\n", "a.yaml"
    )
    json_spec = load_config_text(
        '{"metadata": {"name": "A"}, "keywords": {"if": {"custom": "SI"}},'
        ' "functions": {"f": {"arity": 2}}}',
        "a.json",
    )
    assert spec_to_json(yaml_spec) | {"source": ""} == spec_to_json(json_spec) | {"source": ""}


def test_yaml_anchors_and_merge_keys() -> None:
    """Anchors, aliases and merge keys load; shared values are read once."""
    text = "base: &b {min_args: 1, max_args: 2}\nfunctions:\n  f: {<<: *b, name: f}\n"
    spec = load(text)
    assert arity(spec)[0] == ("f", "f", 1, 2)
    assert [w.key_path for w in spec.warnings] == ["base"]


def test_self_referencing_alias_is_an_error_or_loads() -> None:
    """A recursive alias never escapes as anything but LanguageSpecError."""
    try:
        load("keywords: &k [*k]\n")
    except LanguageSpecError as exc:
        assert "keywords" in str(exc)
