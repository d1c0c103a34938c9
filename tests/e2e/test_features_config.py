"""Configuration: languages from initializationOptions and didChangeConfiguration, invalid
settings, and config files edited on disk, each in its own temporary workspace.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import CLIENTS, CONFIG, EXAMPLES, command, init_params, open_document

if TYPE_CHECKING:
    from collections.abc import Awaitable

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
SHOW = types.WINDOW_SHOW_MESSAGE
MINI = {"name": "mini", "config": "preset:python_like", "extensions": [".mini"]}
PAS = {"name": "pas", "config": "preset:pascal_like", "extensions": [".pp"]}


@pytest.fixture(params=CLIENTS)
def preset(request: Any) -> str:
    """The client capability preset: VS Code or Neovim 0.7."""
    return str(request.param)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    """A started client; each test initializes it on its own workspace and settings."""
    yield
    await lsp_client.shutdown_session()


def next_notification(client: LanguageClient, method: str) -> Awaitable[Any]:
    """A future for the next notification `method`, registered now (before it is caused)."""
    return client.protocol.wait_for_notification_async(method)


def push(client: LanguageClient, settings: dict[str, Any]) -> None:
    """Send workspace/didChangeConfiguration with the `parsercraft` section."""
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"parsercraft": settings})
    )


def codes(params: types.PublishDiagnosticsParams) -> list[str]:
    """The diagnostic codes of a publish."""
    return [str(d.code) for d in params.diagnostics]


async def symbols(client: LanguageClient, uri: str) -> Any:
    """The document symbols of `uri` (None when it has no language)."""
    return await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_languages_from_options_and_did_change_configuration(
    client: LanguageClient, preset: str, tmp_path: Path
) -> None:
    """Settings map extensions to presets at initialize and again, without restart, on push."""
    await client.initialize_session(
        init_params(preset, root=tmp_path, settings={"languages": [MINI]})
    )
    mini = open_document(client, tmp_path / "prog.mini", 'total = 0\nprint(len("a", 2))\n')
    first = await next_notification(client, PUBLISH)
    assert first.uri == mini and first.version == 1 and codes(first) == ["PC120"]

    pp_text = "PROGRAM P;\nVAR\n  n : INTEGER;\nBEGIN\n  n := 'x';\nEND.\n"
    pp = open_document(client, tmp_path / "prog.pp", pp_text)
    assert await symbols(client, pp) is None  # no language covers .pp yet

    push(client, {"languages": [MINI, PAS]})
    async with asyncio.timeout(15):
        while pp not in client.diagnostics:
            await client.wait_for_notification(PUBLISH)
    assert [d.code for d in client.diagnostics[pp]] == ["PC130"]  # n := 'x' on an INTEGER
    assert [d.code for d in client.diagnostics[mini]] == ["PC120"]
    outline = await symbols(client, pp)
    assert [s.name for s in outline] == ["n"]

    # Unmapping .mini leaves it without a language: no answers, and no stale diagnostics.
    # Open documents are re-checked in opening order, so pp's new publish comes after mini's.
    before = client.diagnostics[pp]
    push(client, {"languages": [PAS]})
    async with asyncio.timeout(15):
        while client.diagnostics[pp] is before:
            await client.wait_for_notification(PUBLISH)
    assert await symbols(client, mini) is None
    assert list(client.diagnostics[mini]) == []


async def test_invalid_setting_keeps_last_good_one(
    client: LanguageClient, preset: str, tmp_path: Path
) -> None:
    """An invalid setting keeps the previous value, warns once, and health says bad-config."""
    await client.initialize_session(
        init_params(preset, root=tmp_path, settings={"languages": [MINI], "indentWidth": 3})
    )
    text = "def f(a):\n  return a\n"
    uri = open_document(client, tmp_path / "indent.mini", text)

    async def formatted() -> str:
        edits = await client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                options=types.FormattingOptions(tab_size=8, insert_spaces=True),
            )
        )
        assert edits is not None
        lines = text.split("\n")
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
            assert e.range.start.line == e.range.end.line  # this program needs no more
            line, start, end = e.range.start.line, e.range.start.character, e.range.end.character
            lines[line] = lines[line][:start] + e.new_text + lines[line][end:]
        return "\n".join(lines)

    assert await formatted() == "def f(a):\n   return a\n"  # indentWidth 3
    health = await command(client, "parsercraft.health")
    assert "bad-config" not in {r["runbook"] for r in health["reasons"]}
    before = len(client.messages)

    shown = next_notification(client, SHOW)
    push(client, {"languages": [MINI], "indentWidth": "wide"})
    message = await shown
    assert message.type == types.MessageType.Warning
    assert "indentWidth" in message.message
    push(client, {"languages": [MINI], "indentWidth": "wide"})  # the same problem again
    health = await command(client, "parsercraft.health")  # answered after both pushes
    assert len(client.messages) == before + 1
    bad = [r for r in health["reasons"] if r["runbook"] == "bad-config"]
    assert len(bad) == 1 and "indentWidth" in bad[0]["reason"]
    assert health["status"] in ("degraded", "unhealthy")
    assert any("indentWidth" in e for e in health["configErrors"])
    assert any("indentWidth" in m.message for m in client.log_messages)
    assert await formatted() == "def f(a):\n   return a\n"  # still 3; .mini still mapped

    push(client, {"languages": [MINI], "indentWidth": 3})
    health = await command(client, "parsercraft.health")
    assert "bad-config" not in {r["runbook"] for r in health["reasons"]}
    assert health["configErrors"] == []


CALC = (EXAMPLES / "languages" / "calc.yaml").read_text(encoding="utf-8")


async def test_config_file_edited_on_disk_applies_after_reload(
    client: LanguageClient, preset: str, tmp_path: Path
) -> None:
    """A language config edited on disk applies after parsercraft.reloadConfiguration."""
    (tmp_path / "langs").mkdir()
    config = tmp_path / "langs" / "calc.yaml"
    config.write_text(CALC, encoding="utf-8")
    (tmp_path / "parsercraft.toml").write_text(
        '[[language]]\nname = "calc"\nconfig = "langs/calc.yaml"\nextensions = [".calc"]\n',
        encoding="utf-8",
    )
    await client.initialize_session(init_params(preset, root=tmp_path, settings=None))
    uri = open_document(client, tmp_path / "prog.calc", "let x = 2\nsay x * 3\n")
    first = await next_notification(client, PUBLISH)
    assert "PEG001" in codes(first)  # `say` is not a Calc keyword (yet)

    # The language now spells print `say`, in its keywords and in its grammar.
    config.write_text(CALC.replace("show", "say"), encoding="utf-8")
    republished = next_notification(client, PUBLISH)
    reloaded = await command(client, "parsercraft.reloadConfiguration")
    assert reloaded == {"reloaded": True, "errors": []}
    second = await republished
    assert second.uri == uri and codes(second) == []
    completion = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=2, character=0),
        )
    )
    assert isinstance(completion, types.CompletionList)
    labels = {item.label for item in completion.items}
    assert "say" in labels and "show" not in labels

    # A config that no longer loads keeps the last good spec; health and the reload say why.
    config.write_text("keywords: [unclosed\n", encoding="utf-8")
    republished = next_notification(client, PUBLISH)
    shown = next_notification(client, SHOW)
    reloaded = await command(client, "parsercraft.reloadConfiguration")
    assert codes(await republished) == []  # still analysed with the `say` language
    health = await command(client, "parsercraft.health")
    assert "bad-config" in {r["runbook"] for r in health["reasons"]}
    assert reloaded["reloaded"] is True
    assert len(reloaded["errors"]) == 1 and "calc.yaml" in reloaded["errors"][0]
    async with asyncio.timeout(10):  # bounds the wait only if the warning never comes
        assert "calc.yaml" in (await shown).message
