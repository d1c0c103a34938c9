"""The on-disk cache: content addressing, refs, TTL, corruption, LRU eviction."""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING

from resilience import FakeClock
from server.registry.cache import Cache
from server.registry.config import CacheConfig

if TYPE_CHECKING:
    from pathlib import Path


def make(tmp_path: Path, clock: FakeClock | None = None, **kwargs: float) -> Cache:
    """A cache in tmp_path on a fake clock."""
    return Cache(CacheConfig(dir=tmp_path, **kwargs), clock=clock or FakeClock(), memory_bytes=0)  # type: ignore[arg-type]


def test_blob_round_trip_is_content_addressed(tmp_path: Path) -> None:
    """put_blob returns the sha256; get_blob returns the bytes; a miss is None."""
    cache = make(tmp_path)
    sha = cache.put_blob(b"hello")
    assert sha == hashlib.sha256(b"hello").hexdigest()
    assert cache.get_blob(sha) == b"hello"
    assert cache.get_blob("0" * 64) is None
    assert list((tmp_path / "v1/tmp").iterdir()) == []


def test_damaged_blob_is_discarded_never_served(tmp_path: Path) -> None:
    """A blob whose bytes changed on disk is deleted and reported as a miss."""
    cache = make(tmp_path)
    sha = cache.put_blob(b"payload")
    path = cache.blob_path(sha)
    path.write_bytes(b"paylOad")
    assert cache.get_blob(sha) is None
    assert not path.exists()
    assert cache.statistics().discarded == 1


def test_damaged_ref_is_discarded(tmp_path: Path) -> None:
    """A ref whose check fails, or that is not JSON, is deleted and reported as a miss."""
    cache = make(tmp_path)
    cache.put_ref("index:a", b"A")
    cache.put_ref("index:b", b"B")
    refs = sorted((tmp_path / "v1/refs").iterdir())
    data = json.loads(refs[0].read_text())
    data["fetched_at"] += 1000  # pretend it is fresh
    refs[0].write_text(json.dumps(data))
    refs[1].write_bytes(b"{not json")
    assert cache.get_ref("index:a") is None
    assert cache.get_ref("index:b") is None
    assert list((tmp_path / "v1/refs").iterdir()) == []


def test_ref_with_lost_blob_is_a_miss(tmp_path: Path) -> None:
    """A ref whose blob was evicted or damaged yields None."""
    cache = make(tmp_path)
    ref = cache.put_ref("k", b"data")
    cache.blob_path(ref.sha256).unlink()
    assert cache.get_ref("k") is None


def test_ttl_and_stale_if_error(tmp_path: Path) -> None:
    """A ref is fresh within the TTL, servable within TTL + stale-if-error, then neither."""
    clock = FakeClock()
    cache = make(tmp_path, clock, ttl_s=10.0, stale_if_error_s=100.0)
    ref = cache.put_ref("k", b"v")
    assert cache.is_fresh(ref) and cache.is_servable(ref)
    clock.advance(50)
    assert not cache.is_fresh(ref) and cache.is_servable(ref)
    clock.advance(100)
    assert not cache.is_servable(ref)


def test_lru_eviction_keeps_recent_entries(tmp_path: Path) -> None:
    """Beyond max_bytes the least recently used blobs go first; the newest is kept."""
    cache = make(tmp_path, max_bytes=3000)  # type: ignore[arg-type]
    shas = []
    for i in range(3):
        shas.append(cache.put_blob(bytes([i]) * 1000))
        os.utime(cache.blob_path(shas[-1]), (1000 + i, 1000 + i))
    os.utime(cache.blob_path(shas[0]), (5000, 5000))  # the first one was used recently
    newest = cache.put_blob(b"x" * 1000)
    assert cache.get_blob(newest) is not None
    assert cache.get_blob(shas[0]) is not None
    assert cache.get_blob(shas[1]) is None
    assert cache.statistics().bytes <= 3000
    assert cache.statistics().evicted >= 1


def test_verify_all_removes_dead_writers_temp_files(tmp_path: Path) -> None:
    """Temp files of dead processes are removed; good entries stay."""
    cache = make(tmp_path)
    sha = cache.put_blob(b"ok")
    (tmp_path / "v1/tmp/999999999-abc").write_bytes(b"partial")
    report = cache.verify_all()
    assert report.temp_removed == 1 and report.discarded == 0
    assert cache.get_blob(sha) == b"ok"


def test_unwritable_cache_degrades_to_no_cache(tmp_path: Path) -> None:
    """A cache directory that cannot be written logs and counts; lookups just miss."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(CacheConfig(dir=blocker), clock=FakeClock())
    sha = cache.put_blob(b"data")
    assert cache.statistics().write_errors >= 1
    assert cache.get_ref("k") is None
    assert len(sha) == 64
