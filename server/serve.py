"""`parsercraft-ls serve`: logging to stderr (or a file), then one client over stdio or TCP."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys


def serve(tcp: str | None, log_file: str | None, log_level: str) -> int:
    """Run the server until the client exits; returns the process exit code."""
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8") if log_file else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=log_level.upper(), handlers=[handler])
    from server.app import create_server, quiet_pygls_logging

    quiet_pygls_logging()
    server = create_server()
    if tcp is None:
        code = asyncio.run(server.serve_streams(sys.stdin.buffer, sys.stdout.buffer))
    else:
        host, _, port = tcp.rpartition(":")
        with socket.create_server((host or "127.0.0.1", int(port))) as listener:
            logging.getLogger(__name__).warning("listening on %s", tcp)
            conn, _ = listener.accept()
        with conn, conn.makefile("rb") as reader, conn.makefile("wb", buffering=0) as writer:
            code = asyncio.run(server.serve_streams(reader, writer))
    # The reader thread may still block in a read of stdin; the interpreter's shutdown would
    # wait on that stream's lock, so leave now that everything is flushed.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(code)
