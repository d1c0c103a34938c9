"""Folding ranges, semantic tokens (full, range, delta), inlay hints and code actions.

Languages defined by a config have no TextMate grammar, so semantic tokens are their
highlighting. Degraded results are empty (no folds, no tokens, no hints, no actions).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, cast

from lsprotocol import types

from server.lsp.features.navigation import _pos, _raw
from server.lsp.protocol import Raw

if TYPE_CHECKING:
    from server.lsp.server import ParserCraftServer


def legend() -> types.SemanticTokensLegend:
    """The token types and modifiers our data indexes into."""
    from server.engine.legend import TOKEN_MODIFIERS, TOKEN_TYPES

    return types.SemanticTokensLegend(
        token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS)
    )


class TokenCache:
    """The last full result per document, for semanticTokens/full/delta."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.last: dict[str, tuple[str, tuple[int, ...]]] = {}

    def store(self, uri: str, data: list[int]) -> str:
        """Remember `data` for `uri` under a new result id."""
        result_id = str(next(self.ids))
        self.last[uri] = (result_id, tuple(data))
        return result_id


async def folding_range(ls: ParserCraftServer, params: types.FoldingRangeParams) -> object:
    """Folds for blocks, block comments and runs of comment lines."""
    return _raw(await ls.run("symbols", "folding", params.text_document.uri), [])


async def semantic_tokens_full(ls: ParserCraftServer, params: types.SemanticTokensParams) -> object:
    """All semantic tokens of the document, with a result id for later deltas."""
    uri = params.text_document.uri
    outcome = await ls.run("semanticTokens", "semantic_tokens", uri)
    if outcome is None or outcome.degraded is not None:
        return None if outcome is None else types.SemanticTokens(data=[])
    data = cast("list[int]", outcome.value)
    return Raw({"resultId": ls.tokens.store(uri, data), "data": data})


async def semantic_tokens_delta(
    ls: ParserCraftServer, params: types.SemanticTokensDeltaParams
) -> object:
    """Edits from the previous result to the current one (or a full result if unknown)."""
    from server.engine.highlight import semantic_tokens_delta as delta

    uri = params.text_document.uri
    previous = ls.tokens.last.get(uri)
    outcome = await ls.run("semanticTokens", "semantic_tokens", uri)
    if outcome is None or outcome.degraded is not None:
        return None if outcome is None else types.SemanticTokens(data=[])
    data = cast("list[int]", outcome.value)
    result_id = ls.tokens.store(uri, data)
    if previous is None or previous[0] != params.previous_result_id:
        return Raw({"resultId": result_id, "data": data})
    edits = delta(previous[1], tuple(data))
    wire = [{"start": e.start, "deleteCount": e.delete_count, "data": list(e.data)} for e in edits]
    return Raw({"resultId": result_id, "edits": wire})


async def semantic_tokens_range(
    ls: ParserCraftServer, params: types.SemanticTokensRangeParams
) -> object:
    """Semantic tokens of a range."""
    uri, r = params.text_document.uri, params.range
    args = (_pos(r.start), _pos(r.end))
    outcome = await ls.run("semanticTokens", "semantic_tokens_range", uri, args)
    if outcome is None or outcome.degraded is not None:
        return None if outcome is None else types.SemanticTokens(data=[])
    return Raw({"data": outcome.value})


async def inlay_hint(ls: ParserCraftServer, params: types.InlayHintParams) -> object:
    """Inferred types of variables defined in the range."""
    uri, r = params.text_document.uri, params.range
    args = (_pos(r.start), _pos(r.end))
    return _raw(await ls.run("typeInference", "inlay_hints", uri, args), [])


async def code_action(ls: ParserCraftServer, params: types.CodeActionParams) -> object:
    """Quick fixes for the diagnostics in the range."""
    uri, r = params.text_document.uri, params.range
    args = (_pos(r.start), _pos(r.end))
    return _raw(await ls.run("codeActions", "code_actions", uri, args), [])


def register(server: ParserCraftServer) -> None:
    """Register folding, semantic tokens, inlay hints and code actions."""
    server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(folding_range)
    options = types.SemanticTokensRegistrationOptions(
        legend=legend(), full=types.SemanticTokensFullDelta(delta=True), range=True
    )
    server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, options)(semantic_tokens_full)
    server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, options)(semantic_tokens_delta)
    server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, options)(semantic_tokens_range)
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT)(inlay_hint)
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )(code_action)
