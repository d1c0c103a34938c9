"""Errors raised by the resilience layers.

```
ResilienceError                  base of every error a resilience layer raises on purpose
├── Rejected                     a call was refused before it started; never retried
│   ├── CircuitOpen              the breaker is open, forced open or out of half-open permits
│   ├── RateLimited              no token within the allowed wait (.retry_after_s)
│   └── BulkheadFull             every slot and every place in the wait queue is taken
├── DeadlineExceeded             the per-call or overall deadline expired (.deadline_s)
├── RetriesExhausted             attempts, elapsed time, deadline or budget ran out (.last_error)
└── PolicyConfigError            a policy setting is unknown or invalid; also a ValueError (.field)
```
"""

from __future__ import annotations


class ResilienceError(Exception):
    """Base of every error a resilience layer raises on purpose."""


class Rejected(ResilienceError):  # noqa: N818 - the name is fixed by STYLE.md §4
    """A call was refused before it started; a rejection is never retried."""


class CircuitOpen(Rejected):
    """The named breaker refused the call because it is open or out of trial permits."""

    def __init__(self, name: str, state: str) -> None:
        self.name = name
        self.state = state
        super().__init__(name, state)

    def __str__(self) -> str:
        """The message, built only when shown: rejections must stay cheap."""
        return f"circuit breaker {self.name!r} is {self.state}"


class RateLimited(Rejected):
    """The named rate limiter had no token for the key within the allowed wait."""

    def __init__(self, name: str, key: str, retry_after_s: float) -> None:
        self.name = name
        self.key = key
        self.retry_after_s = retry_after_s
        super().__init__(
            f"rate limiter {name!r} has no token for key {key!r}; retry after {retry_after_s:.3f}s"
        )


class BulkheadFull(Rejected):
    """The named bulkhead has no free slot and no free place in its wait queue."""

    def __init__(self, name: str, max_concurrent: int, max_wait: int) -> None:
        self.name = name
        self.max_concurrent = max_concurrent
        self.max_wait = max_wait
        super().__init__(
            f"bulkhead {name!r} is full ({max_concurrent} running, {max_wait} waiting)"
        )


class DeadlineExceeded(ResilienceError):  # noqa: N818 - named by STYLE.md §4
    """The call did not finish within its deadline."""

    def __init__(self, name: str, deadline_s: float) -> None:
        self.name = name
        self.deadline_s = deadline_s
        super().__init__(f"{name!r} exceeded its deadline of {deadline_s:.3f}s")


class RetriesExhausted(ResilienceError):  # noqa: N818 - named by STYLE.md §4
    """Retry gave up; `last_error` is the error of the final attempt."""

    def __init__(self, name: str, attempts: int, last_error: BaseException, why: str) -> None:
        self.name = name
        self.attempts = attempts
        self.last_error = last_error
        self.why = why
        super().__init__(
            f"{name!r} gave up after {attempts} attempt(s) ({why}): "
            f"{type(last_error).__name__}: {last_error}"
        )


class PolicyConfigError(ResilienceError, ValueError):
    """A policy setting is unknown or invalid; `field` is its dotted wire name."""

    def __init__(self, policy: str, field: str, reason: str) -> None:
        self.policy = policy
        self.field = field
        self.reason = reason
        super().__init__(f"policy {policy!r}: invalid setting {field!r}: {reason}")
