"""initialize, initialized, shutdown, and watching the editor's process.

LSP 3.17: the server should exit when the process given as `processId` dies; pygls stores the
id but never watches it, so servers outlive their editor. eglot kills the server right after
`exit`, so all cleanup happens in `shutdown` (bounded by `SHUTDOWN_BUDGET_S`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from server.processes import is_alive

if TYPE_CHECKING:
    from server.lsp.server import ParserCraftServer

log = logging.getLogger(__name__)

PARENT_POLL_S = 0.5
"""How often the editor's process is checked."""


async def watch_parent(ls: ParserCraftServer, pid: int) -> None:
    """Stop the server soon after the editor's process dies (or we are orphaned by it)."""
    adopted_from = os.getppid()
    while True:
        await asyncio.sleep(PARENT_POLL_S)
        orphaned = pid == adopted_from and os.getppid() != pid
        if orphaned or not is_alive(pid):
            log.warning("the editor process %d is gone; exiting", pid)
            ls.audit.record("config", "lifecycle", reason=f"parent process {pid} died")
            ls.request_stop(1)
            return


async def initialize(ls: ParserCraftServer, params: types.InitializeParams) -> None:
    """Read initializationOptions, the workspace root and the editor's process id."""
    folders = params.workspace_folders or []
    root_uri = folders[0].uri if folders else params.root_uri
    root = to_fs_path(root_uri) if root_uri else params.root_path
    ls.set_root(Path(root) if root else None)
    options = params.initialization_options
    if isinstance(options, dict):
        errors = ls.apply_settings(options.get("parsercraft", options))
        ls.report_config_errors(errors)
    if params.process_id is not None:
        ls.background(watch_parent(ls, params.process_id))


async def initialized(ls: ParserCraftServer, params: types.InitializedParams) -> None:
    """Start the engine workers, send the first status, pull the configuration, and ask
    clients that can register watchers dynamically to report config-file changes."""
    await ls.pool.start()
    ls.registry.start()
    ls.status.start()
    ls.background(ls.reconfigure(None, pull=True, rediagnose=False))
    ls.background(watch_config_files(ls))


WATCHED = ("**/parsercraft.toml", "**/parsercraft.lock", "**/*.{yaml,yml,json}")
"""Files whose changes reload the languages and imports (project, lock and config files)."""


async def watch_config_files(ls: ParserCraftServer) -> None:
    """Register file watchers when the client supports dynamic registration (others, such as
    Neovim 0.7, get a reload from `parsercraft.reloadConfiguration` or on the next request)."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if watched is None or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
    )
    registration = types.Registration(
        id="parsercraft-config-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            ),
            5.0,
        )
    except Exception as exc:  # the client may refuse or fail; watching is a convenience
        log.info("could not register file watchers: %s", exc)


async def shutdown(ls: ParserCraftServer, params: None) -> None:
    """Stop workers and flush the audit log now: some clients kill us right after `exit`."""
    await ls.cleanup()


def register(server: ParserCraftServer) -> None:
    """Register the lifecycle handlers."""
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)
