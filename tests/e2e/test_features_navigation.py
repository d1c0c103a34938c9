"""Hover, definition, references, rename, document and workspace symbols, in three languages.

One server per client preset serves the whole module; each test opens its own documents
(renames are checked on the returned edits, never applied to a shared document).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import CLIENTS, CONFIG, EXAMPLES, init_params, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

SRC = EXAMPLES / "src"


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=CONFIG)
async def client(request: Any, lsp_client: LanguageClient) -> Any:
    """One server per client preset for this module, on the examples workspace."""
    await lsp_client.initialize_session(init_params(request.param))
    yield
    await lsp_client.shutdown_session()


def doc(uri: str) -> types.TextDocumentIdentifier:
    """The identifier of `uri`."""
    return types.TextDocumentIdentifier(uri=uri)


def at(line: int, character: int) -> types.Position:
    """A position."""
    return types.Position(line=line, character=character)


def span(r: types.Range) -> tuple[int, int, int, int]:
    """A range as `(line, char, end_line, end_char)`."""
    return r.start.line, r.start.character, r.end.line, r.end.character


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """`text` with non-overlapping single-line ASCII edits applied."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: span(e.range), reverse=True):
        line, start, end_line, end = span(edit.range)
        assert line == end_line
        lines[line] = lines[line][:start] + edit.new_text + lines[line][end:]
    return "\n".join(lines)


async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str:
    """The Markdown of the hover at a position."""
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=at(line, character))
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    return hover.contents.value


async def test_hover_builtin_docs_and_inferred_types(client: LanguageClient) -> None:
    """Hover shows a builtin's docs and a user variable's inferred type."""
    calc = open_document(client, SRC / "area.calc")
    sqrt = await hover_text(client, calc, 4, 6)
    assert "sqrt" in sqrt and "Square root" in sqrt
    assert "Type: `int`" in await hover_text(client, calc, 3, 6)  # width = 3
    assert "Type: `float`" in await hover_text(client, calc, 3, 14)  # height = 4.5

    pascal = open_document(client, SRC / "hello.pas")
    writeln = await hover_text(client, pascal, 14, 3)
    assert "WriteLn" in writeln and "Writes its arguments" in writeln
    assert "Type: `int`" in await hover_text(client, pascal, 16, 3)  # total : INTEGER
    assert "Type: `str`" in await hover_text(client, pascal, 15, 10)  # name : STRING

    python = open_document(client, SRC / "stats.pyl")
    assert "Type: `list`" in await hover_text(client, python, 7, 1)  # scores = [...]
    assert "Type: `int`" in await hover_text(client, python, 2, 3)  # total = 0
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(python), position=at(6, 0))  # the blank line
    )
    assert nothing is None


async def test_definition(client: LanguageClient) -> None:
    """Definition jumps from a use to the declaring name; a builtin has none."""
    calc = open_document(client, SRC / "area.calc")
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(calc), position=at(5, 8))  # (width + ...
    )
    assert isinstance(found, types.Location)
    assert found.uri == calc and span(found.range) == (1, 4, 1, 9)

    pascal = open_document(client, SRC / "hello.pas")
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(pascal), position=at(18, 22))  # Square(i)
    )
    assert isinstance(found, types.Location)
    assert span(found.range) == (8, 9, 8, 15)  # FUNCTION Square
    builtin = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(pascal), position=at(14, 3))  # WriteLn
    )
    assert builtin is None

    python = open_document(client, SRC / "stats.pyl")
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(python), position=at(8, 15))  # mean(scores)
    )
    assert isinstance(found, types.Location) and span(found.range) == (1, 4, 1, 8)


async def references(
    client: LanguageClient, uri: str, line: int, character: int, *, declaration: bool
) -> list[tuple[int, int, int, int]]:
    """The sorted ranges of the references at a position."""
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(uri),
            position=at(line, character),
            context=types.ReferenceContext(include_declaration=declaration),
        )
    )
    assert found is not None
    assert {loc.uri for loc in found} <= {uri}
    return sorted(span(loc.range) for loc in found)


async def test_references_with_and_without_declaration(client: LanguageClient) -> None:
    """References list every use, plus the declaration only when asked."""
    calc = open_document(client, SRC / "area.calc")
    uses = [(3, 5, 3, 10), (4, 10, 4, 15), (4, 18, 4, 23), (5, 6, 5, 11)]
    assert await references(client, calc, 3, 6, declaration=False) == uses
    assert await references(client, calc, 3, 6, declaration=True) == [(1, 4, 1, 9), *uses]

    pascal = open_document(client, SRC / "hello.pas")
    total_uses = [(16, 2, 16, 7), (18, 4, 18, 9), (18, 13, 18, 18), (19, 58, 19, 63)]
    assert await references(client, pascal, 16, 3, declaration=False) == total_uses
    assert await references(client, pascal, 16, 3, declaration=True) == [
        (5, 2, 5, 7),
        *total_uses,
    ]

    python = open_document(client, SRC / "stats.pyl")
    assert await references(client, python, 1, 5, declaration=False) == [(8, 14, 8, 18)]
    assert await references(client, python, 6, 0, declaration=True) == []  # a blank line


async def test_rename_edits_every_occurrence(client: LanguageClient) -> None:
    """prepareRename gives the name's range; rename edits every occurrence in each language."""
    cases = [
        (SRC / "area.calc", (3, 6), "width", "w", 5),
        (SRC / "hello.pas", (18, 22), "Square", "Sq", 3),
        (SRC / "stats.pyl", (4, 13), "total", "acc", 4),
    ]
    for path, (line, character), old, new, count in cases:
        uri = open_document(client, path)
        text = path.read_text(encoding="utf-8")
        prepared = await client.text_document_prepare_rename_async(
            types.PrepareRenameParams(text_document=doc(uri), position=at(line, character))
        )
        assert isinstance(prepared, types.PrepareRenamePlaceholder), path.name
        assert prepared.placeholder == old
        assert prepared.range.start.line == line
        edit = await client.text_document_rename_async(
            types.RenameParams(text_document=doc(uri), position=at(line, character), new_name=new)
        )
        assert edit is not None and edit.changes is not None and set(edit.changes) == {uri}
        edits = list(edit.changes[uri])
        assert len(edits) == count, path.name
        assert all(e.new_text == new for e in edits)
        renamed = apply(text, edits)
        assert re.search(rf"\b{old}\b", renamed) is None, path.name
        assert len(re.findall(rf"\b{new}\b", renamed)) == count, path.name


async def test_rename_refuses_keywords_and_builtins(client: LanguageClient) -> None:
    """Renaming to a keyword is refused with an error; builtins cannot be prepared."""
    calc = open_document(client, SRC / "area.calc")
    with pytest.raises(JsonRpcException, match="keyword") as refused:
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc(calc), position=at(3, 6), new_name="show")
        )
    assert refused.value.code == -32803  # RequestFailed
    pascal = open_document(client, SRC / "hello.pas")
    with pytest.raises(JsonRpcException, match="keyword"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc(pascal), position=at(16, 3), new_name="BEGIN")
        )
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(pascal), position=at(14, 3))  # WriteLn
    )
    assert prepared is None


async def test_document_symbols_outline(client: LanguageClient) -> None:
    """The outline lists functions with their parameters and locals as children."""
    pascal = open_document(client, SRC / "hello.pas")
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(pascal))
    )
    assert symbols is not None
    assert all(isinstance(s, types.DocumentSymbol) for s in symbols)
    outline = {s.name: s for s in symbols if isinstance(s, types.DocumentSymbol)}
    assert set(outline) == {"name", "total", "i", "Square"}
    square = outline["Square"]
    assert square.kind == types.SymbolKind.Function
    assert span(square.selection_range) == (8, 9, 8, 15)
    assert (square.range.start.line, square.range.end.line) == (8, 11)
    assert [c.name for c in square.children or []] == ["n"]
    assert outline["total"].kind == types.SymbolKind.Variable
    assert outline["total"].detail == "int"

    python = open_document(client, SRC / "stats.pyl")
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(python))
    )
    assert symbols is not None
    outline = {s.name: s for s in symbols if isinstance(s, types.DocumentSymbol)}
    assert set(outline) == {"mean", "scores"}
    assert {c.name for c in outline["mean"].children or []} == {"values", "total", "v"}

    calc = open_document(client, SRC / "area.calc")
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(calc))
    )
    assert symbols is not None
    assert [(s.name, s.detail) for s in symbols if isinstance(s, types.DocumentSymbol)] == [
        ("width", "int"),
        ("height", "float"),
    ]


async def test_workspace_symbols_across_open_documents(client: LanguageClient) -> None:
    """A workspace symbol query matches names in every open document, case-insensitively."""
    uris = {
        name: open_document(client, SRC / name) for name in ("hello.pas", "stats.pyl", "area.calc")
    }
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="TOTAL"))
    assert found is not None
    hits = {(s.name, s.location.uri) for s in found if isinstance(s.location, types.Location)}
    assert hits >= {("total", uris["hello.pas"]), ("total", uris["stats.pyl"])}
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="eigh"))
    assert found is not None
    assert [(s.name, s.location.uri) for s in found] == [("height", uris["area.calc"])]
    assert await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="zzz")) == []
