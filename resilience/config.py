"""Policy settings: validated attrs records built from a dict with camelCase or snake_case keys."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs
from tenacity import stop_after_attempt, stop_before_delay, wait_random_exponential

from resilience.breaker import Breaker
from resilience.bulkhead import Bulkhead
from resilience.errors import PolicyConfigError
from resilience.limiter import RateLimiter
from resilience.retry import Retry, RetryBudget

if TYPE_CHECKING:
    from resilience.clock import Clock
    from resilience.retry import RetryOn
    from resilience.store import BreakerStore, BucketStore

__all__ = [
    "BreakerConfig",
    "BulkheadConfig",
    "Layers",
    "PolicyConfig",
    "RateLimitConfig",
    "RetryConfig",
    "build_layers",
    "merge_settings",
    "parse_policy_config",
    "snake_case",
]

C = TypeVar("C")


class _InvalidError(ValueError):
    """A validator rejected the value of `field`."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(reason)


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise _InvalidError(attribute.name, f"must be a finite number > 0, got {value!r}")


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0 or math.isinf(value):
        raise _InvalidError(attribute.name, f"must be a finite number >= 0, got {value!r}")


def _rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise _InvalidError(attribute.name, f"must be in (0, 1], got {value!r}")


def _fraction(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise _InvalidError(attribute.name, f"must be in [0, 1], got {value!r}")


def _at_least_one(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise _InvalidError(attribute.name, f"must be >= 1, got {value!r}")


def _at_least_zero(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise _InvalidError(attribute.name, f"must be >= 0, got {value!r}")


def _optional(validator: attrs._ValidatorType[float]) -> attrs._ValidatorType[float | None]:
    def check(inst: object, attribute: attrs.Attribute[float | None], value: float | None) -> None:
        if value is not None:
            validator(inst, attribute, value)  # type: ignore[arg-type]  # None is excluded above

    return check


@attrs.frozen
class BreakerConfig:
    """Circuit breaker settings."""

    failure_rate_threshold: float = attrs.field(default=0.5, validator=_rate)
    """Open when at least this fraction of the window failed."""
    minimum_calls: int = attrs.field(default=10, validator=_at_least_one)
    """Judge rates only once the window holds this many calls."""
    window_size: int = attrs.field(default=20, validator=_at_least_one)
    """Calls (count window) or seconds (time window) in the sliding window."""
    window_type: Literal["count", "time"] = attrs.field(
        default="count", validator=attrs.validators.in_(("count", "time"))
    )
    """`count`: the last `window_size` calls; `time`: the calls of the last `window_size` s."""
    wait_duration_s: float = attrs.field(default=5.0, validator=_non_negative)
    """Seconds to stay open before admitting trial calls."""
    half_open_max_calls: int = attrs.field(default=2, validator=_at_least_one)
    """Trial calls admitted in half-open; the rest are rejected at once."""
    slow_call_duration_s: float | None = attrs.field(default=None, validator=_optional(_positive))
    """A call at least this slow is slow; None: no call is slow."""
    slow_call_rate_threshold: float = attrs.field(default=1.0, validator=_rate)
    """Open when at least this fraction of the window was slow."""


@attrs.frozen
class BulkheadConfig:
    """Bulkhead settings."""

    max_concurrent: int = attrs.field(default=4, validator=_at_least_one)
    """Calls running at once."""
    max_wait: int = attrs.field(default=0, validator=_at_least_zero)
    """Callers queued for a slot; one more is rejected at once."""


@attrs.frozen
class RateLimitConfig:
    """Token bucket settings."""

    rate: float = attrs.field(validator=_positive)
    """Tokens added per second."""
    burst: float | None = attrs.field(default=None, validator=_optional(_positive))
    """Bucket size; None: equal to `rate`."""
    max_wait_s: float = attrs.field(default=0.0, validator=_non_negative)
    """Seconds a caller may wait for a token before being rejected."""


@attrs.frozen
class RetryConfig:
    """Retry settings; retries are bounded by attempts, elapsed time, the deadline and a budget."""

    max_attempts: int = attrs.field(default=3, validator=_at_least_one)
    """Attempts in total, the first included."""
    max_elapsed_s: float = attrs.field(default=2.0, validator=_positive)
    """No retry starts a pause that would end later than this after the first attempt."""
    initial_backoff_s: float = attrs.field(default=0.1, validator=_positive)
    """Scale of the exponential backoff (full jitter)."""
    max_backoff_s: float = attrs.field(default=1.0, validator=_positive)
    """Longest pause between attempts (a server's Retry-After may ask for more)."""
    budget_ratio: float = attrs.field(default=0.2, validator=_fraction)
    """Retries allowed as a fraction of the policy's recent calls."""
    budget_min_retries: int = attrs.field(default=3, validator=_at_least_zero)
    """Retries always allowed per budget window, however few the calls."""
    budget_window_s: float = attrs.field(default=10.0, validator=_positive)
    """The budget counts the calls and retries of this many recent seconds."""


@attrs.frozen
class PolicyConfig:
    """A policy's settings; a missing section disables that layer."""

    deadline_s: float | None = attrs.field(default=None, validator=_optional(_positive))
    """Overall deadline over queueing, every attempt and every pause."""
    attempt_deadline_s: float | None = attrs.field(default=None, validator=_optional(_positive))
    """Deadline of each attempt; a timed-out attempt counts as a breaker failure."""
    breaker: BreakerConfig | None = None
    """Circuit breaker; None: no breaker."""
    bulkhead: BulkheadConfig | None = None
    """Bulkhead; None: no concurrency limit."""
    rate_limit: RateLimitConfig | None = None
    """Token bucket; None: no rate limit."""
    retry: RetryConfig | None = None
    """Retry; None: one attempt."""


_SECTIONS: dict[str, type] = {
    "breaker": BreakerConfig,
    "bulkhead": BulkheadConfig,
    "rate_limit": RateLimitConfig,
    "retry": RetryConfig,
}


def snake_case(key: str) -> str:
    """`slowCallDurationS` -> `slow_call_duration_s`; snake_case passes through."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _build(policy: str, cls: type[C], data: object, prefix: str) -> C:
    if not isinstance(data, dict):
        raise PolicyConfigError(
            policy, prefix.rstrip(".") or "<root>", f"expected a table, got {data!r}"
        )
    fields = {f.name: f for f in attrs.fields(cls)}  # type: ignore[arg-type]  # cls is attrs
    values: dict[str, object] = {}
    for key, value in data.items():
        name = snake_case(str(key))
        wire = f"{prefix}{_camel(name)}"
        if name not in fields:
            known = ", ".join(sorted(_camel(n) for n in fields))
            raise PolicyConfigError(policy, f"{prefix}{key}", f"unknown setting; known: {known}")
        if name in _SECTIONS and cls is PolicyConfig:
            values[name] = (
                None if value is None else _build(policy, _SECTIONS[name], value, wire + ".")
            )
            continue
        values[name] = _check_type(policy, wire, fields[name].type, value)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        bad: str | None = getattr(exc, "field", None) or _field_of(exc, fields)
        where = prefix + _camel(bad) if bad else prefix.rstrip(".") or "<root>"
        raise PolicyConfigError(policy, where, str(exc)) from exc


def _field_of(exc: BaseException, fields: Mapping[str, object]) -> str | None:
    """The camelCase name of the field an attrs validation error mentions."""
    text = str(exc)
    for name in fields:
        if f"'{name}'" in text:
            return name
    return None


def _check_type(policy: str, wire: str, annotation: object, value: object) -> object:
    text = str(annotation)
    if value is None:
        if "None" in text:
            return None
        raise PolicyConfigError(policy, wire, "must not be null")
    if isinstance(value, bool):
        raise PolicyConfigError(policy, wire, f"expected a number, got {value!r}")
    if text.startswith("int"):
        if not isinstance(value, int):
            raise PolicyConfigError(policy, wire, f"expected an integer, got {value!r}")
        return value
    if text.startswith("float"):
        if not isinstance(value, int | float):
            raise PolicyConfigError(policy, wire, f"expected a number, got {value!r}")
        return float(value)
    if text.startswith("Literal"):
        if not isinstance(value, str):
            raise PolicyConfigError(policy, wire, f"expected a string, got {value!r}")
        return value
    return value


def parse_policy_config(policy: str, data: Mapping[str, object]) -> PolicyConfig:
    """Validate a settings table; raises `PolicyConfigError` naming the first bad field."""
    return _build(policy, PolicyConfig, dict(data), "")


@attrs.frozen
class Layers:
    """The primitives a `PolicyConfig` describes; None where a section is missing."""

    limiter: RateLimiter | None
    bulkhead: Bulkhead | None
    retry: Retry | None
    breaker: Breaker | None


def build_layers(
    name: str,
    cfg: PolicyConfig,
    *,
    clock: Clock,
    retry_on: RetryOn,
    breaker_store: BreakerStore | None = None,
    bucket_store: BucketStore | None = None,
) -> Layers:
    """Build the configured primitives, all named `name` and on `clock`."""
    b, bh, rl, rt = cfg.breaker, cfg.bulkhead, cfg.rate_limit, cfg.retry
    return Layers(
        limiter=None
        if rl is None
        else RateLimiter(
            name,
            rate=rl.rate,
            burst=rl.burst,
            max_wait_s=rl.max_wait_s,
            clock=clock,
            store=bucket_store,
        ),
        bulkhead=None
        if bh is None
        else Bulkhead(name, max_concurrent=bh.max_concurrent, max_wait=bh.max_wait),
        retry=None
        if rt is None
        else Retry(
            name,
            on=retry_on,
            stop=stop_after_attempt(rt.max_attempts) | stop_before_delay(rt.max_elapsed_s),
            wait=wait_random_exponential(multiplier=rt.initial_backoff_s, max=rt.max_backoff_s),
            budget=RetryBudget(
                ratio=rt.budget_ratio,
                min_retries=rt.budget_min_retries,
                window_s=rt.budget_window_s,
                clock=clock,
            ),
            clock=clock,
        ),
        breaker=None
        if b is None
        else Breaker(
            name,
            failure_rate_threshold=b.failure_rate_threshold,
            minimum_calls=b.minimum_calls,
            window_size=b.window_size,
            window_type=b.window_type,
            wait_duration_s=b.wait_duration_s,
            half_open_max_calls=b.half_open_max_calls,
            slow_call_duration_s=b.slow_call_duration_s,
            slow_call_rate_threshold=b.slow_call_rate_threshold,
            clock=clock,
            store=breaker_store,
        ),
    )


def merge_settings(
    base: Mapping[str, object], overrides: Mapping[str, object] | None
) -> dict[str, object]:
    """`base` with `overrides` merged in section by section: `{"breaker": {"minimumCalls": 4}}`
    changes one breaker field and keeps the others; a non-object value replaces the section."""
    merged = dict(base)
    for key, value in (overrides or {}).items():
        section = merged.get(key)
        if isinstance(section, Mapping) and isinstance(value, Mapping):
            merged[key] = {**section, **value}
        else:
            merged[key] = value
    return merged
