"""Health: per-policy and overall status, reasons, runbook topics, checks and change listeners."""

from __future__ import annotations

import pytest

from resilience import (
    Breaker,
    FakeClock,
    Health,
    HealthChange,
    Policy,
    config_check,
    memory_check,
    render_prometheus,
)


class UnavailableError(Exception):
    """A transient dependency failure."""

    is_transient = True


async def ok() -> int:
    """Succeed."""
    return 1


async def fail() -> int:
    """Fail transiently."""
    raise UnavailableError


def test_no_policies_is_healthy() -> None:
    """With nothing to judge, health is healthy."""
    report = Health().evaluate([])
    assert (report.status, report.reason) == ("healthy", "all policies healthy")


async def test_healthy_policy(clock: FakeClock) -> None:
    """A policy whose calls succeed is healthy with no conditions."""
    policy: Policy[int] = Policy("hover", clock=clock, breaker=Breaker("hover", clock=clock))
    for _ in range(20):
        await policy.run(ok)
    report = Health().evaluate([policy.statistics()])
    assert report.status == "healthy"
    assert report.policy("hover") is not None


async def test_open_breaker_is_unhealthy_with_runbook(clock: FakeClock) -> None:
    """An open breaker makes its policy and the whole report unhealthy, topic breaker-open."""
    breaker = Breaker("completion", minimum_calls=2, window_size=2, clock=clock)
    policy: Policy[int] = Policy("completion", clock=clock, breaker=breaker)
    await policy.run(fail)
    await policy.run(fail)
    report = Health(min_calls=100).evaluate([policy.statistics()])
    assert report.status == "unhealthy"
    health = report.policy("completion")
    assert health is not None
    assert [c.topic for c in health.conditions] == ["breaker-open"]
    assert "completion: breaker is open" in report.reason


@pytest.mark.parametrize(
    ("state", "status"), [("forced_open", "unhealthy"), ("disabled", "degraded")]
)
async def test_operator_breaker_states(clock: FakeClock, state: str, status: str) -> None:
    """A forced-open breaker is unhealthy; a disabled one is degraded."""
    breaker = Breaker("hover", clock=clock)
    breaker.force_open() if state == "forced_open" else breaker.disable()
    policy: Policy[int] = Policy("hover", clock=clock, breaker=breaker)
    assert Health().evaluate([policy.statistics()]).status == status


async def test_half_open_is_degraded(clock: FakeClock) -> None:
    """A half-open breaker degrades its policy."""
    breaker = Breaker("hover", minimum_calls=1, window_size=1, wait_duration_s=1.0, clock=clock)
    policy: Policy[int] = Policy("hover", clock=clock, breaker=breaker)
    await policy.run(fail)
    clock.advance(1.0)
    assert Health(min_calls=100).evaluate([policy.statistics()]).status == "degraded"


@pytest.mark.parametrize(
    ("failures", "status"), [(0, "healthy"), (2, "degraded"), (6, "unhealthy")]
)
async def test_error_rate_sets_status(clock: FakeClock, failures: int, status: str) -> None:
    """Recent failure rates above the thresholds degrade, then fail, with persistent-errors."""
    policy: Policy[int] = Policy("symbols", clock=clock)
    for i in range(10):
        await policy.run(fail if i < failures else ok)
    report = Health(min_calls=10, error_rate_degraded=0.2, error_rate_unhealthy=0.5).evaluate(
        [policy.statistics()]
    )
    assert report.status == status
    if failures:
        health = report.policy("symbols")
        assert health is not None and health.conditions[0].topic == "persistent-errors"


async def test_rate_limiting_is_degraded(clock: FakeClock) -> None:
    """Frequent rate-limit rejections degrade the policy with topic rate-limited."""
    policy: Policy[int] = Policy.from_config("diagnostics", {"rateLimit": {"rate": 1}}, clock=clock)
    for _ in range(10):
        await policy.run(ok)
    report = Health(min_calls=10).evaluate([policy.statistics()])
    health = report.policy("diagnostics")
    assert health is not None and "rate-limited" in [c.topic for c in health.conditions]


async def test_slow_responses_are_degraded(clock: FakeClock) -> None:
    """A p95 latency above the threshold degrades the policy with topic slow-responses."""

    async def slow() -> int:
        clock.advance(2.0)
        return 1

    policy: Policy[int] = Policy("formatting", clock=clock)
    await policy.run(slow)
    report = Health(slow_p95_ms=1000.0).evaluate([policy.statistics()])
    assert report.status == "degraded"
    assert report.policies[0].conditions[0].topic == "slow-responses"


def test_memory_check_can_fail() -> None:
    """The memory check degrades near the limit and fails above it."""
    used = [100]
    health = Health(checks=[memory_check(lambda: used[0], limit_bytes=1000)])
    assert health.evaluate([]).status == "healthy"
    used[0] = 900
    assert health.evaluate([]).status == "degraded"
    used[0] = 1000
    report = health.evaluate([])
    assert report.status == "unhealthy"
    assert report.conditions[0].topic == "high-memory"


def test_config_check_reports_bad_settings() -> None:
    """Settings that fell back to defaults degrade health with topic bad-config."""
    errors: list[str] = []
    health = Health()
    health.add_check(config_check(lambda: errors))
    errors.append("hover.deadlineS: must be > 0")
    report = health.evaluate([])
    assert (report.status, report.conditions[0].topic) == ("degraded", "bad-config")
    assert "hover.deadlineS" in report.reason


async def test_listeners_hear_status_changes_only(clock: FakeClock) -> None:
    """Listeners are told when a policy's or the overall status changes, not otherwise."""
    breaker = Breaker("hover", clock=clock)
    policy: Policy[int] = Policy("hover", clock=clock, breaker=breaker)
    health = Health()
    changes: list[HealthChange] = []
    health.add_listener(changes.append)
    health.evaluate([policy.statistics()])
    breaker.force_open()
    health.evaluate([policy.statistics()])
    health.evaluate([policy.statistics()])
    breaker.reset()
    health.evaluate([policy.statistics()])
    assert [(c.name, c.old, c.new) for c in changes] == [
        ("hover", "healthy", "unhealthy"),
        ("*overall*", "healthy", "unhealthy"),
        ("hover", "unhealthy", "healthy"),
        ("*overall*", "unhealthy", "healthy"),
    ]


async def test_prometheus_text(clock: FakeClock) -> None:
    """Metrics render as Prometheus text with HELP/TYPE lines and labelled samples."""
    policy: Policy[int] = Policy.from_config(
        'registry.fetch"x', {"breaker": {}, "bulkhead": {"maxConcurrent": 1}}, clock=clock
    )
    await policy.run(ok)
    await policy.run(fail)
    stats = [policy.statistics()]
    text = render_prometheus(stats, Health().evaluate(stats))
    assert "# TYPE parsercraft_policy_calls_total counter" in text
    assert 'parsercraft_policy_calls_total{policy="registry.fetch\\"x"} 2' in text
    assert (
        'parsercraft_policy_failures_total{policy="registry.fetch\\"x",class="transient"} 1' in text
    )
    assert 'state="closed"} 1' in text
    assert 'parsercraft_health_status{policy="*overall*"} 0' in text
    assert text.endswith("\n")
    assert render_prometheus([]) == ""
