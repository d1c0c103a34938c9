"""The config loader raises nothing but LanguageSpecError, whatever it is given."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.engine.config import load_config_text, spec_from_data
from server.engine.inspect import spec_to_json
from server.errors import LanguageSpecError

SECTION_KEYS = [
    "metadata", "keywords", "functions", "builtin_functions", "operators", "syntax_options",
    "parsing_config", "parsing", "syntax", "grammar", "blocks", "name", "version",
    "builtin_keywords", "comments", "string_delimiters", "case_sensitive", "runtime",
]  # fmt: skip
FIELD_KEYS = [
    "original", "custom", "category", "description", "name", "new_name", "arity", "min_args",
    "max_args", "alias", "enabled", "params", "returns", "symbol", "precedence",
    "associativity", "single_line_comment", "multi_line_comment_start",
    "multi_line_comment_end", "comment_style", "multiline_comment_start",
    "multiline_comment_end", "statement_separator", "statement_terminator",
    "require_semicolons", "block_start", "block_end", "escape_character", "rules", "start",
    "skip_whitespace", "style", "pairs", "line_comment", "alt_comment_prefix", "if", "end",
    "begin", "true", "print", ":", ";", "REM",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=5)
    | st.floats(allow_nan=True)
    | st.sampled_from(["", ";", ":", "#", "REM", "{", "}", "end", "END", "-1", "left", "indent"])
    | st.text(max_size=8)
)
keys = st.sampled_from(FIELD_KEYS) | st.text(max_size=6) | st.booleans() | st.none() | st.integers()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)
configs = st.dictionaries(st.sampled_from(SECTION_KEYS), values, max_size=8)


def check(call: object) -> None:
    """Run a load; only LanguageSpecError may escape, and a result renders as JSON."""
    assert callable(call)
    try:
        spec = call()
    except LanguageSpecError:
        return
    json.dumps(spec_to_json(spec))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.sampled_from(["x.yaml", "x.json", "x.yml", "x"]))
def test_arbitrary_text_never_raises_anything_else(text: str, path: str) -> None:
    """Random text parsed as YAML or JSON fails only with LanguageSpecError."""
    check(lambda: load_config_text(text, path))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(configs | values)
def test_arbitrary_data_never_raises_anything_else(data: object) -> None:
    """Random nested data (non-string keys included) fails only with LanguageSpecError."""
    check(lambda: spec_from_data(data, "data.yaml"))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_arbitrary_data_as_yaml_text(data: dict[str, object]) -> None:
    """Random configs dumped to YAML and loaded back fail only with LanguageSpecError."""
    text = yaml.safe_dump(data, allow_unicode=True)
    check(lambda: load_config_text(text, "dumped.yaml"))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_arbitrary_data_as_json_text(data: dict[str, object]) -> None:
    """Random configs dumped to JSON and loaded back fail only with LanguageSpecError."""
    try:
        text = json.dumps(data, default=str)
    except (TypeError, ValueError):
        return
    check(lambda: load_config_text(text, "dumped.json"))


@settings(max_examples=100)
@given(
    st.sampled_from(
        [
            "[" * 5000,
            "{" * 5000,
            "a: " + "[" * 3000,
            "- " * 3000,
            "&a [*a, *a]",
            "!!binary x",
            "? [a]\n: b",
        ]
    ),
    st.sampled_from(["x.yaml", "x.json"]),
)
def test_hostile_documents(text: str, path: str) -> None:
    """Deep nesting, aliases and odd tags fail only with LanguageSpecError."""
    check(lambda: load_config_text(text, path))
