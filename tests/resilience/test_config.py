"""Policy settings: camelCase and snake_case keys, defaults, and errors naming the field."""

from __future__ import annotations

import tomllib

import pytest

from resilience import (
    AuditLog,
    FakeClock,
    Policy,
    PolicyConfigError,
    parse_policy_config,
)

WIRE = {
    "deadlineS": 0.5,
    "breaker": {
        "failureRateThreshold": 0.5,
        "minimumCalls": 10,
        "windowSize": 20,
        "waitDurationS": 5,
        "halfOpenMaxCalls": 2,
        "slowCallDurationS": 1.0,
        "slowCallRateThreshold": 0.8,
    },
    "bulkhead": {"maxConcurrent": 4, "maxWait": 16},
    "rateLimit": {"rate": 50, "burst": 100},
    "retry": None,
}


def test_wire_settings_build_every_layer(clock: FakeClock, audit: AuditLog) -> None:
    """The server's camelCase settings build a policy with each configured layer."""
    policy: Policy[int] = Policy.from_config("hover", WIRE, clock=clock, audit=audit)
    assert policy.deadline_s == 0.5
    assert policy.breaker is not None and policy.breaker.half_open_max_calls == 2
    assert policy.breaker.slow_call_duration_s == 1.0
    assert policy.bulkhead is not None and policy.bulkhead.max_wait == 16
    assert policy.limiter is not None and policy.limiter.burst == 100.0
    assert policy.retry is None
    [event] = audit.query(kind="config")
    assert event.policy == "hover"


def test_snake_case_and_toml_are_accepted() -> None:
    """snake_case keys, as in a TOML file, parse to the same settings."""
    text = """
    deadline_s = 0.5
    [breaker]
    minimum_calls = 10
    window_type = "time"
    [retry]
    max_attempts = 4
    """
    config = parse_policy_config("p", tomllib.loads(text))
    assert config.breaker is not None and config.breaker.window_type == "time"
    assert config.retry is not None and config.retry.max_attempts == 4
    assert config.retry.max_elapsed_s == 2.0


def test_empty_settings_give_a_bare_policy() -> None:
    """Missing sections leave their layers out."""
    config = parse_policy_config("p", {})
    assert (config.breaker, config.bulkhead, config.rate_limit, config.retry) == (None,) * 4


async def test_retry_section_builds_a_budgeted_retry(clock: FakeClock) -> None:
    """A retry section builds a retry with a shared budget."""
    policy: Policy[int] = Policy.from_config(
        "registry.fetch", {"retry": {"maxAttempts": 2, "budgetRatio": 0.5}}, clock=clock
    )
    assert policy.retry is not None and policy.retry.budget is not None
    assert policy.retry.budget.ratio == 0.5


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"deadlineS": -1}, "deadlineS"),
        ({"deadline": 1}, "deadline"),
        ({"breaker": {"minimumCalls": 0}}, "breaker.minimumCalls"),
        ({"breaker": {"failureRateThreshold": 2}}, "breaker.failureRateThreshold"),
        ({"breaker": {"windowType": "sliding"}}, "breaker.windowType"),
        ({"breaker": {"bogus": 1}}, "breaker.bogus"),
        ({"breaker": {"minimumCalls": 2.5}}, "breaker.minimumCalls"),
        ({"breaker": {"minimumCalls": True}}, "breaker.minimumCalls"),
        ({"breaker": 3}, "breaker"),
        ({"bulkhead": {"maxWait": -1}}, "bulkhead.maxWait"),
        ({"rateLimit": {"burst": 5}}, "rateLimit.rate"),
        ({"rateLimit": {"rate": "fast"}}, "rateLimit.rate"),
        ({"retry": {"maxAttempts": None}}, "retry.maxAttempts"),
        ({"retry": {"budgetRatio": 1.5}}, "retry.budgetRatio"),
    ],
)
def test_invalid_settings_name_the_field(settings: dict[str, object], field: str) -> None:
    """An unknown or invalid setting raises PolicyConfigError naming its wire path."""
    with pytest.raises(PolicyConfigError) as info:
        parse_policy_config("hover", settings)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert "hover" in str(info.value)
