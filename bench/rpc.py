"""A minimal LSP client over a subprocess' stdio, for the benchmarks.

Content-Length framing on asyncio pipes; a reader task resolves one future per request id.
Messages can be pre-encoded and written in bulk without awaiting anything (`write_many`),
so floods of notifications, requests and cancels reach the server as fast as a pipe allows.
Requests from the server (registerCapability, workDoneProgress/create, ...) get a null result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from typing import IO, Any

__all__ = ["Client", "encode"]


def encode(message: dict[str, Any]) -> bytes:
    """One framed JSON-RPC message."""
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class Client:
    """One server process and the client side of its JSON-RPC connection."""

    def __init__(self, process: asyncio.subprocess.Process, spawned_at: float) -> None:
        self.process = process
        self.spawned_at = spawned_at
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.responses: Counter[int] = Counter()
        self.published: dict[str, int] = {}
        self._next_id = 0
        self._published_changed = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def spawn(cls, argv: list[str], cwd: str, stderr: IO[bytes]) -> Client:
        """Start `argv`; `spawned_at` is taken just before the process is created."""
        spawned_at = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            limit=1 << 24,
        )
        return cls(process, spawned_at)

    # -- sending --------------------------------------------------------------------------

    def new_request(
        self, method: str, params: object
    ) -> tuple[int, bytes, asyncio.Future[dict[str, Any]]]:
        """The id, encoding and response future of a new request (nothing is written yet)."""
        self._next_id += 1
        msg_id = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        data = encode({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id, data, future

    @staticmethod
    def notification(method: str, params: object) -> bytes:
        """An encoded notification."""
        return encode({"jsonrpc": "2.0", "method": method, "params": params})

    def write_many(self, chunks: list[bytes]) -> None:
        """Write messages without waiting (the transport buffers what the pipe refuses)."""
        stdin = self.process.stdin
        assert stdin is not None
        for chunk in chunks:
            stdin.write(chunk)

    async def drain(self) -> None:
        """Wait until the transport buffer is flushed to the pipe."""
        assert self.process.stdin is not None
        await self.process.stdin.drain()

    async def request(self, method: str, params: object, timeout_s: float = 60.0) -> Any:
        """Send a request and return its response message (result or error)."""
        _, data, future = self.new_request(method, params)
        self.write_many([data])
        return await asyncio.wait_for(future, timeout_s)

    def notify(self, method: str, params: object) -> None:
        """Send a notification."""
        self.write_many([self.notification(method, params)])

    # -- receiving ------------------------------------------------------------------------

    async def wait_published(self, uri: str, version: int, timeout_s: float = 60.0) -> None:
        """Wait until diagnostics for `uri` at `version` or later are published."""
        async with asyncio.timeout(timeout_s):
            while self.published.get(uri, -1) < version:
                self._published_changed.clear()
                await self._published_changed.wait()

    async def _read(self) -> None:
        """Frame messages from the server's stdout until EOF."""
        stdout = self.process.stdout
        assert stdout is not None
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                length = None
                while True:
                    line = await stdout.readline()
                    if not line:
                        return
                    if not line.strip():
                        if length is not None:
                            break
                        continue
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self._handle(json.loads(await stdout.readexactly(length)))

    def _handle(self, message: dict[str, Any]) -> None:
        """Resolve a response's future, answer a server request, or note diagnostics."""
        method = message.get("method")
        if method is None:
            msg_id = message.get("id")
            if isinstance(msg_id, int):
                self.responses[msg_id] += 1
                future = self.pending.pop(msg_id, None)
                if future is not None and not future.done():
                    future.set_result(message)
            return
        if "id" in message:
            self.write_many([encode({"jsonrpc": "2.0", "id": message["id"], "result": None})])
            return
        if method == "textDocument/publishDiagnostics":
            params = message["params"]
            version = params.get("version")
            self.published[params["uri"]] = version if isinstance(version, int) else 0
            self._published_changed.set()

    # -- ending ---------------------------------------------------------------------------

    async def close(self, timeout_s: float = 5.0) -> None:
        """shutdown + exit, then wait for the process (killed if it lingers)."""
        with contextlib.suppress(TimeoutError, ConnectionError):
            await self.request("shutdown", None, timeout_s)
            self.notify("exit", None)
            await self.drain()
        try:
            await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
