"""Folding ranges, semantic tokens (full, range, delta), inlay hints, and graceful answers
for unknown documents and out-of-range positions.

One server per client preset serves the whole module; each test opens its own documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import CLIENTS, CONFIG, EXAMPLES, init_params, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

SRC = EXAMPLES / "src"
PROGRAMS = Path(__file__).parent / "programs"
LEGENDS: dict[int, types.SemanticTokensLegend] = {}
"""The semantic tokens legend each module client was initialized with, by id(client)."""


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=CONFIG)
async def client(request: Any, lsp_client: LanguageClient) -> Any:
    """One server per client preset for this module, on the examples workspace."""
    result = await lsp_client.initialize_session(init_params(request.param))
    provider = result.capabilities.semantic_tokens_provider
    assert provider is not None
    LEGENDS[id(lsp_client)] = provider.legend
    yield
    await lsp_client.shutdown_session()


def doc(uri: str) -> types.TextDocumentIdentifier:
    """The identifier of `uri`."""
    return types.TextDocumentIdentifier(uri=uri)


def at(line: int, character: int) -> types.Position:
    """A position."""
    return types.Position(line=line, character=character)


def lines(start: int, end: int) -> types.Range:
    """The range from the start of line `start` to the start of line `end`."""
    return types.Range(start=at(start, 0), end=at(end, 0))


async def folds(client: LanguageClient, uri: str) -> list[tuple[int, int, str]]:
    """The folding ranges of a document as sorted `(start_line, end_line, "comment"|"block")`.

    A block fold may have kind `region` or no kind at all (both mean an ordinary fold).
    """
    found = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=doc(uri))
    )
    assert found is not None
    assert all(
        f.kind in (None, types.FoldingRangeKind.Comment, types.FoldingRangeKind.Region)
        for f in found
    )
    return sorted(
        (
            f.start_line,
            f.end_line,
            "comment" if f.kind == types.FoldingRangeKind.Comment else "block",
        )
        for f in found
    )


async def test_folding_ranges_for_blocks_and_comments(client: LanguageClient) -> None:
    """Blocks fold as ordinary folds and comment runs or block comments fold as comments."""
    pascal = open_document(client, PROGRAMS / "folds.pas")
    assert await folds(client, pascal) == [(0, 1, "comment"), (5, 11, "block"), (8, 10, "block")]
    python = open_document(client, PROGRAMS / "folds.pyl")
    assert await folds(client, python) == [(0, 2, "comment"), (3, 6, "block"), (4, 5, "block")]
    calc = open_document(client, SRC / "folds.calc", "# one\n# two\nlet a = 1\nshow a\n")
    assert await folds(client, calc) == [(0, 1, "comment")]
    assert await folds(client, open_document(client, SRC / "area.calc")) == []


def decode(client: LanguageClient, data: list[int]) -> list[tuple[int, int, int, str, set[str]]]:
    """Relative semantic token data as absolute `(line, char, length, type, modifiers)`."""
    legend = LEGENDS[id(client)]
    out = []
    line = character = 0
    assert len(data) % 5 == 0
    for i in range(0, len(data), 5):
        delta_line, delta_char, length, kind, bits = data[i : i + 5]
        line += delta_line
        character = character + delta_char if delta_line == 0 else delta_char
        modifiers = {m for b, m in enumerate(legend.token_modifiers) if bits & (1 << b)}
        out.append((line, character, length, legend.token_types[kind], modifiers))
    return out


async def full_tokens(client: LanguageClient, uri: str) -> types.SemanticTokens:
    """semanticTokens/full of a document."""
    found = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(uri))
    )
    assert isinstance(found, types.SemanticTokens)
    return found


async def test_semantic_tokens_full_and_range(client: LanguageClient) -> None:
    """Full tokens classify the program (UTF-16 lengths); a range gives the tokens of its lines."""
    pascal = open_document(client, SRC / "hello.pas")
    tokens = decode(client, list((await full_tokens(client, pascal)).data))
    assert tokens[0][:4] == (0, 0, 53, "comment")
    assert tokens[1][:4] == (1, 0, 7, "keyword")  # PROGRAM
    by_position = {t[:2]: t for t in tokens}
    assert by_position[(14, 2)][2:4] == (7, "function")  # WriteLn
    assert "defaultLibrary" in by_position[(14, 2)][4]
    assert by_position[(14, 10)][2:4] == (20, "string")
    assert by_position[(8, 9)][2:4] == (6, "function")  # FUNCTION Square
    assert by_position[(16, 2)][2:4] == (5, "variable")  # total
    assert by_position[(16, 11)][2:4] == (1, "number")

    ranged = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(text_document=doc(pascal), range=lines(14, 16))
    )
    assert isinstance(ranged, types.SemanticTokens)
    inside = [t for t in tokens if 14 <= t[0] < 16]
    assert decode(client, list(ranged.data)) == inside

    clef = open_document(client, PROGRAMS / "clef.pyl")
    tokens = decode(client, list((await full_tokens(client, clef)).data))
    assert tokens[0][:4] == (0, 0, 22, "comment")  # 20 characters and a two-unit clef
    strings = [t for t in tokens if t[3] == "string"]
    assert strings[0][:3] == (5, 6, 6)  # "𝄞𝄞": quotes and two clefs
    assert (5, 14, 3, "function") in {t[:4] for t in tokens}  # add, after the clefs

    calc = open_document(client, SRC / "area.calc")
    kinds = {t[:4] for t in decode(client, list((await full_tokens(client, calc)).data))}
    assert {(1, 0, 3, "keyword"), (3, 0, 4, "keyword"), (4, 5, 4, "function")} <= kinds


async def test_semantic_tokens_delta_after_edit(client: LanguageClient) -> None:
    """A delta after an edit, applied to the previous data, gives the new full data."""
    text = (SRC / "hello.pas").read_text(encoding="utf-8")
    uri = open_document(client, SRC / "delta.pas", text)
    first = await full_tokens(client, uri)
    assert first.result_id is not None
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at(17, 0), end=at(17, 0)), text="  i := total;\n"
                )
            ],
        )
    )
    delta = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(text_document=doc(uri), previous_result_id=first.result_id)
    )
    assert isinstance(delta, types.SemanticTokensDelta)
    assert delta.result_id is not None and delta.result_id != first.result_id
    data = list(first.data)
    for edit in sorted(delta.edits, key=lambda e: e.start, reverse=True):
        data[edit.start : edit.start + edit.delete_count] = list(edit.data or [])
    assert len(data) < len(first.data) + 20  # a small edit, not the whole data again
    now = await full_tokens(client, uri)
    assert data == list(now.data)
    added = [t for t in decode(client, data) if t[0] == 17]
    assert [t[3] for t in added] == ["variable", "operator", "variable"]

    stale = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(text_document=doc(uri), previous_result_id="no-such-id")
    )
    assert isinstance(stale, types.SemanticTokens)  # unknown previous id: the full data
    assert list(stale.data) == list(now.data)


async def hints(
    client: LanguageClient, uri: str, start: int, end: int
) -> list[tuple[int, int, str, types.InlayHintKind | None]]:
    """The inlay hints of lines `[start, end)` as `(line, char, label, kind)`."""
    found = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=doc(uri), range=lines(start, end))
    )
    assert found is not None
    return [
        (h.position.line, h.position.character, str(h.label), h.kind)
        for h in sorted(found, key=lambda h: (h.position.line, h.position.character))
    ]


async def test_inlay_hints_show_inferred_types(client: LanguageClient) -> None:
    """Inlay hints give inferred types after variables and parameter names in calls."""
    type_, parameter = types.InlayHintKind.Type, types.InlayHintKind.Parameter
    calc = open_document(client, SRC / "area.calc")
    assert await hints(client, calc, 0, 6) == [(1, 9, ": int", type_), (2, 10, ": float", type_)]
    assert await hints(client, calc, 2, 3) == [(2, 10, ": float", type_)]

    python = open_document(client, SRC / "stats.pyl")
    assert await hints(client, python, 0, 10) == [
        (2, 7, ": int", type_),
        (7, 6, ": list", type_),
        (8, 19, "values:", parameter),
    ]

    clef = open_document(client, PROGRAMS / "clef.pyl")
    found = await hints(client, clef, 4, 6)
    assert (4, 5, ": int", type_) in found
    assert [(h[1], h[2]) for h in found if h[0] == 5] == [(18, "a:"), (25, "b:")]  # UTF-16

    pascal = open_document(client, SRC / "hello.pas")
    assert (18, 28, "n:", parameter) in await hints(client, pascal, 0, 21)


async def test_unknown_documents_get_empty_answers(client: LanguageClient) -> None:
    """Every document request about a URI that is not open answers None or [], not an error."""
    unknown = doc((SRC / "never-opened.pas").as_uri())
    whole = lines(0, 3)
    pos = at(1, 1)
    answers = [
        await client.text_document_hover_async(
            types.HoverParams(text_document=unknown, position=pos)
        ),
        await client.text_document_completion_async(
            types.CompletionParams(text_document=unknown, position=pos)
        ),
        await client.text_document_signature_help_async(
            types.SignatureHelpParams(text_document=unknown, position=pos)
        ),
        await client.text_document_definition_async(
            types.DefinitionParams(text_document=unknown, position=pos)
        ),
        await client.text_document_references_async(
            types.ReferenceParams(
                text_document=unknown,
                position=pos,
                context=types.ReferenceContext(include_declaration=True),
            )
        ),
        await client.text_document_prepare_rename_async(
            types.PrepareRenameParams(text_document=unknown, position=pos)
        ),
        await client.text_document_rename_async(
            types.RenameParams(text_document=unknown, position=pos, new_name="x")
        ),
        await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=unknown)
        ),
        await client.text_document_folding_range_async(
            types.FoldingRangeParams(text_document=unknown)
        ),
        await client.text_document_semantic_tokens_full_async(
            types.SemanticTokensParams(text_document=unknown)
        ),
        await client.text_document_semantic_tokens_full_delta_async(
            types.SemanticTokensDeltaParams(text_document=unknown, previous_result_id="1")
        ),
        await client.text_document_semantic_tokens_range_async(
            types.SemanticTokensRangeParams(text_document=unknown, range=whole)
        ),
        await client.text_document_inlay_hint_async(
            types.InlayHintParams(text_document=unknown, range=whole)
        ),
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=unknown, range=whole, context=types.CodeActionContext(diagnostics=[])
            )
        ),
        await client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=unknown,
                options=types.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        ),
        await client.text_document_range_formatting_async(
            types.DocumentRangeFormattingParams(
                text_document=unknown,
                range=whole,
                options=types.FormattingOptions(tab_size=2, insert_spaces=True),
            )
        ),
    ]
    assert all(answer in (None, []) for answer in answers), answers


async def test_out_of_range_positions_get_graceful_answers(client: LanguageClient) -> None:
    """Positions past the end of a document are clamped: empty answers, never an error."""
    for path in (SRC / "area.calc", SRC / "hello.pas", SRC / "stats.pyl"):
        uri = open_document(client, path)
        far, farther = at(999, 999), at(1000, 0)
        beyond = types.Range(start=far, end=farther)
        assert (
            await client.text_document_hover_async(
                types.HoverParams(text_document=doc(uri), position=far)
            )
            is None
        )
        assert (
            await client.text_document_signature_help_async(
                types.SignatureHelpParams(text_document=doc(uri), position=far)
            )
            is None
        )
        assert (
            await client.text_document_definition_async(
                types.DefinitionParams(text_document=doc(uri), position=far)
            )
            is None
        )
        assert (
            list(
                await client.text_document_references_async(
                    types.ReferenceParams(
                        text_document=doc(uri),
                        position=far,
                        context=types.ReferenceContext(include_declaration=True),
                    )
                )
            )
            == []
        )
        assert (
            await client.text_document_prepare_rename_async(
                types.PrepareRenameParams(text_document=doc(uri), position=far)
            )
            is None
        )
        completion = await client.text_document_completion_async(
            types.CompletionParams(text_document=doc(uri), position=far)
        )
        assert isinstance(completion, types.CompletionList)  # clamped to the end of the text
        assert (
            list(
                await client.text_document_inlay_hint_async(
                    types.InlayHintParams(text_document=doc(uri), range=beyond)
                )
            )
            == []
        )
        assert (
            list(
                await client.text_document_code_action_async(
                    types.CodeActionParams(
                        text_document=doc(uri),
                        range=beyond,
                        context=types.CodeActionContext(diagnostics=[]),
                    )
                )
            )
            == []
        )
        ranged = await client.text_document_semantic_tokens_range_async(
            types.SemanticTokensRangeParams(text_document=doc(uri), range=beyond)
        )
        assert isinstance(ranged, types.SemanticTokens) and list(ranged.data) == []
        assert (
            list(
                await client.text_document_range_formatting_async(
                    types.DocumentRangeFormattingParams(
                        text_document=doc(uri),
                        range=beyond,
                        options=types.FormattingOptions(tab_size=2, insert_spaces=True),
                    )
                )
            )
            == []
        )
        # Rename may fail (LSP 3.17 allows an error when a rename cannot be performed), but
        # only as RequestFailed with a reason, never as an internal error.
        with pytest.raises(JsonRpcException) as refused:
            await client.text_document_rename_async(
                types.RenameParams(text_document=doc(uri), position=far, new_name="zz")
            )
        assert refused.value.code == -32803
