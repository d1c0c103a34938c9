"""Fixtures for the resilience tests: a fake clock, and a guard against unexpected errors."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from resilience import AuditLog, FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that lets a test provoke an unexpected error on purpose."""
    config.addinivalue_line(
        "markers", "allow_unexpected: the test provokes an unexpected error on purpose"
    )


@pytest.fixture(autouse=True)
def _no_unexpected(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail a test when a policy logs an unexpected error it did not ask for."""
    caplog.set_level(logging.DEBUG, logger="resilience")
    yield
    if request.node.get_closest_marker("allow_unexpected") is None:
        errors = [
            r
            for r in caplog.records
            if r.name.startswith("resilience") and r.levelno >= logging.ERROR
        ]
        assert not errors, f"unexpected errors logged: {[r.getMessage() for r in errors]}"


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at t=0 that moves only when advanced."""
    return FakeClock()


@pytest.fixture
def auto_clock() -> FakeClock:
    """A fake clock whose every sleep advances it at once."""
    return FakeClock(auto_advance=True)


@pytest.fixture
def audit(clock: FakeClock) -> AuditLog:
    """An in-memory audit log on the fake clock."""
    return AuditLog(None, ring_size=500, clock=clock)
