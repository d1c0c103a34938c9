"""Health: healthy, degraded or unhealthy per policy and overall, each with a reason and runbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from resilience.metrics import PolicyStatistics

__all__ = [
    "Check",
    "Condition",
    "Health",
    "HealthChange",
    "HealthReport",
    "PolicyHealth",
    "Status",
    "Topic",
    "config_check",
    "memory_check",
]

Status = Literal["healthy", "degraded", "unhealthy"]
Topic = Literal[
    "breaker-open",
    "rate-limited",
    "slow-responses",
    "high-memory",
    "persistent-errors",
    "bad-config",
]
_RANK: dict[Status, int] = {"healthy": 0, "degraded": 1, "unhealthy": 2}


def _worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=_RANK.__getitem__, default="healthy")


@attrs.frozen
class Condition:
    """Something wrong: how bad, why, and the runbook topic in docs/operations/ that fixes it."""

    status: Status
    topic: Topic
    reason: str


@attrs.frozen
class PolicyHealth:
    """The health of one policy; healthy when it has no condition."""

    name: str
    status: Status
    conditions: tuple[Condition, ...]


@attrs.frozen
class HealthReport:
    """The health of every policy and of the process, with the worst status overall."""

    status: Status
    reason: str
    policies: tuple[PolicyHealth, ...]
    conditions: tuple[Condition, ...]
    """Process-wide conditions from the extra checks (memory, configuration)."""

    def policy(self, name: str) -> PolicyHealth | None:
        """The health of policy `name`, if it was evaluated."""
        return next((p for p in self.policies if p.name == name), None)


@attrs.frozen
class HealthChange:
    """A policy (or `*overall*`) moved from one status to another."""

    name: str
    old: Status
    new: Status
    conditions: tuple[Condition, ...]


Check: TypeAlias = Callable[[], Condition | None]
"""A process-wide health check: a condition when something is wrong, else None."""


def memory_check(
    read_bytes: Callable[[], int], *, limit_bytes: int, degraded_at: float = 0.8
) -> Check:
    """A check that is degraded above `degraded_at * limit_bytes` and unhealthy above the limit."""

    def check() -> Condition | None:
        used = read_bytes()
        if used >= limit_bytes:
            return Condition(
                "unhealthy", "high-memory", f"memory {used} B >= limit {limit_bytes} B"
            )
        if used >= degraded_at * limit_bytes:
            return Condition(
                "degraded",
                "high-memory",
                f"memory {used} B >= {degraded_at:.0%} of {limit_bytes} B",
            )
        return None

    return check


def config_check(errors: Callable[[], Sequence[str]]) -> Check:
    """A check that is degraded while `errors()` lists settings that fell back to defaults."""

    def check() -> Condition | None:
        found = errors()
        if found:
            return Condition("degraded", "bad-config", "; ".join(found))
        return None

    return check


class Health:
    """Derives health from policy statistics and extra checks; tells listeners what changed."""

    def __init__(
        self,
        *,
        min_calls: int = 10,
        error_rate_degraded: float = 0.1,
        error_rate_unhealthy: float = 0.5,
        rejection_rate_degraded: float = 0.1,
        slow_p95_ms: float = 1000.0,
        checks: Sequence[Check] = (),
    ) -> None:
        self.min_calls = min_calls
        self.error_rate_degraded = error_rate_degraded
        self.error_rate_unhealthy = error_rate_unhealthy
        self.rejection_rate_degraded = rejection_rate_degraded
        self.slow_p95_ms = slow_p95_ms
        self._checks: list[Check] = list(checks)
        self._listeners: list[Callable[[HealthChange], object]] = []
        self._last: dict[str, Status] = {}

    def add_check(self, check: Check) -> None:
        """Evaluate `check` with every report; a condition it returns makes health worse."""
        self._checks.append(check)

    def add_listener(self, listener: Callable[[HealthChange], object]) -> Callable[[], None]:
        """Call `listener` when `evaluate` finds a status that changed; returns a remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def conditions(self, s: PolicyStatistics) -> tuple[Condition, ...]:
        """Everything wrong with one policy, worst first."""
        found: list[Condition] = []
        state = s.breaker_state
        if state in ("open", "forced_open"):
            found.append(Condition("unhealthy", "breaker-open", f"{s.name}: breaker is {state}"))
        elif state == "half_open":
            found.append(Condition("degraded", "breaker-open", f"{s.name}: breaker is half-open"))
        elif state == "disabled":
            found.append(Condition("degraded", "breaker-open", f"{s.name}: breaker is disabled"))
        if s.recent_calls >= self.min_calls:
            rate = s.recent_failure_rate
            if rate >= self.error_rate_unhealthy:
                found.append(
                    Condition(
                        "unhealthy",
                        "persistent-errors",
                        f"{s.name}: {rate:.0%} of recent calls failed",
                    )
                )
            elif rate >= self.error_rate_degraded:
                found.append(
                    Condition(
                        "degraded",
                        "persistent-errors",
                        f"{s.name}: {rate:.0%} of recent calls failed",
                    )
                )
            if s.recent_rate_limited_rate >= self.rejection_rate_degraded:
                found.append(
                    Condition(
                        "degraded",
                        "rate-limited",
                        f"{s.name}: {s.recent_rate_limited_rate:.0%} of recent calls rate limited",
                    )
                )
            if s.recent_bulkhead_full_rate >= self.rejection_rate_degraded:
                found.append(
                    Condition(
                        "degraded",
                        "slow-responses",
                        f"{s.name}: {s.recent_bulkhead_full_rate:.0%} of recent calls found the "
                        "bulkhead full",
                    )
                )
        if s.p95_ms >= self.slow_p95_ms:
            found.append(
                Condition("degraded", "slow-responses", f"{s.name}: p95 latency {s.p95_ms:.0f} ms")
            )
        found.sort(key=lambda c: -_RANK[c.status])
        return tuple(found)

    def evaluate(self, stats: Iterable[PolicyStatistics]) -> HealthReport:
        """The health of each policy and overall; listeners hear about changed statuses."""
        policies = []
        for s in stats:
            conditions = self.conditions(s)
            policies.append(PolicyHealth(s.name, _worst(c.status for c in conditions), conditions))
        extra = tuple(c for c in (check() for check in self._checks) if c is not None)
        every = [c for p in policies for c in p.conditions] + list(extra)
        status = _worst(c.status for c in every)
        worst = [c.reason for c in every if c.status == status]
        report = HealthReport(
            status=status,
            reason="; ".join(worst) if worst else "all policies healthy",
            policies=tuple(policies),
            conditions=extra,
        )
        self._notify(report)
        return report

    def _notify(self, report: HealthReport) -> None:
        current: list[tuple[str, Status, tuple[Condition, ...]]] = [
            (p.name, p.status, p.conditions) for p in report.policies
        ]
        current.append(("*overall*", report.status, report.conditions))
        for name, status, conditions in current:
            old = self._last.get(name, "healthy")
            self._last[name] = status
            if old != status:
                change = HealthChange(name, old, status, conditions)
                for listener in tuple(self._listeners):
                    listener(change)
