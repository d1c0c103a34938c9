"""Per-policy counters, a rolling latency window, and Prometheus text rendering."""

from __future__ import annotations

from array import array
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from resilience.breaker import BreakerStatistics
    from resilience.bulkhead import BulkheadStatistics
    from resilience.health import HealthReport
    from resilience.limiter import LimiterStatistics
    from resilience.retry import RetryStatistics

__all__ = ["CallRecorder", "PolicyStatistics", "render_prometheus"]

# Codes of the recent-outcome ring.
_OK, _FAILED, _RATE_LIMITED, _BULKHEAD_FULL, _CIRCUIT_OPEN = range(5)
_REJECTION_CODES = {"rate_limited": _RATE_LIMITED, "bulkhead_full": _BULKHEAD_FULL}


@attrs.frozen
class PolicyStatistics:
    """A snapshot of one policy: totals, recent rates, latency percentiles and its layers."""

    name: str
    breaker_state: str
    """closed, open, half_open, forced_open or disabled; `none` without a breaker."""
    calls: int
    successes: int
    failures: Mapping[str, int]
    """Failed calls by error class (transient, permanent, rate_limited, timeout, unexpected)."""
    rejections: Mapping[str, int]
    """Rejected calls by reason (circuit_open, rate_limited, bulkhead_full)."""
    degraded: int
    """Calls whose value came from the fallback."""
    p50_ms: float
    p95_ms: float
    p99_ms: float
    recent_calls: int
    """Calls in the rolling window the recent rates are taken over."""
    recent_failure_rate: float
    recent_rate_limited_rate: float
    recent_bulkhead_full_rate: float
    recent_circuit_open_rate: float
    breaker: BreakerStatistics | None = None
    bulkhead: BulkheadStatistics | None = None
    limiter: LimiterStatistics | None = None
    retry: RetryStatistics | None = None


class CallRecorder:
    """Counts calls by result and keeps the last `window` latencies and outcomes."""

    __slots__ = (
        "_codes",
        "_failures",
        "_filled",
        "_index",
        "_latencies",
        "_rejections",
        "_window",
        "calls",
        "degraded",
        "successes",
    )

    def __init__(self, window: int = 1024) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window!r}")
        self._window = window
        self._latencies = array("d", bytes(8 * window))
        self._codes = bytearray(window)
        self._index = 0
        self._filled = 0
        self.calls = 0
        self.successes = 0
        self.degraded = 0
        self._failures: dict[str, int] = {}
        self._rejections: dict[str, int] = {}

    def _push(self, code: int, latency_s: float) -> None:
        i = self._index
        self._latencies[i] = latency_s
        self._codes[i] = code
        self._index = i + 1 if i + 1 < self._window else 0
        if self._filled < self._window:
            self._filled += 1

    def success(self, latency_s: float) -> None:
        """Count a call that returned its own value in `latency_s`."""
        self.calls += 1
        self.successes += 1
        i = self._index  # `_push` inlined: this runs on every successful call
        self._latencies[i] = latency_s
        self._codes[i] = _OK
        self._index = i + 1 if i + 1 < self._window else 0
        if self._filled < self._window:
            self._filled += 1

    def failure(self, error_class: str, latency_s: float) -> None:
        """Count a call that failed (or timed out) with `error_class`."""
        self.calls += 1
        self.degraded += 1
        self._failures[error_class] = self._failures.get(error_class, 0) + 1
        self._push(_FAILED, latency_s)

    def rejection(self, reason: str) -> None:
        """Count a call refused with `reason`; it adds no latency sample."""
        self.calls += 1
        self.degraded += 1
        self._rejections[reason] = self._rejections.get(reason, 0) + 1
        self._push(_REJECTION_CODES.get(reason, _CIRCUIT_OPEN), -1.0)

    def percentiles(self) -> tuple[float, float, float]:
        """p50, p95 and p99 of the recent executed calls, in milliseconds (nearest rank)."""
        samples = sorted(x for x in self._latencies[: self._filled] if x >= 0)
        if not samples:
            return 0.0, 0.0, 0.0
        n = len(samples)

        def rank(q: float) -> float:
            return samples[min(n - 1, max(0, int(q * n + 0.999999) - 1))] * 1000.0

        return rank(0.50), rank(0.95), rank(0.99)

    def recent(self) -> tuple[int, float, float, float, float]:
        """(calls, failure rate, rate-limited rate, bulkhead-full rate, circuit-open rate)."""
        n = self._filled
        if n == 0:
            return 0, 0.0, 0.0, 0.0, 0.0
        codes = self._codes[:n]
        return (
            n,
            codes.count(_FAILED) / n,
            codes.count(_RATE_LIMITED) / n,
            codes.count(_BULKHEAD_FULL) / n,
            codes.count(_CIRCUIT_OPEN) / n,
        )

    def failures(self) -> Mapping[str, int]:
        """A frozen copy of the failure counts by class."""
        return MappingProxyType(dict(self._failures))

    def rejections(self) -> Mapping[str, int]:
        """A frozen copy of the rejection counts by reason."""
        return MappingProxyType(dict(self._rejections))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_prometheus(
    stats: Iterable[PolicyStatistics],
    health: HealthReport | None = None,
    *,
    namespace: str = "parsercraft",
) -> str:
    """The statistics (and health) in the Prometheus text exposition format, version 0.0.4."""
    families: dict[str, tuple[str, str, list[str]]] = {}

    def sample(name: str, kind: str, help_text: str, labels: dict[str, str], value: float) -> None:
        full = f"{namespace}_{name}"
        family = families.setdefault(full, (kind, help_text, []))
        text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        family[2].append(f"{full}{{{text}}} {value:g}")

    states = ("closed", "open", "half_open", "forced_open", "disabled")
    for s in stats:
        p = {"policy": s.name}
        sample("policy_calls_total", "counter", "Calls through the policy.", p, s.calls)
        sample(
            "policy_successes_total",
            "counter",
            "Calls that returned their own value.",
            p,
            s.successes,
        )
        sample("policy_degraded_total", "counter", "Calls answered by the fallback.", p, s.degraded)
        for error_class, count in sorted(s.failures.items()):
            sample(
                "policy_failures_total",
                "counter",
                "Failed calls by error class.",
                {**p, "class": error_class},
                count,
            )
        for reason, count in sorted(s.rejections.items()):
            sample(
                "policy_rejections_total",
                "counter",
                "Rejected calls by reason.",
                {**p, "reason": reason},
                count,
            )
        for q, v in (("0.5", s.p50_ms), ("0.95", s.p95_ms), ("0.99", s.p99_ms)):
            sample(
                "policy_latency_seconds",
                "gauge",
                "Rolling latency quantiles of executed calls.",
                {**p, "quantile": q},
                v / 1000.0,
            )
        if s.breaker_state != "none":
            for state in states:
                sample(
                    "breaker_state",
                    "gauge",
                    "1 for the breaker's current state.",
                    {**p, "state": state},
                    1.0 if s.breaker_state == state else 0.0,
                )
    if health is not None:
        levels = {"healthy": 0.0, "degraded": 1.0, "unhealthy": 2.0}
        help_text = "0 healthy, 1 degraded, 2 unhealthy."
        sample("health_status", "gauge", help_text, {"policy": "*overall*"}, levels[health.status])
        for ph in health.policies:
            sample("health_status", "gauge", help_text, {"policy": ph.name}, levels[ph.status])
    lines: list[str] = []
    for full, (kind, help_text, samples) in families.items():
        lines.append(f"# HELP {full} {help_text}")
        lines.append(f"# TYPE {full} {kind}")
        lines.extend(samples)
    return "\n".join(lines) + "\n" if lines else ""
