"""The named feature policies, built from defaults merged with the user's overrides.

Each feature's `deadlineS` is enforced by the worker pool, which kills a computation that
runs past it (a thread could not be stopped); the policy itself gets a slightly longer
deadline as a safety net. Overrides are merged per section, so `{"breaker": {"minimumCalls":
4}}` keeps the other breaker defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from resilience import (
    DEFAULT_CLASSIFIER,
    ErrorClass,
    Policy,
    PolicyConfigError,
    by_type,
    merge_settings,
)
from server.errors import ParserCraftError
from server.settings import FEATURES

if TYPE_CHECKING:
    from resilience import AuditLog, Clock

POLICY_MARGIN_S = 0.5
"""How much later than the worker deadline the policy's own deadline fires."""

_INTERACTIVE: dict[str, object] = {
    "deadlineS": 1.0,
    "breaker": {
        "failureRateThreshold": 0.5,
        "minimumCalls": 10,
        "windowSize": 20,
        "waitDurationS": 5.0,
        "halfOpenMaxCalls": 2,
        "slowCallDurationS": 0.8,
        "slowCallRateThreshold": 0.9,
    },
    "bulkhead": {"maxConcurrent": 8, "maxWait": 64},
    "rateLimit": {"rate": 200.0, "burst": 400.0},
}

_BATCH: dict[str, object] = {
    **_INTERACTIVE,
    "deadlineS": 5.0,
    "breaker": {**_INTERACTIVE["breaker"], "minimumCalls": 5, "slowCallDurationS": 4.0},  # type: ignore[dict-item]  # a dict literal above
}

DEFAULTS: dict[str, dict[str, object]] = {
    "completion": _INTERACTIVE,
    "hover": _INTERACTIVE,
    "signatureHelp": _INTERACTIVE,
    "typeInference": _INTERACTIVE,
    "references": _INTERACTIVE,
    "rename": _INTERACTIVE,
    "codeActions": _INTERACTIVE,
    "symbols": _BATCH,
    "semanticTokens": _BATCH,
    "formatting": _BATCH,
    "diagnostics": _BATCH,
}
"""Per-feature defaults: interactive requests answer within a second; whole-file work in five."""

ENGINE_CLASSIFIER = by_type({ParserCraftError: ErrorClass.PERMANENT}) | DEFAULT_CLASSIFIER
"""Engine and worker failures are permanent (never retried) but not `unexpected`."""


@attrs.frozen
class FeaturePolicy:
    """A feature's policy and the deadline the worker pool enforces for it."""

    policy: Policy[object]
    deadline_s: float


def merged(feature: str, overrides: Mapping[str, object] | None) -> dict[str, object]:
    """The feature's defaults with `overrides` merged in, section by section."""
    return merge_settings(DEFAULTS[feature], overrides)


def build(
    overrides: Mapping[str, Mapping[str, object]],
    *,
    audit: AuditLog | None,
    clock: Clock | None = None,
) -> tuple[dict[str, FeaturePolicy], list[str]]:
    """One policy per feature; an invalid override falls back to that feature's defaults."""
    policies: dict[str, FeaturePolicy] = {}
    errors: list[str] = []
    for feature in FEATURES:
        try:
            policies[feature] = _build(
                feature, merged(feature, overrides.get(feature)), audit, clock
            )
        except PolicyConfigError as exc:
            errors.append(f"policies.{feature}: {exc}")
            policies[feature] = _build(feature, DEFAULTS[feature], audit, clock)
    return policies, errors


def _build(
    feature: str, table: Mapping[str, object], audit: AuditLog | None, clock: Clock | None
) -> FeaturePolicy:
    """One feature's policy from a complete settings table."""
    raw = table.get("deadlineS", table.get("deadline_s"))
    if raw is None:
        deadline = 1.0
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0:
        deadline = float(raw)
    else:
        raise PolicyConfigError(feature, "deadlineS", f"must be a number > 0, got {raw!r}")
    config = {k: v for k, v in table.items() if k not in ("deadlineS", "deadline_s")}
    config["deadlineS"] = deadline + POLICY_MARGIN_S
    policy: Policy[object] = Policy.from_config(
        feature, config, clock=clock, audit=audit, classifier=ENGINE_CLASSIFIER
    )
    return FeaturePolicy(policy, deadline)
