"""`$/cancelRequest`: a cancelled request is never executed after its cancel arrived, and
every request still gets exactly one response.

"Executed" is observed without patching: every request that enters a feature's policy is
counted in `calls` of `parsercraft.metrics`, and every request the server refuses to start
because its cancel had arrived is counted in health's `cancelledBeforeStart`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.e2e.conftest import EXAMPLES, open_document
from tests.e2e.support.session import Session, session

if TYPE_CHECKING:
    import pytest

HELLO = EXAMPLES / "src" / "hello.pas"
FLOOD = 200


def hover_params(uri: str) -> types.HoverParams:
    """Hover on the builtin WriteLn in hello.pas."""
    return types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=14, character=3),
    )


async def counters(s: Session) -> tuple[int, int]:
    """(hover policy calls, requests cancelled before they started)."""
    metrics = await s.metrics()
    health = await s.health()
    return metrics["features"]["hover"]["calls"], health["cancelledBeforeStart"]


async def outcomes(futures: list[asyncio.Future[Any]]) -> tuple[int, int, list[object]]:
    """(results, RequestCancelled errors, anything else) of answered requests."""
    answers = await asyncio.gather(*futures, return_exceptions=True)
    results = sum(1 for a in answers if not isinstance(a, BaseException))
    cancelled = sum(1 for a in answers if isinstance(a, JsonRpcRequestCancelled))
    other = [a for a in answers if isinstance(a, BaseException)]
    other = [a for a in other if not isinstance(a, JsonRpcRequestCancelled)]
    return results, cancelled, other


async def ready(uri: str, s: Session) -> None:
    """Wait for the first diagnostics of `uri`: the engine workers are up."""
    await s.until(lambda: s.publishes(uri), "the first diagnostics")


async def test_flood_of_cancelled_hovers_answers_each_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """200 hovers each cancelled at once: one response each, none run after its cancel."""
    caplog.set_level(logging.WARNING, logger="pygls")
    async with session() as s:
        uri = open_document(s.lsp, HELLO)
        await ready(uri, s)
        calls_before, skipped_before = await counters(s)
        protocol = s.lsp.protocol
        futures = []
        for n in range(FLOOD):
            msg_id = 10_000 + n
            sent = protocol.send_request(
                types.TEXT_DOCUMENT_HOVER, hover_params(uri), msg_id=msg_id
            )
            protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            futures.append(asyncio.wrap_future(sent))
        async with asyncio.timeout(30):
            results, cancelled, other = await outcomes(futures)
        assert other == []
        assert results + cancelled == FLOOD
        calls, skipped = await counters(s)
        executed = calls - calls_before
        refused = skipped - skipped_before
        assert executed >= results, "a request was answered without being executed"
        assert executed + refused <= FLOOD, "a request refused as cancelled was still executed"

        hover = await s.hover(uri, 14, 3)
        assert hover is not None and "WriteLn" in str(hover.contents)
    duplicates = [r for r in caplog.records if "unknown message id" in r.getMessage()]
    assert duplicates == [], "the server answered a request twice"


async def test_request_whose_cancel_came_first_is_never_executed() -> None:
    """A cancel that overtakes its request (reordered delivery) still prevents its execution."""
    async with session() as s:
        uri = open_document(s.lsp, HELLO)
        await ready(uri, s)
        calls_before, skipped_before = await counters(s)
        protocol = s.lsp.protocol
        futures = []
        for n in range(20):
            msg_id = 20_000 + n
            protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
            sent = protocol.send_request(
                types.TEXT_DOCUMENT_HOVER, hover_params(uri), msg_id=msg_id
            )
            futures.append(asyncio.wrap_future(sent))
        async with asyncio.timeout(30):
            results, cancelled, other = await outcomes(futures)
        assert (results, cancelled, other) == (0, 20, [])
        calls, skipped = await counters(s)
        assert calls == calls_before, "a request cancelled before it arrived was executed"
        assert skipped - skipped_before == 20
