"""Error classification: transient, permanent, rate-limited, timeout or rejected."""

from __future__ import annotations

import errno
import socket
from enum import StrEnum
from typing import TYPE_CHECKING

from resilience.errors import (
    DeadlineExceeded,
    PolicyConfigError,
    RateLimited,
    Rejected,
    RetriesExhausted,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "DEFAULT_CLASSIFIER",
    "Classifier",
    "ErrorClass",
    "by_builtin",
    "by_marker",
    "by_resilience",
    "by_status",
    "by_type",
    "classify",
    "is_retryable",
    "retry_after_s",
]


class ErrorClass(StrEnum):
    """What kind of failure an exception is; decides retrying and health."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    REJECTED = "rejected"


RETRYABLE = frozenset({ErrorClass.TRANSIENT, ErrorClass.RATE_LIMITED, ErrorClass.TIMEOUT})

# Errnos that mean "the network or the peer failed", worth another attempt.
_NETWORK_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "ECONNREFUSED",
        "ECONNRESET",
        "ECONNABORTED",
        "ENETUNREACH",
        "ENETDOWN",
        "EHOSTUNREACH",
        "EHOSTDOWN",
        "ETIMEDOUT",
        "EPIPE",
        "EAGAIN",
    )
    if hasattr(errno, name)
)
_TRANSIENT_STATUSES = frozenset({408, 502, 503, 504})


class Classifier:
    """A classification strategy; `a | b` asks `a` first and falls back to `b`."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[BaseException], ErrorClass | None]) -> None:
        self._fn = fn

    def __call__(self, exc: BaseException) -> ErrorClass | None:
        """The class of `exc`, or None when this strategy does not know it."""
        return self._fn(exc)

    def __or__(self, other: Classifier) -> Classifier:
        """A classifier that asks `self`, then `other`."""
        first, second = self._fn, other._fn

        def either(exc: BaseException) -> ErrorClass | None:
            found = first(exc)
            return found if found is not None else second(exc)

        return Classifier(either)


def by_type(mapping: Mapping[type[BaseException], ErrorClass]) -> Classifier:
    """Classify by exception type (subclasses included), first match in mapping order."""
    items = tuple(mapping.items())

    def fn(exc: BaseException) -> ErrorClass | None:
        for kind, error_class in items:
            if isinstance(exc, kind):
                return error_class
        return None

    return Classifier(fn)


def _resilience(exc: BaseException) -> ErrorClass | None:
    if isinstance(exc, RateLimited):
        return ErrorClass.RATE_LIMITED
    if isinstance(exc, Rejected):
        return ErrorClass.REJECTED
    if isinstance(exc, DeadlineExceeded):
        return ErrorClass.TIMEOUT
    if isinstance(exc, RetriesExhausted):
        return classify(exc.last_error)
    if isinstance(exc, PolicyConfigError):
        return ErrorClass.PERMANENT
    return None


def _marker(exc: BaseException) -> ErrorClass | None:
    marked = getattr(exc, "is_transient", None)
    if isinstance(marked, bool):
        return ErrorClass.TRANSIENT if marked else ErrorClass.PERMANENT
    return None


def _status(exc: BaseException) -> ErrorClass | None:
    status = getattr(exc, "status", None)
    if not isinstance(status, int) or isinstance(status, bool):
        return None
    if status == 429:
        return ErrorClass.RATE_LIMITED
    if status in _TRANSIENT_STATUSES:
        return ErrorClass.TRANSIENT
    if 400 <= status < 600:
        return ErrorClass.PERMANENT
    return None


def _builtin(exc: BaseException) -> ErrorClass | None:
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError is TimeoutError since 3.11
        return ErrorClass.TIMEOUT
    if isinstance(exc, ConnectionError | socket.gaierror | socket.herror):
        return ErrorClass.TRANSIENT
    if isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS:
        return ErrorClass.TRANSIENT
    return None


by_resilience = Classifier(_resilience)
"""Classify this package's own errors (a rejection is `rejected`, a deadline `timeout`)."""
by_marker = Classifier(_marker)
"""Classify an exception with a boolean `is_transient` attribute (e.g. `RegistryUnavailable`)."""
by_status = Classifier(_status)
"""Classify an HTTP `status` attribute: 429 rate-limited, 408/502/503/504 transient, else 4xx/5xx
permanent."""
by_builtin = Classifier(_builtin)
"""Classify timeouts, connection errors and network `OSError`s by type and errno."""

DEFAULT_CLASSIFIER = by_resilience | by_marker | by_status | by_builtin
"""The classifier used when a policy is given none."""


def classify(exc: BaseException) -> ErrorClass | None:
    """The class of `exc` by the default rules, or None when it is unexpected."""
    return DEFAULT_CLASSIFIER(exc)


def is_retryable(exc: BaseException) -> bool:
    """True when `exc` is not a rejection and is transient, rate-limited or a timeout."""
    if isinstance(exc, Rejected):
        return False
    return DEFAULT_CLASSIFIER(exc) in RETRYABLE


def retry_after_s(exc: BaseException) -> float | None:
    """The server-requested pause carried by `exc` as `retry_after_s`, if any."""
    value = getattr(exc, "retry_after_s", None)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None
