"""A first end-to-end check: the server starts, answers hover and reports health."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import EXAMPLES, command, open_document


async def test_hover_and_health(client: LanguageClient) -> None:
    """Hover on a builtin shows its signature, and health reports every feature."""
    uri = open_document(client, EXAMPLES / "src" / "hello.pas")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=14, character=3),
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert "WriteLn" in hover.contents.value
    health = await command(client, "parsercraft.health")
    assert health["status"] in ("healthy", "degraded")
    assert set(health["features"]) >= {"completion", "hover", "formatting", "diagnostics"}
