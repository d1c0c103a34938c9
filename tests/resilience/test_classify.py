"""Error classification, by type, marker, HTTP status and connection errors."""

from __future__ import annotations

import errno
import socket

import pytest

from resilience import (
    BulkheadFull,
    CircuitOpen,
    DeadlineExceeded,
    ErrorClass,
    PolicyConfigError,
    RateLimited,
    RetriesExhausted,
    by_builtin,
    by_type,
    classify,
    is_retryable,
    retry_after_s,
)


class StatusError(Exception):
    """An exception with an HTTP status."""

    def __init__(self, status: object) -> None:
        super().__init__(status)
        self.status = status


class MarkedError(Exception):
    """An exception marked transient or permanent."""

    def __init__(self, transient: bool) -> None:
        super().__init__(transient)
        self.is_transient = transient


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (StatusError(429), ErrorClass.RATE_LIMITED),
        (StatusError(502), ErrorClass.TRANSIENT),
        (StatusError(503), ErrorClass.TRANSIENT),
        (StatusError(504), ErrorClass.TRANSIENT),
        (StatusError(408), ErrorClass.TRANSIENT),
        (StatusError(400), ErrorClass.PERMANENT),
        (StatusError(404), ErrorClass.PERMANENT),
        (StatusError(500), ErrorClass.PERMANENT),
        (StatusError(200), None),
        (StatusError(True), None),
        (MarkedError(True), ErrorClass.TRANSIENT),
        (MarkedError(False), ErrorClass.PERMANENT),
        (ConnectionRefusedError(), ErrorClass.TRANSIENT),
        (ConnectionResetError(), ErrorClass.TRANSIENT),
        (BrokenPipeError(), ErrorClass.TRANSIENT),
        (socket.gaierror(), ErrorClass.TRANSIENT),
        (OSError(errno.ENETUNREACH, "unreachable"), ErrorClass.TRANSIENT),
        (FileNotFoundError(), None),
        (TimeoutError(), ErrorClass.TIMEOUT),
        (DeadlineExceeded("p", 1.0), ErrorClass.TIMEOUT),
        (RateLimited("l", "k", 1.0), ErrorClass.RATE_LIMITED),
        (CircuitOpen("b", "open"), ErrorClass.REJECTED),
        (BulkheadFull("b", 1, 0), ErrorClass.REJECTED),
        (RetriesExhausted("r", 3, StatusError(503), "stop"), ErrorClass.TRANSIENT),
        (PolicyConfigError("p", "x", "bad"), ErrorClass.PERMANENT),
        (KeyError("bug"), None),
    ],
)
def test_default_classification(error: BaseException, expected: ErrorClass | None) -> None:
    """The default rules classify each kind of error as documented."""
    assert classify(error) == expected


def test_rejections_are_not_retryable_even_when_rate_limited() -> None:
    """A local rate-limit rejection is never retryable; an HTTP 429 is."""
    assert not is_retryable(RateLimited("l", "k", 1.0))
    assert is_retryable(StatusError(429))
    assert not is_retryable(StatusError(404))


def test_classifiers_compose_first_answer_wins() -> None:
    """`a | b` asks `a` first and falls back to `b`."""
    custom = by_type({KeyError: ErrorClass.PERMANENT}) | by_builtin
    assert custom(KeyError("x")) == ErrorClass.PERMANENT
    assert custom(ConnectionError()) == ErrorClass.TRANSIENT
    assert custom(ValueError()) is None


def test_retry_after_reads_a_non_negative_number() -> None:
    """Retry-After is taken from a numeric `retry_after_s` attribute only."""
    assert retry_after_s(RateLimited("l", "k", 2.5)) == 2.5
    assert retry_after_s(KeyError()) is None
    error = StatusError(429)
    error.retry_after_s = -1  # type: ignore[attr-defined]  # a malformed header value
    assert retry_after_s(error) is None
