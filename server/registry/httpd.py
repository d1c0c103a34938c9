"""`registry serve`: a static registry over HTTP for development, demos and tests.

With `faults=True` the server misbehaves on request: `POST /_control` with
`{"fault": NAME, "count": N, "path": "substring", "retry_after": S}` queues N faults for
requests whose path contains `path` (default: every path); `{"clear": true}` empties the queue.
Tests may call `RegistryServer.inject` directly. Faults:

| fault | what the next matching request gets |
|---|---|
| `500`, `503`, `404` | that status with a short text body |
| `429` | 429 with `Retry-After: <retry_after>` (default 1) |
| `hang` | no answer until the server stops (or `hang_s`, default 30 s) |
| `reset` | the connection is reset (RST) before any byte |
| `slow` | the real body, `slow_bytes` bytes every `slow_interval_s` seconds |
| `truncate` | a Content-Length of the real body, half the body, then the connection closes |
| `invalid_json` | 200 with a body that is not JSON |
| `wrong_hash` | 200 with the real body plus one space (valid JSON, another sha256) |
| `oversize` | 200 with `size` bytes (default 8 MiB) of JSON whitespace |
| `redirect` | 302 to `location` (default `http://registry.invalid/index.json`, non-loopback) |

Every request is recorded (`requests`) with its path and whether it carried an Authorization
header; the header's value is never stored.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["FAULTS", "Fault", "RegistryServer", "SeenRequest"]

log = logging.getLogger(__name__)

FAULTS = frozenset(
    {
        "500",
        "503",
        "404",
        "429",
        "hang",
        "reset",
        "slow",
        "truncate",
        "invalid_json",
        "wrong_hash",
        "oversize",
        "redirect",
    }
)


@attrs.frozen
class Fault:
    """One queued misbehaviour."""

    name: str
    path: str = ""
    retry_after: float = 1.0
    location: str = "http://registry.invalid/index.json"
    size: int = 8 * 1024 * 1024
    hang_s: float = 30.0
    slow_bytes: int = 16
    slow_interval_s: float = 0.1


@attrs.frozen
class SeenRequest:
    """One request the server received."""

    method: str
    path: str
    authorized: bool
    fault: str | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("registry httpd: " + format, *args)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.server.faults_enabled or urlsplit(self.path).path != "/_control":
            self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            return
        try:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise TypeError("expected an object")
            if data.get("clear"):
                self.server.owner.clear()
            else:
                self.server.owner.inject(
                    str(data["fault"]),
                    count=int(data.get("count", 1)),
                    **{k: v for k, v in data.items() if k not in ("fault", "count")},
                )
        except (ValueError, TypeError, KeyError) as exc:
            self._send(HTTPStatus.BAD_REQUEST, f"bad control request: {exc}\n".encode())
            return
        self._send(HTTPStatus.OK, b'{"ok":true}\n', "application/json")

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        fault = self.server.owner.take(path)
        self.server.owner.seen(
            SeenRequest(
                "GET", path, "Authorization" in self.headers, None if fault is None else fault.name
            )
        )
        body = self.server.owner.read(path)
        if fault is None:
            if body is None:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n")
            else:
                self._send(HTTPStatus.OK, body, "application/json")
            return
        self._fault(fault, body or b"{}\n")

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "text/plain",
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, fault: Fault, body: bytes) -> None:
        name = fault.name
        if name in ("500", "503", "404"):
            self._send(int(name), f"injected {name}\n".encode())
        elif name == "429":
            self._send(429, b"slow down\n", extra={"Retry-After": f"{fault.retry_after:g}"})
        elif name == "hang":
            self.server.owner.stopping.wait(fault.hang_s)
            self.close_connection = True
        elif name == "reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        elif name == "slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(0, len(body), fault.slow_bytes):
                if self.server.owner.stopping.wait(fault.slow_interval_s):
                    break
                self.wfile.write(body[i : i + fault.slow_bytes])
                self.wfile.flush()
            self.close_connection = True
        elif name == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif name == "invalid_json":
            self._send(200, b'{"format": 1, "packages": {', "application/json")
        elif name == "wrong_hash":
            self._send(200, body + b" ", "application/json")
        elif name == "oversize":
            self._send(200, b" " * fault.size, "application/json")
        elif name == "redirect":
            self._send(302, b"", extra={"Location": fault.location})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: RegistryServer
    faults_enabled: bool


class RegistryServer:
    """Serves `root` (an output of `registry build`) on `host:port` (0: any free port)."""

    def __init__(
        self, root: Path, *, host: str = "127.0.0.1", port: int = 0, faults: bool = False
    ) -> None:
        self.root = root.absolute()
        self.stopping = threading.Event()
        self.requests: deque[SeenRequest] = deque(maxlen=10_000)
        self._queue: list[list[object]] = []  # [Fault, remaining]
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self._httpd.faults_enabled = faults
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:41234`."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def read(self, path: str) -> bytes | None:
        """The file for a URL path, confined to the root; None when absent."""
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target.read_bytes()

    def inject(self, fault: str, *, count: int = 1, **options: object) -> None:
        """Queue `count` faults for requests whose path contains `options['path']`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; faults: {', '.join(sorted(FAULTS))}")
        fields = {f.name for f in attrs.fields(Fault)}
        unknown = set(options) - fields
        if unknown:
            raise ValueError(f"unknown fault option(s) {sorted(unknown)}")
        with self._lock:
            self._queue.append([Fault(fault, **options), count])  # type: ignore[arg-type]

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._queue.clear()

    def take(self, path: str) -> Fault | None:
        """The first queued fault that matches `path`, counting it down."""
        with self._lock:
            for item in self._queue:
                fault, remaining = item
                assert isinstance(fault, Fault) and isinstance(remaining, int)
                if fault.path in path:
                    item[1] = remaining - 1
                    if remaining <= 1:
                        self._queue.remove(item)
                    return fault
        return None

    def seen(self, request: SeenRequest) -> None:
        """Record a request."""
        self.requests.append(request)

    def start(self) -> RegistryServer:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="registry-httpd", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until `stop` (or KeyboardInterrupt)."""
        try:
            self._httpd.serve_forever()
        finally:
            self.stopping.set()
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving, release hanging handlers and close the socket."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RegistryServer:
        """Start in a thread."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop."""
        self.stop()
