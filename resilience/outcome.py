"""What a policy call returns: the value and, when degraded, why."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

import attrs

__all__ = ["Degradation", "Outcome", "Reason"]

T = TypeVar("T")

Reason = Literal[
    "circuit_open",
    "deadline",
    "rate_limited",
    "bulkhead_full",
    "failure",
    "retries_exhausted",
    "unexpected",
]


@attrs.frozen
class Degradation:
    """Why a call did not produce its own value; `error_id` finds it in the audit log."""

    reason: Reason
    detail: str
    error_id: str
    error_class: str | None = None


@attrs.frozen
class Outcome(Generic[T]):
    """The value of a call, or of its fallback (None without one) when `degraded` is set."""

    value: T | None
    degraded: Degradation | None = None

    @property
    def is_degraded(self) -> bool:
        """True when the value came from the fallback."""
        return self.degraded is not None
