"""The server as a plain child process over raw stdio pipes, for framing-level tests.

`RawServer` writes whatever bytes a test gives it and reads every framed message the server
writes back on a thread, so a test can flood the server without deadlocking on a full pipe
and can await responses by id. It also owns the process: `close()` ends and reaps it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[3]
SERVER = [sys.executable, "-m", "server", "serve"]
WAIT_S = 10.0
"""Bounds a wait in a broken test; passing tests are woken by the awaited message."""


def frame(body: bytes) -> bytes:
    """A message body with its Content-Length header."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(message: object) -> bytes:
    """A framed JSON message."""
    return frame(json.dumps(message).encode("utf-8"))


def initialize_params(process_id: int | None, settings: dict[str, Any] | None = None) -> dict:
    """Minimal initialize params (no capabilities: the server then never asks us anything)."""
    return {
        "processId": process_id,
        "rootUri": (ROOT / "examples").as_uri(),
        "capabilities": {},
        "initializationOptions": {"parsercraft": settings} if settings else None,
    }


class Connection:
    """Framed JSON-RPC over a pair of byte streams: messages read on a thread, waits by id."""

    def __init__(self, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.received: list[dict[str, Any]] = []
        self.unparsable: list[bytes] = []
        self.by_id: dict[str, list[dict[str, Any]]] = {}
        """Responses by `json.dumps(id)` (so 1 and "1" differ; null is "null")."""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(stdout,), daemon=True)
        self._reader.start()
        self._ids = iter(range(1, 1 << 62))

    # -- reading ---------------------------------------------------------------------------

    def _read(self, stream: IO[bytes]) -> None:
        """Parse `Content-Length` frames until EOF."""
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self._changed:
                        self._changed.notify_all()
                    return
                if not line.strip():
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = stream.read(length or 0)
            with self._changed:
                try:
                    message = json.loads(body)
                except ValueError:
                    self.unparsable.append(body)
                else:
                    self.received.append(message)
                    if isinstance(message, dict) and "method" not in message and "id" in message:
                        self.by_id.setdefault(json.dumps(message["id"]), []).append(message)
                self._changed.notify_all()

    def wait(self, predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
        """Block until `predicate()` holds (re-checked after each message)."""
        end = time.monotonic() + timeout_s
        with self._changed:
            while not predicate():
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
                self._changed.wait(left)

    def responses(self, msg_id: object) -> list[dict[str, Any]]:
        """Every response the server sent with `msg_id` (notifications and requests excluded)."""
        return list(self.by_id.get(json.dumps(msg_id), ()))

    def response(self, msg_id: object, timeout_s: float = WAIT_S) -> dict[str, Any]:
        """The (first) response to `msg_id`, waiting for it."""
        self.wait(lambda: self.responses(msg_id), f"the response to request {msg_id!r}", timeout_s)
        return self.responses(msg_id)[0]

    # -- writing ---------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write raw bytes to the server's stdin."""
        self.stdin.write(data)
        self.stdin.flush()

    def send(self, message: object) -> None:
        """Write one framed JSON message."""
        self.write(encode(message))

    def notify(self, method: str, params: object = None) -> None:
        """Send a notification."""
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: object = None, msg_id: object = None) -> object:
        """Send a request; returns its id."""
        msg_id = next(self._ids) if msg_id is None else msg_id
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def call(self, method: str, params: object = None, timeout_s: float = WAIT_S) -> Any:
        """Send a request and return its result (AssertionError on an error response)."""
        reply = self.response(self.request(method, params), timeout_s)
        assert "error" not in reply, f"{method} failed: {reply['error']}"
        return reply.get("result")

    def initialize(self, process_id: int | None = None, settings: dict | None = None) -> None:
        """initialize, then initialized."""
        self.call("initialize", initialize_params(process_id, settings))
        self.notify("initialized", {})

    def close_streams(self) -> None:
        """Close both streams (after the peer is gone) and join the reader."""
        with contextlib.suppress(OSError):  # a broken pipe on flush: the peer is gone
            self.stdin.close()
        self._reader.join(WAIT_S)
        self.stdout.close()


class RawServer(Connection):
    """`python -m server serve` as a child process, spoken to over raw pipes."""

    def __init__(self, stderr: IO[bytes] | int = subprocess.DEVNULL) -> None:
        self.process = subprocess.Popen(
            SERVER, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        super().__init__(self.process.stdin, self.process.stdout)

    def exit_code(self, timeout_s: float = WAIT_S) -> int:
        """Wait for the process to exit by itself; its exit code."""
        return self.process.wait(timeout_s)

    def close(self) -> None:
        """End the process if still running, reap it, and close the pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(WAIT_S)
        self.close_streams()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def poll(predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> None:
    """Re-check `predicate` every 20 ms until it holds (for state that sends no message)."""
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.02)


def children(pid: int) -> list[int]:
    """The pids of the direct children of `pid` (Linux /proc), or [] if it is gone."""
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            text = (task / "children").read_text()
            found.extend(int(p) for p in text.split())
    except OSError:
        return found
    return found


def is_running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")
