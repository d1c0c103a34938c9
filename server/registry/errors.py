"""Errors of the package registry layer.

```
ParserCraftError (server.errors)
└── RegistryError                base of every registry error; messages never carry a token
    ├── RegistryUnavailable      transient: connect error, timeout, reset, truncated body, 429,
    │                            502/503/504, open breaker, offline with nothing cached (.status
    │                            .retry_after_s); retried by the `registry.fetch` policy
    ├── RegistryRejected         permanent: 4xx, other 5xx, bad payload (invalid JSON, wrong
    │                            sha256, oversized body), refused URL or redirect, unknown package
    ├── ConstraintError          a version or a constraint string cannot be parsed (also ValueError)
    └── ResolutionError          no version satisfies every constraint, or a lock is out of date
```
"""

from __future__ import annotations

from server.errors import ParserCraftError

__all__ = [
    "ConstraintError",
    "RegistryError",
    "RegistryRejected",
    "RegistryUnavailable",
    "ResolutionError",
]


class RegistryError(ParserCraftError):
    """Base of every registry error; the message names the registry and the URL, never a token."""

    is_transient = False


class RegistryUnavailable(RegistryError):  # noqa: N818 - the name is fixed by STYLE.md section 4
    """The registry could not answer now; another attempt later may succeed."""

    is_transient = True

    def __init__(
        self, message: str, *, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        self.status = status
        self.retry_after_s = retry_after_s
        super().__init__(message)


class RegistryRejected(RegistryError):  # noqa: N818 - the name is fixed by STYLE.md section 4
    """The registry's answer is wrong or refused; repeating the request will not help."""

    is_transient = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class ConstraintError(RegistryError, ValueError):
    """A version or version constraint does not parse; the message quotes the input."""

    is_transient = False


class ResolutionError(RegistryError):
    """Constraints cannot all be met, a package is unknown, or the lock file disagrees."""

    is_transient = False
