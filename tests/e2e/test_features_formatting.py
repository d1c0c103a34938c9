"""Formatting and range formatting: the edits, applied to the text, give the formatted program.

One server per client preset serves the whole module; each test opens its own documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import CLIENTS, CONFIG, EXAMPLES, init_params, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

SRC = EXAMPLES / "src"
PROGRAMS = Path(__file__).parent / "programs"
OPTIONS = types.FormattingOptions(tab_size=8, insert_spaces=True)  # the project says 2


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=CONFIG)
async def client(request: Any, lsp_client: LanguageClient) -> Any:
    """One server per client preset for this module, on the examples workspace."""
    await lsp_client.initialize_session(init_params(request.param))
    yield
    await lsp_client.shutdown_session()


def offset(text: str, position: types.Position) -> int:
    """The code-point offset of an LSP (UTF-16) position in `text`."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    units = 0
    for i, ch in enumerate(lines[position.line]):
        if units >= position.character:
            return start + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(lines[position.line])


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """`text` with non-overlapping edits applied (as a client applies them: all at once)."""
    spans = sorted(
        ((offset(text, e.range.start), offset(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for (_, end, _), (next_start, _, _) in zip(spans[1:], spans, strict=False):
        assert end <= next_start  # edits must not overlap
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def format_document(client: LanguageClient, uri: str) -> list[types.TextEdit] | None:
    """textDocument/formatting of a document."""
    result = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri), options=OPTIONS
        )
    )
    return None if result is None else list(result)


async def test_formatting_gives_the_formatted_program(client: LanguageClient) -> None:
    """Whole-document edits turn untidy programs into their formatted text (project indent 2)."""
    untidy = SRC / "untidy.pyl"
    edits = await format_document(client, open_document(client, untidy))
    assert edits
    assert apply(untidy.read_text(encoding="utf-8"), edits) == (
        "# Works, but is not formatted: `format --check` reports it.\n"
        "def greet(name):\n"
        '  message = "Hello, " + name\n'
        '  print(message, "!")\n'
        "\n"
        'greet("world")\n'
        'print(len("abc", 2))\n'
    )

    area = SRC / "area.calc"
    edits = await format_document(client, open_document(client, area))
    assert edits is not None
    expected = area.read_text(encoding="utf-8").replace("(width + )", "(width +)")
    assert apply(area.read_text(encoding="utf-8"), edits) == expected

    messy = "PROGRAM Messy;\nVAR\nx:INTEGER;\nBEGIN\nx:=1;\n    IF x>0 THEN\nWriteLn( x );\nEND.\n"
    edits = await format_document(client, open_document(client, SRC / "messy.pas", messy))
    assert edits is not None
    assert apply(messy, edits) == (
        "PROGRAM Messy;\nVAR\n  x:INTEGER;\nBEGIN\n  x := 1;\n  IF x > 0 THEN\n"
        "    WriteLn(x);\nEND.\n"
    )


async def test_formatting_tidy_program_and_astral_text(client: LanguageClient) -> None:
    """A formatted program gets no edits; edits after astral characters use UTF-16 columns."""
    assert await format_document(client, open_document(client, SRC / "hello.pas")) == []
    text = (PROGRAMS / "clef.pyl").read_text(encoding="utf-8")
    untidy = text.replace("add(total, 3)", "add( total ,3 )")
    edits = await format_document(client, open_document(client, SRC / "clef-format.pyl", untidy))
    assert edits is not None
    assert apply(untidy, edits) == text


async def test_range_formatting_touches_only_the_range(client: LanguageClient) -> None:
    """Range formatting formats the lines of the range and leaves the rest as it was."""
    path = SRC / "untidy.pyl"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path)
    result = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=2, character=0), end=types.Position(line=3, character=0)
            ),
            options=OPTIONS,
        )
    )
    assert result is not None
    edits = list(result)
    assert edits and all(e.range.start.line == e.range.end.line == 2 for e in edits)
    assert apply(text, edits) == text.replace(
        'message="Hello, "+name', 'message = "Hello, " + name'
    )


async def test_unterminated_string_is_not_formatted(client: LanguageClient) -> None:
    """A program with an unterminated string gets no edits and one warning message."""
    before = len(client.messages)
    uri = open_document(client, SRC / "broken.pas")
    assert await format_document(client, uri) == []
    warnings = client.messages[before:]
    assert len(warnings) == 1
    assert warnings[0].type == types.MessageType.Warning
    assert "unterminated string" in warnings[0].message
    assert await format_document(client, uri) == []  # asked again: no second message
    assert len(client.messages) == before + 1
