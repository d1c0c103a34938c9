"""Build the language server: `create_server(settings)` registers every feature."""

from __future__ import annotations

import logging

from server.lsp import commands, lifecycle
from server.lsp.features import completion, diagnostics, formatting, navigation, presentation, sync
from server.lsp.server import ParserCraftServer
from server.settings import Settings

FEATURE_MODULES = (lifecycle, sync, completion, navigation, presentation, formatting, commands)


def create_server(settings: Settings | None = None) -> ParserCraftServer:
    """A server with every feature and command registered (capabilities come from these)."""
    server = ParserCraftServer(settings or Settings())
    for module in FEATURE_MODULES:
        module.register(server)
    return server


def quiet_pygls_logging() -> None:
    """pygls logs every message body at INFO; keep its loggers at WARNING."""
    for name in ("pygls", "pygls.protocol", "pygls.server"):
        logging.getLogger(name).setLevel(logging.WARNING)


__all__ = ["FEATURE_MODULES", "create_server", "diagnostics", "quiet_pygls_logging"]
