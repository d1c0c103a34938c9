"""Random incremental edits over the wire: the server's text always equals the client's.

One long-lived server per module (pygls' LanguageClient over stdio, on an event loop in a
thread), many hypothesis examples against it. Each example opens a fresh document, sends
random `didChange` edits (with UTF-16 positions computed by the client from its own text,
including surrogate pairs and CRLF/CR line endings), and reads the server's copy back with
`parsercraft.documentText`.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.lsp.client import LanguageClient

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterator

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # LSP line endings; U+2028 and friends are not

ALPHABET = st.sampled_from(
    ["a", "b", " ", "\t", "é", "中", "𝄞", "😀", "\n", "\r\n", "\r", "\u2028", "\x0c"]
)
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)
CHANGE = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), TEXTS, st.booleans())
EDITS = st.lists(st.lists(CHANGE, min_size=1, max_size=3), min_size=1, max_size=8)


class Remote:
    """A client on its own event loop thread; `run` executes a coroutine there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.client = LanguageClient("sync-properties", "1")
        self.names = itertools.count(1)

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """The result of `coro`, run on the client's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT_S)

    async def start(self) -> None:
        """Start and initialize the server."""
        await self.client.start_io(sys.executable, "-m", "server", "serve", cwd=str(ROOT))
        root = (ROOT / "examples").as_uri()
        general = types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf16]
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(general=general),
                root_uri=root,
                process_id=os.getpid(),
            )
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> None:
        """shutdown, exit, and wait for the process to end."""
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


@pytest.fixture(scope="module")
def remote() -> Iterator[Remote]:
    """One server for every example of this module."""
    remote = Remote()
    remote.thread.start()
    try:
        remote.run(remote.start())
        yield remote
        remote.run(remote.stop())
    finally:
        remote.loop.call_soon_threadsafe(remote.loop.stop)
        remote.thread.join(WAIT_S)
        remote.loop.close()


def valid_offsets(text: str) -> list[int]:
    """Code-point offsets an LSP position can name (not between the CR and LF of a CRLF)."""
    return [
        i for i in range(len(text) + 1) if not (0 < i < len(text) and text[i - 1 : i + 1] == "\r\n")
    ]


def position(text: str, offset: int) -> types.Position:
    """The LSP position (line, UTF-16 character) of a code-point offset."""
    line, start = 0, 0
    for match in LINE_BREAK.finditer(text, 0, offset):
        if match.end() > offset:
            break
        line, start = line + 1, match.end()
    character = len(text[start:offset].encode("utf-16-le")) // 2
    return types.Position(line=line, character=character)


def apply(
    text: str, change: tuple[int, int, str, bool]
) -> tuple[str, types.TextDocumentContentChangeEvent]:
    """The client's text after one change, and the event that describes it to the server."""
    a_raw, b_raw, new, whole = change
    if whole and a_raw % 7 == 0:  # now and then, a whole-document change
        return new, types.TextDocumentContentChangeWholeDocument(text=new)
    offsets = valid_offsets(text)
    a, b = sorted((offsets[a_raw % len(offsets)], offsets[b_raw % len(offsets)]))
    event = types.TextDocumentContentChangePartial(
        range=types.Range(start=position(text, a), end=position(text, b)), text=new
    )
    return text[:a] + new + text[b:], event


async def replay(
    client: LanguageClient, uri: str, initial: str, edits: list[list[tuple[int, int, str, bool]]]
) -> tuple[dict[str, Any], str, int]:
    """Open `uri`, send the edits, read the server's copy, close; (server copy, text, version)."""
    item = types.TextDocumentItem(uri=uri, language_id="plaintext", version=1, text=initial)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    text, version = initial, 1
    for batch in edits:
        events = []
        for change in batch:
            text, event = apply(text, change)
            events.append(event)
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=events,
            )
        )
    server = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="parsercraft.documentText", arguments=[{"uri": uri}])
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return server, text, version


@settings(max_examples=40, deadline=None, derandomize=True)
@given(initial=TEXTS, edits=EDITS)
def test_server_text_equals_client_text_after_random_edits(
    remote: Remote, initial: str, edits: list[list[tuple[int, int, str, bool]]]
) -> None:
    """After any sequence of incremental edits, `documentText` equals the client's text."""
    uri = (ROOT / "examples" / f"sync-{next(remote.names)}.txt").as_uri()
    server, text, version = remote.run(replay(remote.client, uri, initial, edits))
    assert server["version"] == version
    assert server["text"] == text
