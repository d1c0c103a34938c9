"""Typed, asyncio-first resilience: policies of breakers, limiters, deadlines, bulkheads, retries.

Never imports `server`. See docs/explanation/resilience.md for the model.
"""

from __future__ import annotations

from resilience.audit import (
    AuditEvent,
    AuditKind,
    AuditLog,
    AuditStatistics,
    new_error_id,
    read_audit_file,
    redact,
)
from resilience.breaker import Breaker, BreakerState, BreakerStatistics, Transition
from resilience.bulkhead import Bulkhead, BulkheadStatistics
from resilience.classify import (
    DEFAULT_CLASSIFIER,
    Classifier,
    ErrorClass,
    by_builtin,
    by_marker,
    by_resilience,
    by_status,
    by_type,
    classify,
    is_retryable,
    retry_after_s,
)
from resilience.clock import SYSTEM_CLOCK, Clock, FakeClock, SystemClock, TimerHandle
from resilience.config import (
    BreakerConfig,
    BulkheadConfig,
    Layers,
    PolicyConfig,
    RateLimitConfig,
    RetryConfig,
    build_layers,
    parse_policy_config,
)
from resilience.deadline import Deadline, DeadlineEntry, DeadlineQueue
from resilience.errors import (
    BulkheadFull,
    CircuitOpen,
    DeadlineExceeded,
    PolicyConfigError,
    RateLimited,
    Rejected,
    ResilienceError,
    RetriesExhausted,
)
from resilience.health import (
    Check,
    Condition,
    Health,
    HealthChange,
    HealthReport,
    PolicyHealth,
    Status,
    Topic,
    config_check,
    memory_check,
)
from resilience.limiter import LimiterStatistics, RateLimiter
from resilience.metrics import CallRecorder, PolicyStatistics, render_prometheus
from resilience.outcome import Degradation, Outcome, Reason
from resilience.policy import Fallback, Policy
from resilience.retry import (
    Retry,
    RetryAttempt,
    RetryBudget,
    RetryBudgetStatistics,
    RetryStatistics,
)
from resilience.store import (
    BreakerSnapshot,
    BreakerStore,
    BucketStore,
    InMemoryBreakerStore,
    InMemoryBucketStore,
)
from resilience.window import CountWindow, TimeWindow, Window

__all__ = [
    "DEFAULT_CLASSIFIER",
    "SYSTEM_CLOCK",
    "AuditEvent",
    "AuditKind",
    "AuditLog",
    "AuditStatistics",
    "Breaker",
    "BreakerConfig",
    "BreakerSnapshot",
    "BreakerState",
    "BreakerStatistics",
    "BreakerStore",
    "BucketStore",
    "Bulkhead",
    "BulkheadConfig",
    "BulkheadFull",
    "BulkheadStatistics",
    "CallRecorder",
    "Check",
    "CircuitOpen",
    "Classifier",
    "Clock",
    "Condition",
    "CountWindow",
    "Deadline",
    "DeadlineEntry",
    "DeadlineExceeded",
    "DeadlineQueue",
    "Degradation",
    "ErrorClass",
    "FakeClock",
    "Fallback",
    "Health",
    "HealthChange",
    "HealthReport",
    "InMemoryBreakerStore",
    "InMemoryBucketStore",
    "Layers",
    "LimiterStatistics",
    "Outcome",
    "Policy",
    "PolicyConfig",
    "PolicyConfigError",
    "PolicyHealth",
    "PolicyStatistics",
    "RateLimitConfig",
    "RateLimited",
    "RateLimiter",
    "Reason",
    "Rejected",
    "ResilienceError",
    "RetriesExhausted",
    "Retry",
    "RetryAttempt",
    "RetryBudget",
    "RetryBudgetStatistics",
    "RetryConfig",
    "RetryStatistics",
    "Status",
    "SystemClock",
    "TimeWindow",
    "TimerHandle",
    "Topic",
    "Transition",
    "Window",
    "build_layers",
    "by_builtin",
    "by_marker",
    "by_resilience",
    "by_status",
    "by_type",
    "classify",
    "config_check",
    "is_retryable",
    "memory_check",
    "new_error_id",
    "parse_policy_config",
    "read_audit_file",
    "redact",
    "render_prometheus",
    "retry_after_s",
]
