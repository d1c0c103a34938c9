"""Incremental text sync (UTF-16 positions), diagnostics per version, code actions, documentText.

One server per client preset serves the whole module (each test opens its own documents):
a server start costs seconds, and these tests only read state they created themselves.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.e2e.conftest import CLIENTS, EXAMPLES, SERVER, command, init_params, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAMS = Path(__file__).parent / "programs"
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
CLEF = "\U0001d11e"  # MUSICAL SYMBOL G CLEF: two UTF-16 code units


class RecordingClient(LanguageClient):
    """A test client that also keeps every publishDiagnostics, in arrival order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []


def _record(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    """Keep the publish, and the latest diagnostics per URI as pytest-lsp does."""
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics


def recording_client() -> RecordingClient:
    """The conftest's client (answering registerCapability) that records every publish."""
    client = RecordingClient(converter_factory=default_converter)
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, PUBLISH: _record})

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    return client


@pytest_lsp.fixture(
    scope="module",
    params=CLIENTS,
    config=ClientServerConfig(server_command=SERVER, client_factory=recording_client),
)
async def client(request: Any, lsp_client: RecordingClient) -> Any:
    """One server per client preset for this module, on the examples workspace."""
    await lsp_client.initialize_session(init_params(request.param))
    yield
    await lsp_client.shutdown_session()


async def published(
    client: RecordingClient, uri: str, version: int
) -> types.PublishDiagnosticsParams:
    """The publishDiagnostics of `uri` at `version`, awaited if it has not arrived yet."""
    async with asyncio.timeout(15):
        while True:
            for params in client.published:
                if params.uri == uri and params.version == version:
                    return params
            await client.wait_for_notification(PUBLISH)


def versions(client: RecordingClient, uri: str) -> list[int | None]:
    """The versions of every publish received for `uri`, in arrival order."""
    return [p.version for p in client.published if p.uri == uri]


def change(
    client: LanguageClient, uri: str, version: int, edits: list[tuple[int, int, int, int, str]]
) -> None:
    """Send one didChange with incremental edits `(line, char, end_line, end_char, text)`."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=sl, character=sc),
                        end=types.Position(line=el, character=ec),
                    ),
                    text=text,
                )
                for sl, sc, el, ec, text in edits
            ],
        )
    )


def span(diagnostic: types.Diagnostic) -> tuple[int, int, int, int]:
    """A diagnostic's range as `(line, char, end_line, end_char)`."""
    r = diagnostic.range
    return r.start.line, r.start.character, r.end.line, r.end.character


def doc_id(uri: str) -> types.TextDocumentIdentifier:
    """The identifier of `uri`."""
    return types.TextDocumentIdentifier(uri=uri)


async def test_broken_pascal_diagnostics(client: RecordingClient) -> None:
    """The deliberate mistakes of broken.pas are published with their codes and ranges."""
    uri = open_document(client, EXAMPLES / "src" / "broken.pas")
    params = await published(client, uri, 1)
    found = [(d.code, span(d), d.source) for d in params.diagnostics]
    assert found == [
        ("PC100", (6, 0, 6, 5), "parsercraft"),  # BEGIN never closed
        ("PC130", (7, 11, 7, 16), "parsercraft"),  # count := 'ten'
        ("PC120", (8, 23, 8, 41), "parsercraft"),  # IntToStr(count, 2)
        ("PC140", (9, 10, 9, 17), "parsercraft"),  # missing
        ("PC103", (10, 9, 10, 10), "parsercraft"),  # unclosed '('
        ("PC001", (10, 10, 10, 25), "parsercraft"),  # unterminated string
        ("PC110", (11, 2, 11, 4), "parsercraft"),  # unexpected IF
    ]
    severities = {d.code: d.severity for d in params.diagnostics}
    assert severities["PC100"] == types.DiagnosticSeverity.Error
    assert severities["PC140"] == types.DiagnosticSeverity.Warning


async def test_calc_grammar_error_fixed_by_edit(client: RecordingClient) -> None:
    """A PEG syntax error in area.calc disappears in the publish for the fixing version."""
    uri = open_document(client, EXAMPLES / "src" / "area.calc")
    first = await published(client, uri, 1)
    assert [(d.code, span(d)) for d in first.diagnostics] == [("PEG001", (5, 14, 5, 15))]
    assert "expected" in first.diagnostics[0].message
    change(client, uri, 2, [(5, 14, 5, 14, "1")])  # show (width + 1) * 2
    second = await published(client, uri, 2)
    assert list(second.diagnostics) == []
    assert versions(client, uri) == [1, 2]


async def test_utf16_edits_move_diagnostics_and_hover(client: RecordingClient) -> None:
    """Edits after astral characters use UTF-16 columns: text, diagnostics and hover agree."""
    path = PROGRAMS / "clef.pyl"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path)
    first = await published(client, uri, 1)
    # print("𝄞𝄞", add(total, 3), totl): each clef is two UTF-16 code units.
    assert [(d.code, span(d)) for d in first.diagnostics] == [("PC140", (5, 29, 5, 33))]

    # UTF-16 column 9 is between the two clefs (a code-point column 9 would be after both).
    change(client, uri, 2, [(5, 9, 5, 9, "ab")])
    text = text.replace(CLEF + CLEF, CLEF + "ab" + CLEF)
    second = await published(client, uri, 2)
    assert [(d.code, span(d)) for d in second.diagnostics] == [("PC140", (5, 31, 5, 35))]
    copy = await command(client, "parsercraft.documentText", {"uri": uri})
    assert copy == {"uri": uri, "version": 2, "text": text}

    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=types.Position(line=5, character=22))
    )
    assert hover is not None and hover.range is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert "total" in hover.contents.value and "Type: `int`" in hover.contents.value
    assert (hover.range.start.character, hover.range.end.character) == (20, 25)

    change(client, uri, 3, [(5, 31, 5, 35, "total")])  # totl -> total
    third = await published(client, uri, 3)
    assert list(third.diagnostics) == []
    copy = await command(client, "parsercraft.documentText", {"uri": uri})
    assert copy["text"] == text.replace("totl)", "total)")


async def test_edit_across_lines_with_astral_text(client: RecordingClient) -> None:
    """A multi-line replacement and an insertion of astral text leave the expected copy."""
    path = PROGRAMS / "clef.pyl"
    uri = open_document(client, EXAMPLES / "src" / "clef-multiline.pyl", path.read_text("utf-8"))
    await published(client, uri, 1)
    # Replace from inside line 0 (after "# Sums") through line 2's "return" keyword.
    change(
        client,
        uri,
        2,
        [
            (0, 6, 2, 8, f" {CLEF}\ndef add(a, b):\n  return"),
            (5, 9, 5, 9, f"x{CLEF}"),  # between the clefs of "𝄞𝄞" (UTF-16 column 9)
        ],
    )
    expected = (
        f"# Sums {CLEF}\ndef add(a, b):\n  return a + b\n\ntotal = 0\n"
        f'print("{CLEF}x{CLEF}{CLEF}", add(total, 3), totl)\n'
    )
    copy = await command(client, "parsercraft.documentText", {"uri": uri})
    assert copy == {"uri": uri, "version": 2, "text": expected}
    params = await published(client, uri, 2)
    assert any(d.code == "PC140" and span(d)[:2] == (5, 32) for d in params.diagnostics)


async def test_rapid_edits_publish_latest_version_only(client: RecordingClient) -> None:
    """A burst of edits is published once, for its last version; no stale publish follows."""
    uri = open_document(client, EXAMPLES / "src" / "burst.pas", "PROGRAM Burst;\nBEGIN\nEND.\n")
    assert list((await published(client, uri, 1)).diagnostics) == []
    for version in range(2, 7):
        # Each keystroke adds one character to a line that is valid only when complete.
        change(
            client, uri, version, [(1, 5 + version - 2, 1, 5 + version - 2, "Xyzw!"[version - 2])]
        )
    latest = await published(client, uri, 6)
    assert latest.diagnostics  # "BEGINXyzw!" is not valid Pascal
    change(client, uri, 7, [(1, 5, 1, 10, "")])  # back to BEGIN: the barrier publish
    assert list((await published(client, uri, 7)).diagnostics) == []
    assert versions(client, uri) == [1, 6, 7]


async def test_quick_fix_for_near_miss_name(client: RecordingClient) -> None:
    """An undefined near-miss of a defined name gets a quick fix; applying it clears the warning."""
    path = PROGRAMS / "clef.pyl"
    uri = open_document(client, EXAMPLES / "src" / "clef-fix.pyl", path.read_text("utf-8"))
    diagnostic = (await published(client, uri, 1)).diagnostics[0]
    assert diagnostic.code == "PC140"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None
    fixes = [a for a in actions if isinstance(a, types.CodeAction) and "total" in a.title]
    assert len(fixes) == 1
    fix = fixes[0]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.edit is not None and fix.edit.changes is not None
    edits = fix.edit.changes[uri]
    assert [(span_of(e.range), e.new_text) for e in edits] == [((5, 29, 5, 33), "total")]
    change(client, uri, 2, [(*span_of(e.range), e.new_text) for e in edits])
    assert list((await published(client, uri, 2)).diagnostics) == []


def span_of(r: types.Range) -> tuple[int, int, int, int]:
    """A range as `(line, char, end_line, end_char)`."""
    return r.start.line, r.start.character, r.end.line, r.end.character


async def test_close_clears_diagnostics(client: RecordingClient) -> None:
    """Closing a document publishes an empty set for it; its text is no longer available."""
    uri = open_document(client, EXAMPLES / "src" / "countdown.bas")
    assert (await published(client, uri, 1)).diagnostics
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc_id(uri)))
    async with asyncio.timeout(15):
        while client.published[-1].uri != uri or client.published[-1].diagnostics:
            await client.wait_for_notification(PUBLISH)
    with pytest.raises(JsonRpcInvalidParams, match="not an open document"):
        await command(client, "parsercraft.documentText", {"uri": uri})
