"""Server settings: an attrs tree with defaults, read from camelCase wire data.

Settings arrive in `initializationOptions` and in the `parsercraft` section of
`workspace/configuration` (and `didChangeConfiguration`). `parse_settings` never raises: each
invalid field keeps its previous (or default) value and produces one error message naming the
field, so a typo in one setting never discards the others.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from resilience import snake_case

if TYPE_CHECKING:
    from collections.abc import Callable

FEATURES = (
    "completion",
    "hover",
    "signatureHelp",
    "formatting",
    "typeInference",
    "diagnostics",
    "symbols",
    "semanticTokens",
    "references",
    "rename",
    "codeActions",
)
"""The named feature policies, as the health report names them."""


CLIENT_ONLY = frozenset({"server", "trace"})
"""Keys of the `parsercraft` section that belong to the editor client (`parsercraft.server.path`,
`parsercraft.trace.server`): present when a client answers a configuration pull, ignored here."""


def _object(value: object, what: str) -> Mapping[str, object]:
    """An object; an empty list counts as an empty object (Neovim encodes `{}` as `[]`)."""
    if isinstance(value, list) and not value:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be an object")
    return value


@attrs.frozen
class LanguageSetting:
    """One language mapping: `config` is a path (relative to the workspace) or `preset:NAME`."""

    name: str
    config: str
    extensions: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()


@attrs.frozen
class ChaosSetting:
    """Injected faults for one feature, to rehearse degradation (off unless configured)."""

    failure_rate: float = 0.0
    """Probability in [0, 1] that a call fails with an injected fault."""
    latency_ms: float = 0.0
    """Extra latency added to every call, in milliseconds."""
    hang: bool = False
    """Run a real runaway computation instead of the feature (stopped at its deadline)."""


@attrs.frozen
class Settings:
    """Everything a user can configure; every field has a default."""

    languages: tuple[LanguageSetting, ...] = ()
    """Language mappings added to those of `parsercraft.toml` (these win on conflicts)."""
    indent_width: int = 4
    """Spaces per indentation level when formatting (overridden by `[format]` in the project)."""
    diagnostics_delay_ms: float = 150.0
    """Debounce between the last edit and recomputing diagnostics."""
    policies: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict)
    """Per-feature policy overrides (`deadlineS`, `breaker`, `bulkhead`, `rateLimit`)."""
    chaos: Mapping[str, ChaosSetting] = attrs.field(factory=dict)
    """Per-feature fault injection, e.g. `{"completion": {"failureRate": 1.0}}`."""
    workers: int = 2
    """Engine worker processes (each runs one computation at a time)."""
    max_document_mb: float = 32.0
    """Documents larger than this are not analysed (a diagnostic says so)."""
    audit_file: str | None = None
    """Where the audit log is appended (JSON Lines); `None` keeps it in memory only."""
    memory_limit_mb: float = 2048.0
    """Resident memory above which health reports `high-memory`."""


def parse_settings(data: object, previous: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from wire data (camelCase or snake_case) and the errors found, one per field.

    The data is the whole section (as `didChangeConfiguration` sends it): a field it leaves
    out takes its default; a field with an invalid value keeps its `previous` value.
    """
    previous = previous or Settings()
    if data is None:
        return previous, []
    if not isinstance(data, Mapping):
        return previous, [f"settings must be an object, got {type(data).__name__}"]
    current = Settings()
    errors: list[str] = []
    changes: dict[str, object] = {}
    for raw_key, value in data.items():
        key = snake_case(str(raw_key))
        if key in CLIENT_ONLY:
            continue
        reader = _READERS.get(key)
        if reader is None:
            errors.append(f"unknown setting '{raw_key}'")
            continue
        try:
            changes[key] = reader(value)
        except (TypeError, ValueError) as exc:
            errors.append(f"setting '{raw_key}': {exc}")
            changes[key] = getattr(previous, key)
    # Each reader returns its field's type; mypy cannot see through the table.
    return attrs.evolve(current, **changes), errors  # type: ignore[arg-type]


def _number(value: object, *, low: float, high: float = math.inf) -> float:
    """A finite number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    if not (low <= value <= high) or math.isnan(value):
        raise ValueError(f"expected a number in [{low}, {high}], got {value!r}")
    return float(value)


def _integer(low: int, high: int) -> Callable[[object], int]:
    def read(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an integer, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"expected an integer in [{low}, {high}], got {value}")
        return value

    return read


def _strings(value: object, what: str) -> tuple[str, ...]:
    """A list of strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{what} must be a list of strings")
    return tuple(value)


def _languages(value: object) -> tuple[LanguageSetting, ...]:
    """`[{name, config, extensions?, globs?}, ...]`."""
    if not isinstance(value, list):
        raise TypeError("expected a list of {name, config, extensions, globs}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise TypeError(f"languages[{i}] must be an object")
        name, config = item.get("name"), item.get("config")
        if not isinstance(name, str) or not isinstance(config, str):
            raise TypeError(f"languages[{i}] needs string 'name' and 'config'")
        unknown = set(item) - {"name", "config", "extensions", "globs"}
        if unknown:
            raise ValueError(f"languages[{i}] has unknown keys {sorted(unknown)}")
        extensions = _strings(item.get("extensions", []), f"languages[{i}].extensions")
        globs = _strings(item.get("globs", []), f"languages[{i}].globs")
        out.append(LanguageSetting(name, config, extensions, globs))
    return tuple(out)


def _policies(value: object) -> dict[str, Mapping[str, object]]:
    """`{feature: {policy settings}}`; the policy fields are validated when policies are built."""
    value = _object(value, "policies (an object mapping feature names to policy settings)")
    out: dict[str, Mapping[str, object]] = {}
    for feature, table in value.items():
        if feature not in FEATURES:
            raise ValueError(f"unknown feature '{feature}'; features: {', '.join(FEATURES)}")
        out[str(feature)] = dict(_object(table, f"policies.{feature}"))
    return out


def _chaos(value: object) -> dict[str, ChaosSetting]:
    """`{feature: {failureRate, latencyMs, hang}}`."""
    if value is None:
        return {}
    value = _object(value, "chaos (an object mapping feature names to fault settings)")
    out: dict[str, ChaosSetting] = {}
    for feature, raw in value.items():
        if feature not in FEATURES:
            raise ValueError(f"unknown feature '{feature}'; features: {', '.join(FEATURES)}")
        table = _object(raw, f"chaos.{feature}")
        unknown = {snake_case(str(k)) for k in table} - {"failure_rate", "latency_ms", "hang"}
        if unknown:
            raise ValueError(f"chaos.{feature} has unknown keys {sorted(unknown)}")
        fields = {snake_case(str(k)): v for k, v in table.items()}
        hang = fields.get("hang", False)
        if not isinstance(hang, bool):
            raise TypeError(f"chaos.{feature}.hang must be true or false")
        out[str(feature)] = ChaosSetting(
            failure_rate=_number(fields.get("failure_rate", 0.0), low=0.0, high=1.0),
            latency_ms=_number(fields.get("latency_ms", 0.0), low=0.0, high=60_000.0),
            hang=hang,
        )
    return out


def _optional_path(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise TypeError(f"expected a file path or null, got {value!r}")


_READERS: dict[str, Callable[[object], object]] = {
    "languages": _languages,
    "indent_width": _integer(1, 16),
    "diagnostics_delay_ms": lambda v: _number(v, low=0.0, high=10_000.0),
    "policies": _policies,
    "chaos": _chaos,
    "workers": _integer(1, 8),
    "max_document_mb": lambda v: _number(v, low=0.001, high=1024.0),
    "audit_file": _optional_path,
    "memory_limit_mb": lambda v: _number(v, low=16.0),
}
