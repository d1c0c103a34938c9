"""Wire settings: defaults, validation, replace semantics and client quirks."""

from __future__ import annotations

import pytest

from server.settings import ChaosSetting, Settings, parse_settings


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"indentWidth": 2}, "indent_width", 2),
        ({"indent_width": 3}, "indent_width", 3),
        ({"chaos": []}, "chaos", {}),
        ({"policies": []}, "policies", {}),
        (
            {"chaos": {"completion": {"failureRate": 0.5}}},
            "chaos",
            {"completion": ChaosSetting(failure_rate=0.5)},
        ),
        ({"chaos": {"hover": []}}, "chaos", {"hover": ChaosSetting()}),
        ({"server": {"path": "x"}, "trace": {"server": "off"}}, "indent_width", 4),
    ],
)
def test_valid_settings(data: dict[str, object], field: str, expected: object) -> None:
    """Valid fields are read in camelCase or snake_case; Neovim's `[]` is an empty object,
    and the client-only keys `server` and `trace` are ignored without an error."""
    settings, errors = parse_settings(data)
    assert errors == []
    assert getattr(settings, field) == expected


def test_invalid_field_keeps_previous_value_and_names_the_field() -> None:
    """An invalid field keeps its previous value; the error names the field."""
    previous = Settings(indent_width=2)
    settings, errors = parse_settings({"indentWidth": "x", "workers": 3}, previous)
    assert settings.indent_width == 2
    assert settings.workers == 3
    assert errors == ["setting 'indentWidth': expected an integer, got 'x'"]


def test_fields_left_out_take_defaults() -> None:
    """A new section replaces the old one: fields it leaves out return to their defaults."""
    previous = Settings(indent_width=2, workers=3)
    settings, errors = parse_settings({"workers": 1}, previous)
    assert errors == []
    assert (settings.indent_width, settings.workers) == (4, 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("nope", "settings must be an object, got str"),
        ({"bogus": 1}, "unknown setting 'bogus'"),
        ({"chaos": {"nofeature": {}}}, "unknown feature 'nofeature'"),
        ({"chaos": {"hover": {"failureRate": 2}}}, "expected a number in [0.0, 1.0], got 2"),
        ({"languages": [{"name": "x"}]}, "languages[0] needs string 'name' and 'config'"),
    ],
)
def test_invalid_settings_are_reported(data: object, message: str) -> None:
    """Each invalid setting produces one error containing a clear reason."""
    _, errors = parse_settings(data)
    assert len(errors) == 1
    assert message in errors[0]
