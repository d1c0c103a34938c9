"""The JSON-RPC transport: a reader thread that frames messages and hands them to the loop.

pygls reads stdin through `run_in_executor` once per header line and once per body, so tasks
start between a request and the `$/cancelRequest` that follows it. Our reader frames messages
in a thread and queues each one on the event loop as soon as it is complete, so a burst of
requests and cancels is dispatched before any of their tasks run. It also answers what pygls
drops silently: invalid JSON gets a ParseError response (id null), a non-JSON-RPC object
InvalidRequest, and a request whose params do not match the method InvalidParams.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from typing import IO, TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest, JsonRpcParseError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024 * 1024
"""A message larger than this is refused (its body is skipped) instead of read into memory."""


class Reader(threading.Thread):
    """Reads `Content-Length`-framed messages from `stream` and queues them on `loop`."""

    def __init__(
        self,
        stream: IO[bytes],
        loop: asyncio.AbstractEventLoop,
        deliver: Callable[[bytes], None],
        on_eof: Callable[[], None],
    ) -> None:
        super().__init__(name="parsercraft-reader", daemon=True)
        self.stream = stream
        self.loop = loop
        self.deliver = deliver
        self.on_eof = on_eof

    def run(self) -> None:
        """Frame messages until end of input, then report EOF to the loop."""
        try:
            while True:
                length = self._headers()
                if length is None:
                    break
                if length > MAX_BODY_BYTES:
                    log.error("refusing a %d-byte message (limit %d)", length, MAX_BODY_BYTES)
                    self._skip(length)
                    continue
                body = self.stream.read(length)
                if len(body) < length:
                    break
                self.loop.call_soon_threadsafe(self.deliver, body)
        except (OSError, ValueError) as exc:
            log.error("input stream failed: %s", exc)
        finally:
            with contextlib.suppress(RuntimeError):  # a closed loop is not waiting for EOF
                self.loop.call_soon_threadsafe(self.on_eof)

    def _headers(self) -> int | None:
        """Read one header block; the Content-Length, or None at end of input."""
        length: int | None = None
        while True:
            line = self.stream.readline()
            if not line:
                return None
            stripped = line.strip()
            if not stripped:
                if length is not None:
                    return length
                continue  # a blank line without a header: skip it
            name, _, value = stripped.partition(b":")
            if name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    log.error("ignoring a malformed Content-Length header: %r", stripped[:80])
                    length = None
                if length is not None and length < 0:
                    length = None

    def _skip(self, count: int) -> None:
        """Discard `count` bytes of input."""
        while count > 0:
            chunk = self.stream.read(min(count, 1 << 20))
            if not chunk:
                return
            count -= len(chunk)


def dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Parse one message body and hand it to `protocol`, answering malformed ones."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        _reply_error(protocol, None, JsonRpcParseError(f"invalid JSON: {exc}"))
        return
    if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
        msg_id = raw.get("id") if isinstance(raw, dict) else None
        _reply_error(
            protocol, _valid_id(msg_id), JsonRpcInvalidRequest("not a JSON-RPC 2.0 message")
        )
        return
    msg_id = raw.get("id")
    if "id" in raw and _valid_id(msg_id) is None and "method" in raw:
        _reply_error(protocol, None, JsonRpcInvalidRequest("invalid request id"))
        return
    method = raw.get("method")
    if "method" in raw and not isinstance(method, str):
        reply_id = _valid_id(msg_id)
        if "id" in raw:
            _reply_error(protocol, reply_id, JsonRpcInvalidRequest("'method' must be a string"))
        return
    if isinstance(method, str) and "id" in raw and _is_notification(method):
        _reply_error(
            protocol, msg_id, JsonRpcInvalidRequest(f"{method!r} is a notification: no id allowed")
        )
        return
    if isinstance(method, str) and "params" not in raw:
        raw = {**raw, "params": None}  # JSON-RPC allows omitting params
    try:
        message = protocol.structure_message(raw)
    except Exception as exc:  # cattrs raises many types for params that do not fit
        if "method" in raw and "id" in raw:
            method = raw.get("method")
            _reply_error(
                protocol, msg_id, JsonRpcInvalidParams(f"invalid params for {method!r}: {exc}")
            )
        else:
            log.warning("dropping a malformed notification %r: %s", raw.get("method"), exc)
        return
    protocol.handle_message(message)


def _is_notification(method: str) -> bool:
    """Whether LSP defines `method` as a notification (cancels and progress included)."""
    from lsprotocol import types

    message_type = types.METHOD_TO_TYPES.get(method, (None,))[0]
    return message_type is not None and message_type.__name__.endswith("Notification")


def _valid_id(msg_id: object) -> int | str | None:
    """A request id JSON-RPC allows (a string or an integer), else None."""
    if isinstance(msg_id, bool):
        return None
    return msg_id if isinstance(msg_id, int | str) else None


def _reply_error(protocol: JsonRPCProtocol, msg_id: Any, error: Exception) -> None:
    """Send an error response (id null when the request's id is unknown)."""
    response_error = error.to_response_error()  # type: ignore[attr-defined]  # JsonRpcException
    protocol._send_response(msg_id, None, response_error)
