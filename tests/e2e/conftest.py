"""End-to-end fixtures: the real server over stdio (pytest-lsp) with real client capabilities.

`client` is parametrized over the VS Code and Neovim capability presets shipped with
pytest-lsp; pytest-lsp checks every response against the client's capabilities and warns
on spec violations, which `filterwarnings = error` turns into failures.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SERVER = [sys.executable, "-m", "server", "serve"]
CLIENTS = ("visual_studio_code", "neovim@v0.7.0")


def make_client() -> LanguageClient:
    """pytest-lsp's test client, answering `client/registerCapability` as VS Code does
    (the server registers config-file watchers with clients that support it)."""
    client = make_test_lsp_client()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    client.registrations = []
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


def uri_of(path: Path) -> str:
    """The file URI of a path."""
    return path.resolve().as_uri()


def init_params(
    client_name: str, root: Path = EXAMPLES, settings: dict[str, Any] | None = None
) -> types.InitializeParams:
    """initialize params for a client preset, a workspace root and optional settings."""
    return types.InitializeParams(
        capabilities=client_capabilities(client_name),
        root_uri=uri_of(root),
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(root), name=root.name)],
        initialization_options={"parsercraft": settings} if settings else None,
        process_id=None,
    )


def open_document(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Send didOpen for `path` (with its file text unless `text` is given); returns the URI."""
    uri = uri_of(path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id=path.suffix.lstrip("."),
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return uri


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    """Run a `parsercraft.*` command and return its result."""
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


@pytest_lsp.fixture(params=CLIENTS, config=CONFIG)
async def client(request: Any, lsp_client: LanguageClient) -> Any:
    """A client with VS Code or Neovim capabilities, initialized on the examples workspace."""
    await lsp_client.initialize_session(init_params(request.param))
    yield
    await lsp_client.shutdown_session()
