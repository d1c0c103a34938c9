"""Our LanguageServerProtocol: O(edit) text sync, UTF-16 only, cancellation, clean errors.

Changes to pygls' behaviour, each for a measured or reported problem:
- text sync goes to our `DocumentStore` (pygls re-splices the whole text on every change);
- the position encoding is always UTF-16 (VS Code's client refuses any other);
- a `$/cancelRequest` is remembered, so a request whose cancel arrived before it started is
  never executed (pygls issue 517), and the cancel of an unknown id is not an error;
- `workspace/executeCommand` passes the raw argument list (eglot sends `null`) to our command
  table (whose handlers turn a `CommandArgumentError` into InvalidParams with its message);
- a request after `shutdown` gets InvalidRequest instead of silence; `exit` stops the
  server through its stop event rather than `sys.exit` from inside a callback;
- results computed in a worker arrive as JSON-ready data (`Raw`) and are sent as they are,
  and error responses always carry `"id"` (null when unknown), as JSON-RPC requires.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol, lsp_method

from server.lsp.documents import TextChange

if TYPE_CHECKING:
    from collections.abc import Generator

    from server.lsp.server import ParserCraftServer

log = logging.getLogger(__name__)

_CANCEL_MEMORY = 4096
"""How many cancelled request ids are remembered (bounded, oldest forgotten first)."""


class RequestFailed(JsonRpcException):
    """LSP RequestFailed (-32803): a valid request the server cannot carry out (with why)."""

    CODE = -32803
    MESSAGE = "Request Failed"


class Raw:
    """A result that is already JSON-ready (made in a worker): sent without conversion."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class ParserCraftProtocol(LanguageServerProtocol):
    """pygls' protocol with our document store, cancellation and command handling."""

    _server: ParserCraftServer

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.cancelled: OrderedDict[object, None] = OrderedDict()

    # -- lifecycle ------------------------------------------------------------------------

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        """pygls' initialize, with the position encoding pinned to UTF-16."""
        general = params.capabilities.general
        if general is not None:
            general.position_encodings = [types.PositionEncodingKind.Utf16]
        result = yield from super().lsp_initialize(params)
        return result

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        """Stop the server: exit code 0 after `shutdown`, 1 otherwise (LSP 3.17)."""
        self._server.request_stop(0 if self._shutdown else 1)
        return
        yield  # a generator, like every builtin feature

    def handle_message(self, message: Any) -> None:
        """pygls' dispatch, except that requests after `shutdown` get InvalidRequest."""
        method = getattr(message, "method", None)
        msg_id = getattr(message, "id", None)
        if self._shutdown and method not in (None, types.EXIT) and msg_id is not None:
            error = JsonRpcInvalidRequest("the server is shutting down")
            self._send_response(msg_id, None, error.to_response_error())
            return
        super().handle_message(message)

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        """Send raw results as they are; error responses always include the id."""
        if error is not None:
            payload = {"jsonrpc": "2.0", "id": msg_id, "error": self._converter.unstructure(error)}
            self._send_data(payload)
            return
        if isinstance(result, Raw):
            self._result_types.pop(msg_id, None)
            self._send_data({"jsonrpc": "2.0", "id": msg_id, "result": result.value})
            return
        super()._send_response(msg_id, result, None)

    def notify_raw(self, method: str, params: object) -> None:
        """Send a notification whose params are already JSON-ready."""
        self._send_data({"jsonrpc": "2.0", "method": method, "params": params})

    # -- cancellation ---------------------------------------------------------------------

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """Remember the cancel, then let pygls cancel the task if it has not started."""
        self.cancelled[msg_id] = None
        if len(self.cancelled) > _CANCEL_MEMORY:
            self.cancelled.popitem(last=False)
        if msg_id in self._request_futures:
            super()._handle_cancel_notification(msg_id)

    def is_cancelled(self, msg_id: object) -> bool:
        """Whether a `$/cancelRequest` for `msg_id` has arrived."""
        return msg_id in self.cancelled

    # -- text synchronisation -------------------------------------------------------------

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Store the document, then run the server's handler."""
        doc = params.text_document
        self._server.documents.open(doc.uri, doc.language_id, doc.version, doc.text)
        yield from self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Apply each change in O(edit) to our store, then run the server's handler."""
        changes = [_change(c) for c in params.content_changes]
        doc = params.text_document
        self._server.documents.change(doc.uri, doc.version, changes)
        yield from self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Forget the document, then run the server's handler."""
        self._server.documents.close(params.text_document.uri)
        yield from self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user(self, method: str, params: Any) -> Generator[Any, Any, None]:
        """Yield to the server's own handler for `method`, if it registered one."""
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    # -- commands -------------------------------------------------------------------------

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(
        self, params: types.ExecuteCommandParams
    ) -> Generator[Any, Any, Any]:
        """Run a command from our table with the raw argument list (None becomes [])."""
        handler = self.fm.commands.get(params.command)
        if handler is None:
            known = ", ".join(sorted(self.fm.commands))
            raise JsonRpcInvalidParams(f"unknown command {params.command!r}; known: {known}")
        result = yield handler, (list(params.arguments or []),), None
        return result


def _change(event: types.TextDocumentContentChangeEvent) -> TextChange:
    """Our neutral change record from an LSP change event (a range, or the whole text)."""
    if isinstance(event, types.TextDocumentContentChangePartial):
        r = event.range
        return TextChange(
            event.text, (r.start.line, r.start.character, r.end.line, r.end.character)
        )
    return TextChange(event.text, None)
