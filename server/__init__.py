"""parsercraft-ls: a hardened language server for ParserCraft languages."""

from __future__ import annotations

__version__ = "0.1.0"
