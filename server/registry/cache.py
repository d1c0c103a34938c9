"""On-disk cache: content-addressed blobs and small named refs, safe against `kill -9`.

```
<dir>/v1/blobs/<aa>/<sha256>     the exact bytes; the name is their sha256, checked on every read
<dir>/v1/refs/<sha256(key)>.json {"key", "sha256", "fetched_at", "check"}: a name -> blob pointer
<dir>/v1/tmp/<pid>-<random>      files being written; leftovers of dead writers are removed
```
Every file is written to `tmp/`, fsynced, renamed into place and the directory fsynced, so a
reader sees the old file or the whole new one. A blob whose bytes do not hash to its name, or a
ref whose `check` does not match, is deleted and reported as a miss: never served.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from resilience import SYSTEM_CLOCK
from server.processes import is_alive

if TYPE_CHECKING:
    from resilience import Clock
from server.registry.config import CacheConfig

__all__ = ["Cache", "CacheStatistics", "CachedRef", "VerifyReport"]

log = logging.getLogger(__name__)

_TOUCH_EVERY_S = 60.0
_STALE_TMP_S = 3600.0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@attrs.frozen
class CachedRef:
    """A named pointer to a blob, with the blob's verified bytes and when it was fetched."""

    key: str
    sha256: str
    fetched_at: float
    data: bytes = attrs.field(repr=False)


@attrs.frozen
class CacheStatistics:
    """Counters of a cache and its current size on disk."""

    directory: str
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    discarded: int
    evicted: int
    writes: int
    write_errors: int


@attrs.frozen
class VerifyReport:
    """What `Cache.verify_all` found."""

    checked: int
    discarded: int
    temp_removed: int


def _ref_check(key: str, sha256: str, fetched_at: float) -> str:
    return _sha(json.dumps([key, sha256, fetched_at]).encode("utf-8"))


class Cache:
    """The registry cache under `config.dir`; thread-safe; one instance may serve many clients."""

    def __init__(
        self, config: CacheConfig, *, clock: Clock | None = None, memory_bytes: int = 8 << 20
    ) -> None:
        self.config = config
        self.root = config.dir / "v1"
        self._clock = clock or SYSTEM_CLOCK
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._memory_bytes = 0
        self._memory_cap = memory_bytes
        self._touched: dict[str, float] = {}
        self._size: int | None = None
        self._hits = self._misses = self._discarded = self._evicted = 0
        self._writes = self._write_errors = 0

    # -- paths -----------------------------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        """Where the blob with this sha256 lives."""
        return self.root / "blobs" / sha256[:2] / sha256

    def _ref_path(self, key: str) -> Path:
        return self.root / "refs" / f"{_sha(key.encode('utf-8'))[:40]}.json"

    # -- blobs -----------------------------------------------------------------------------------

    def get_blob(self, sha256: str) -> bytes | None:
        """The bytes whose sha256 is `sha256`, verified; None on a miss or a damaged entry."""
        with self._lock:
            data = self._memory.get(sha256)
            if data is not None:
                self._memory.move_to_end(sha256)
                self._hits += 1
                return data
        path = self.blob_path(sha256)
        try:
            data = path.read_bytes()
        except OSError:
            with self._lock:
                self._misses += 1
            return None
        if _sha(data) != sha256:
            self._discard(path, f"blob {sha256[:12]} does not match its hash")
            with self._lock:
                self._misses += 1
            return None
        self._touch(path, sha256)
        with self._lock:
            self._hits += 1
            self._remember(sha256, data)
        return data

    def put_blob(self, data: bytes) -> str:
        """Store `data` under its sha256 (atomically; a write error is logged, not raised)."""
        sha256 = _sha(data)
        path = self.blob_path(sha256)
        if not path.exists() and self._write(path, data):
            with self._lock:
                if self._size is not None:
                    self._size += len(data)
            self._evict_if_needed(keep=sha256)
        with self._lock:
            self._remember(sha256, data)
        return sha256

    def _remember(self, sha256: str, data: bytes) -> None:
        if sha256 in self._memory or len(data) > self._memory_cap // 4:
            return
        self._memory[sha256] = data
        self._memory_bytes += len(data)
        while self._memory_bytes > self._memory_cap:
            _, dropped = self._memory.popitem(last=False)
            self._memory_bytes -= len(dropped)

    def _touch(self, path: Path, sha256: str) -> None:
        """Mark a blob recently used for LRU eviction (at most once a minute per blob)."""
        now = self._clock.monotonic()
        if now - self._touched.get(sha256, -_TOUCH_EVERY_S) >= _TOUCH_EVERY_S:
            self._touched[sha256] = now
            with contextlib.suppress(OSError):
                os.utime(path)

    # -- refs ------------------------------------------------------------------------------------

    def get_ref(self, key: str) -> CachedRef | None:
        """The ref `key` with its verified blob; None on a miss, a damaged ref or a lost blob."""
        path = self._ref_path(key)
        try:
            raw = json.loads(path.read_bytes())
            sha256, fetched_at, check = raw["sha256"], float(raw["fetched_at"]), raw["check"]
            if raw["key"] != key:
                return None  # a hash-prefix collision: treat as absent
        except FileNotFoundError:
            with self._lock:
                self._misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self._discard(path, f"ref {key!r} is damaged")
            return None
        if not isinstance(sha256, str) or check != _ref_check(key, sha256, fetched_at):
            self._discard(path, f"ref {key!r} fails its check")
            return None
        data = self.get_blob(sha256)
        if data is None:
            return None
        return CachedRef(key, sha256, fetched_at, data)

    def put_ref(self, key: str, data: bytes) -> CachedRef:
        """Store `data` as a blob and point `key` at it, stamped now."""
        sha256 = self.put_blob(data)
        fetched_at = self._clock.wall()
        body = {
            "key": key,
            "sha256": sha256,
            "fetched_at": fetched_at,
            "check": _ref_check(key, sha256, fetched_at),
        }
        self._write(self._ref_path(key), json.dumps(body).encode("utf-8"))
        return CachedRef(key, sha256, fetched_at, data)

    def age_s(self, ref: CachedRef) -> float:
        """Seconds since `ref` was fetched (never negative)."""
        return max(0.0, self._clock.wall() - ref.fetched_at)

    def is_fresh(self, ref: CachedRef) -> bool:
        """True while `ref` is younger than the TTL."""
        return self.age_s(ref) < self.config.ttl_s

    def is_servable(self, ref: CachedRef) -> bool:
        """True while a stale `ref` may still be served when the registry fails."""
        return self.age_s(ref) < self.config.ttl_s + self.config.stale_if_error_s

    # -- writing, discarding, evicting -----------------------------------------------------------

    def _write(self, path: Path, data: bytes) -> bool:
        """Temp file, fsync, rename, fsync the directory; False (logged) when the disk refuses."""
        tmp_dir = self.root / "tmp"
        tmp = tmp_dir / f"{os.getpid()}-{os.urandom(6).hex()}"
        try:
            tmp_dir.mkdir(parents=True, exist_ok=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            with self._lock:
                self._write_errors += 1
            log.warning("cannot write the registry cache entry %s: %s", path, exc)
            return False
        with self._lock:
            self._writes += 1
        return True

    def _discard(self, path: Path, why: str) -> None:
        log.warning("registry cache: %s; discarded %s", why, path)
        with contextlib.suppress(OSError):
            path.unlink()
        with self._lock:
            self._discarded += 1
            self._size = None

    def _blob_files(self) -> list[tuple[Path, os.stat_result]]:
        found = []
        for path in (self.root / "blobs").glob("*/*"):
            with contextlib.suppress(OSError):
                found.append((path, path.stat()))
        return found

    def _evict_if_needed(self, keep: str) -> None:
        with self._lock:
            size = self._size
        if size is None:
            size = sum(st.st_size for _, st in self._blob_files())
            with self._lock:
                self._size = size
        if size <= self.config.max_bytes:
            return
        target = int(self.config.max_bytes * 0.9)
        for path, st in sorted(self._blob_files(), key=lambda item: item[1].st_mtime):
            if size <= target:
                break
            if path.name == keep:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                size -= st.st_size
                with self._lock:
                    self._evicted += 1
                    dropped = self._memory.pop(path.name, None)
                    if dropped is not None:
                        self._memory_bytes -= len(dropped)
        with self._lock:
            self._size = size

    def verify_all(self) -> VerifyReport:
        """Check every blob and ref, delete damaged ones and leftovers of dead writers."""
        checked = discarded = removed = 0
        now = self._clock.wall()
        for tmp in (self.root / "tmp").glob("*"):
            pid = tmp.name.split("-", 1)[0]
            with contextlib.suppress(OSError, ValueError):
                if not is_alive(int(pid)) or now - tmp.stat().st_mtime > _STALE_TMP_S:
                    tmp.unlink()
                    removed += 1
        for path, _ in self._blob_files():
            checked += 1
            try:
                good = _sha(path.read_bytes()) == path.name
            except OSError:
                good = False
            if not good:
                self._discard(path, f"blob {path.name[:12]} does not match its hash")
                discarded += 1
        for path in (self.root / "refs").glob("*.json"):
            checked += 1
            try:
                raw = json.loads(path.read_bytes())
                key = raw["key"]
                good = self._ref_path(key) == path and raw["check"] == _ref_check(
                    key, raw["sha256"], float(raw["fetched_at"])
                )
            except (OSError, ValueError, KeyError, TypeError):
                good = False
            if not good:
                self._discard(path, "ref fails its check")
                discarded += 1
        return VerifyReport(checked, discarded, removed)

    def statistics(self) -> CacheStatistics:
        """Entries and bytes on disk (one directory scan) and the counters."""
        files = self._blob_files()
        with self._lock:
            return CacheStatistics(
                directory=str(self.config.dir),
                entries=len(files),
                bytes=sum(st.st_size for _, st in files),
                max_bytes=self.config.max_bytes,
                hits=self._hits,
                misses=self._misses,
                discarded=self._discarded,
                evicted=self._evicted,
                writes=self._writes,
                write_errors=self._write_errors,
            )
