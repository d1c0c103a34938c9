"""Health report, event-loop lag, and the `parsercraft/status` notification.

Health aggregates the policies' statistics (via `resilience.Health`) plus process checks:
bad configuration, memory, and the worker pool. The status notification is recomputed
(coalesced, at most once per loop iteration) whenever something that feeds it changes, and
sent only when it differs from the last one sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
import time
from typing import TYPE_CHECKING

from resilience import Condition, Health, config_check, memory_check
from server import __version__

if TYPE_CHECKING:
    from resilience import HealthReport
    from server.lsp.server import ParserCraftServer

log = logging.getLogger(__name__)

STATUS_METHOD = "parsercraft/status"
LAG_INTERVAL_S = 0.25
_LEVEL = {"healthy": "ok", "degraded": "warning", "unhealthy": "error"}


def rss_bytes() -> int:
    """Resident memory of this process (current on Linux, peak elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


class StatusReporter:
    """Computes health and sends `parsercraft/status` when it changes."""

    def __init__(self, server: ParserCraftServer) -> None:
        self.server = server
        self.lag_ms = 0.0
        self.last_sent: dict[str, object] | None = None
        self._pending = False
        self._initialized = False
        self.health = Health(min_calls=5)
        self.health.add_check(config_check(self._config_errors))
        self.health.add_check(self._memory)
        self.health.add_check(self._workers)

    def _config_errors(self) -> list[str]:
        """Settings errors plus languages that fell back to their last good config."""
        server = self.server
        registry = list(server.registry.errors.values())
        return server.config_errors + list(server.catalog.errors.values()) + registry

    def _memory(self) -> Condition | None:
        """Degraded above 80% of `memoryLimitMb`, unhealthy above it (the current setting)."""
        limit = int(self.server.settings.memory_limit_mb * 1024 * 1024)
        return memory_check(rss_bytes, limit_bytes=limit)()

    def _workers(self) -> Condition | None:
        """Unhealthy when the worker pool gave up restarting workers."""
        stats = self.server.pool.statistics()
        if stats.is_broken:
            return Condition("unhealthy", "persistent-errors", "engine workers keep crashing")
        return None

    def evaluate(self) -> tuple[HealthReport, dict[str, object]]:
        """The resilience health report and the `parsercraft.health` JSON built from it."""
        server = self.server
        stats = {name: fp.policy.statistics() for name, fp in server.policies.items()}
        report = self.health.evaluate(stats.values())
        reasons: list[dict[str, object]] = []
        features: dict[str, object] = {}
        status = report.status
        for policy in report.policies:
            for condition in policy.conditions:
                reasons.append(
                    {"feature": policy.name, "reason": condition.reason, "runbook": condition.topic}
                )
        for condition in report.conditions:
            reasons.append(
                {"feature": None, "reason": condition.reason, "runbook": condition.topic}
            )
        for name, s in stats.items():
            degraded = server.last_degraded.get(name, False) or s.breaker_state not in (
                "closed",
                "none",
            )
            if degraded and status == "healthy":
                status = "degraded"
                reasons.append(
                    {
                        "feature": name,
                        "reason": f"{name}: the last call returned a degraded result",
                        "runbook": "persistent-errors",
                    }
                )
            features[name] = {
                "breaker": s.breaker_state,
                "calls": s.calls,
                "failures": sum(s.failures.values()),
                "rejections": sum(s.rejections.values()),
                "p50Ms": round(s.p50_ms, 3),
                "p95Ms": round(s.p95_ms, 3),
                "p99Ms": round(s.p99_ms, 3),
                "degraded": degraded,
            }
        registry_reasons = server.registry.reasons()
        reasons.extend(registry_reasons)
        if registry_reasons and status == "healthy":
            status = "degraded"  # imports resolve from the cache (docs/operations)
        pool = server.pool.statistics()
        body: dict[str, object] = {
            "status": status,
            "reasons": reasons,
            "features": features,
            "eventLoopLagMs": round(self.lag_ms, 3),
            "rssMb": round(rss_bytes() / (1024 * 1024), 1),
            "uptimeS": round(time.monotonic() - server.started, 3),
            "version": __version__,
            "workers": {
                "alive": pool.alive,
                "busy": pool.busy,
                "restarts": pool.restarts,
                "killed": pool.killed,
                "queued": pool.queued,
            },
            "configErrors": self._config_errors(),
            "cancelledBeforeStart": server.cancelled_before_start,
            "registries": server.registry.health(),
        }
        return report, body

    def status_notification(self) -> dict[str, object]:
        """The `parsercraft/status` payload for the current state."""
        _, body = self.evaluate()
        features = body["features"]
        assert isinstance(features, dict)
        degraded = sorted(name for name, f in features.items() if f["degraded"])
        status = str(body["status"])
        reasons = body["reasons"]
        assert isinstance(reasons, list)
        message = "all features healthy"
        if reasons:
            message = "; ".join(str(r["reason"]) for r in reasons[:3])
        return {
            "health": _LEVEL[status],
            "quiescent": not self.server.pool.statistics().busy,
            "message": message,
            "degraded": degraded,
        }

    def start(self) -> None:
        """Send the first status (after `initialized`) and keep sending changes."""
        self._initialized = True
        self._send()

    def changed(self, _source: str) -> None:
        """Something feeding the status changed: recompute once, soon."""
        if not self._initialized or self._pending:
            return
        self._pending = True
        try:
            asyncio.get_running_loop().call_soon(self._send)
        except RuntimeError:
            self._pending = False  # no loop (tests building a server without serving)

    def _send(self) -> None:
        """Send the status if it differs from the last one sent."""
        self._pending = False
        payload = self.status_notification()
        comparable = {k: v for k, v in payload.items() if k != "quiescent"}
        last = self.last_sent
        if last is not None and {k: v for k, v in last.items() if k != "quiescent"} == comparable:
            return
        self.last_sent = payload
        self.server.protocol.notify(STATUS_METHOD, payload)

    async def watch_event_loop(self) -> None:
        """Measure event-loop lag; re-check health now and then (breakers time out)."""
        loop = asyncio.get_running_loop()
        ticks = 0
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_INTERVAL_S)
            self.lag_ms = max(0.0, (loop.time() - before - LAG_INTERVAL_S) * 1000)
            ticks += 1
            if self._initialized and ticks % 4 == 0:
                self.changed("tick")
