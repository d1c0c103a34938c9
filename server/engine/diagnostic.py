"""Diagnostic records: stable codes, severities and code-point spans."""

from __future__ import annotations

import enum

import attrs


class Severity(enum.IntEnum):
    """LSP-compatible severities (1 = error ... 4 = hint)."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        """The lower-case word shown in text output (`error`, `warning`, ...)."""
        return self.name.lower()


@attrs.frozen
class Diagnostic:
    """A finding in a program: `[start, end)` in code-point offsets, a stable `code`."""

    start: int
    end: int
    severity: Severity
    code: str
    message: str
