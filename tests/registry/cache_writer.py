"""The child of the SIGKILL test: writes cache entries until it is killed."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from server.registry.cache import Cache
from server.registry.config import CacheConfig

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from pathlib import Path


def payload(n: int) -> bytes:
    """Deterministic content of entry n, 1 to 64 KiB."""
    seed = hashlib.sha256(str(n).encode()).digest()
    return seed * (1 + (seed[0] * 8 + n) % 2048)


def write_forever(folder: Path, start: int, tell: Connection) -> None:
    """Write ref k<n> -> payload(n) for n = start, start + 1, ... after saying `ready`."""
    cache = Cache(CacheConfig(dir=folder))
    tell.send("ready")
    n = start
    while True:
        cache.put_ref(f"k{n}", payload(n))
        n += 1
