"""Completion, completionItem/resolve and signature help in Calc (PEG), Pascal and Python-like.

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

PROGRAMS = Path(__file__).parent / "programs"


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=CONFIG)
async def client(request: Any, lsp_client: LanguageClient) -> Any:
    """One server per client preset for this module, on the examples workspace."""
    await lsp_client.initialize_session(init_params(request.param))
    yield
    await lsp_client.shutdown_session()


def snippets_supported(client: LanguageClient) -> bool:
    """Whether the client preset advertises snippet completion items."""
    caps = client.capabilities
    assert caps is not None and caps.text_document is not None
    completion = caps.text_document.completion
    item = None if completion is None else completion.completion_item
    return bool(item is not None and item.snippet_support)


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> dict[str, Any]:
    """The completion items at a position, by label."""
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert isinstance(result, types.CompletionList)
    assert not result.is_incomplete
    return {item.label: item for item in result.items}


def new_text(item: types.CompletionItem) -> str:
    """The text an item inserts (its text edit's, else its insert text, else its label)."""
    if isinstance(item.text_edit, types.TextEdit):
        return item.text_edit.new_text
    return item.insert_text or item.label


async def test_keywords_as_the_spec_spells_them(client: LanguageClient) -> None:
    """Keywords come as each language spells them: Calc's `show` (for print), Pascal's BEGIN."""
    calc = await complete(client, open_document(client, EXAMPLES / "src" / "area.calc"), 4, 5)
    assert {"show", "let"} <= set(calc)
    assert "print" not in calc
    assert calc["show"].kind == types.CompletionItemKind.Keyword
    assert new_text(calc["show"]) == "show"

    uri = open_document(client, EXAMPLES / "src" / "hello.pas")
    pascal = await complete(client, uri, 16, 2)  # start of `total := 0;`
    assert {"BEGIN", "END", "WHILE"} <= set(pascal)
    assert not {"begin", "Begin", "print"} & set(pascal)
    assert pascal["BEGIN"].kind == types.CompletionItemKind.Keyword
    assert "WriteLn" in pascal and pascal["WriteLn"].kind == types.CompletionItemKind.Function

    prefixed = await complete(client, uri, 16, 3)  # after `t`
    assert "total" in prefixed and "THEN" in prefixed
    assert prefixed["total"].text_edit is not None
    edit = prefixed["total"].text_edit
    assert isinstance(edit, types.TextEdit)
    assert (edit.range.start.character, edit.range.end.character) == (2, 3)


async def test_builtins_insert_snippets_when_supported(client: LanguageClient) -> None:
    """Builtins insert a call snippet for clients with snippets, plain text for the others."""
    items = await complete(client, open_document(client, EXAMPLES / "src" / "area.calc"), 4, 5)
    sqrt = items["sqrt"]
    assert sqrt.kind == types.CompletionItemKind.Function
    assert sqrt.detail is not None and "sqrt" in sqrt.detail
    if snippets_supported(client):
        assert sqrt.insert_text_format == types.InsertTextFormat.Snippet
        assert new_text(sqrt) == "sqrt(${1:arg1})"
    else:
        assert sqrt.insert_text_format in (None, types.InsertTextFormat.PlainText)
        assert "$" not in new_text(sqrt) and new_text(sqrt).startswith("sqrt")
    for item in items.values():  # no item anywhere uses a format the client lacks
        if not snippets_supported(client):
            assert item.insert_text_format != types.InsertTextFormat.Snippet


async def test_symbols_in_scope(client: LanguageClient) -> None:
    """Locals and parameters complete inside their function only; globals everywhere."""
    text = (EXAMPLES / "src" / "stats.pyl").read_text(encoding="utf-8")
    inside = text.replace("    total = total + v\n", "    total = total + v\n    \n")
    uri = open_document(client, EXAMPLES / "src" / "scope-inside.pyl", inside)
    items = await complete(client, uri, 5, 4)
    assert {"total", "v", "values", "mean", "scores"} <= set(items)
    assert items["total"].kind == types.CompletionItemKind.Variable
    assert items["mean"].kind == types.CompletionItemKind.Function

    uri = open_document(client, EXAMPLES / "src" / "scope-top.pyl", text + "\n")
    items = await complete(client, uri, 10, 0)
    assert {"mean", "scores"} <= set(items)
    assert not {"total", "v", "values"} & set(items)

    calc = await complete(client, open_document(client, EXAMPLES / "src" / "area.calc"), 3, 6)
    assert set(calc) == {"width"}  # `w` typed: only the Calc variable starting with it
    assert calc["width"].detail == "int"


async def test_resolve_adds_documentation(client: LanguageClient) -> None:
    """completionItem/resolve adds Markdown docs to keywords and builtins, nothing to variables."""
    items = await complete(client, open_document(client, EXAMPLES / "src" / "area.calc"), 4, 5)
    show = await client.completion_item_resolve_async(items["show"])
    assert isinstance(show.documentation, types.MarkupContent)
    assert show.documentation.kind == types.MarkupKind.Markdown
    assert "Prints a value" in show.documentation.value
    sqrt = await client.completion_item_resolve_async(items["sqrt"])
    assert isinstance(sqrt.documentation, types.MarkupContent)
    assert "Square root" in sqrt.documentation.value
    width = await client.completion_item_resolve_async(items["width"])
    assert width.documentation is None
    assert width.label == "width"

    uri = open_document(client, EXAMPLES / "src" / "hello.pas")
    begin = await client.completion_item_resolve_async(
        (await complete(client, uri, 16, 2))["BEGIN"]
    )
    assert isinstance(begin.documentation, types.MarkupContent)
    assert "compound statement" in begin.documentation.value


async def signature(
    client: LanguageClient, uri: str, line: int, character: int
) -> types.SignatureHelp | None:
    """Signature help at a position."""
    return await client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )


async def test_signature_help_active_parameter_moves_with_commas(client: LanguageClient) -> None:
    """The active parameter is the number of commas before the cursor in the call."""
    uri = open_document(client, PROGRAMS / "clef.pyl")
    # print("𝄞𝄞", add(total, 3), totl): `add(` ends at UTF-16 column 18.
    first = await signature(client, uri, 5, 18)
    assert first is not None
    sig = first.signatures[first.active_signature or 0]
    assert sig.label == "add(a, b)"
    assert first.active_parameter == 0
    assert sig.parameters is not None
    names = []
    for parameter in sig.parameters:
        assert isinstance(parameter.label, tuple)  # offsets into the signature label
        start, end = parameter.label
        names.append(sig.label[start:end])
    assert names == ["a", "b"]
    second = await signature(client, uri, 5, 25)  # after `add(total, `
    assert second is not None and second.active_parameter == 1
    outer = await signature(client, uri, 5, 29)  # after `add(...), `: back in print(...)
    assert outer is not None
    assert outer.signatures[0].label.startswith("print(")

    calc = open_document(client, EXAMPLES / "src" / "area.calc")
    help_ = await signature(client, calc, 4, 10)  # show sqrt(|width ...
    assert help_ is not None
    assert help_.signatures[0].label == "sqrt(arg1)"
    assert help_.active_parameter == 0
    documentation = help_.signatures[0].documentation
    text = documentation.value if isinstance(documentation, types.MarkupContent) else documentation
    assert text is not None and "Square root" in text
    assert await signature(client, calc, 1, 2) is None  # `let width = 3`: no call
