"""Errors the server raises for its own inputs.

```
ParserCraftError                 base of every error the server raises on purpose
├── LanguageSpecError            a config or preset cannot be loaded (.path .key_path .line)
├── ProjectError                 `parsercraft.toml` is unreadable or invalid (.path .line)
└── CommandArgumentError         a client sent bad arguments to a command (InvalidParams)
```
Errors in user programs are diagnostics, never exceptions.
"""

from __future__ import annotations


class ParserCraftError(Exception):
    """Base of every error the server raises on purpose."""


class LanguageSpecError(ParserCraftError):
    """A ParserCraft config or preset cannot be loaded; the message names file, line and key."""

    def __init__(self, path: str, reason: str, *, key_path: str = "", line: int | None = None):
        self.path = path
        self.key_path = key_path
        self.line = line
        self.reason = reason
        where = path if line is None else f"{path}:{line}"
        at = f" at {key_path}" if key_path else ""
        super().__init__(f"{where}: invalid config{at}: {reason}")


class ProjectError(ParserCraftError):
    """A `parsercraft.toml` workspace file is unreadable or invalid."""

    def __init__(self, path: str, reason: str, *, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = reason
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {reason}")


class CommandArgumentError(ParserCraftError):
    """A client called a command with arguments it does not accept."""
