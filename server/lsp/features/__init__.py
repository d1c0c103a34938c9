"""One module per LSP area; each has `register(server)`."""

from __future__ import annotations
