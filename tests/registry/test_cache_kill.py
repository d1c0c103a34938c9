"""kill -9 at random moments while writing: afterwards every entry verifies or is discarded."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import threading
from pathlib import Path

from server.registry.cache import Cache
from server.registry.config import CacheConfig
from tests.registry.cache_writer import payload, write_forever

ROUNDS = 30


def test_sigkill_during_writes_never_leaves_a_servable_corrupt_entry(tmp_path: Path) -> None:
    """30 SIGKILLs at random points; then nothing corrupt is served and damage is discarded."""
    rng = random.Random(20260601)
    pause = threading.Event()
    start = 0
    # fork: the child starts with everything imported, so 30 rounds take seconds, not minutes.
    context = multiprocessing.get_context("fork")
    for _ in range(ROUNDS):
        ready, tell = context.Pipe(duplex=False)
        child = context.Process(target=write_forever, args=(tmp_path, start, tell), daemon=True)
        child.start()
        assert ready.poll(10) and ready.recv() == "ready"
        pause.wait(rng.uniform(0.0, 0.08))  # a random moment within the write loop
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
        ready.close()
        tell.close()
        child.close()
        start += 100_000

    # Damage one entry by hand too: detection must not depend on the writer having crashed.
    cache = Cache(CacheConfig(dir=tmp_path))
    blobs = sorted((tmp_path / "v1/blobs").glob("*/*"))
    assert blobs, "the writer never completed an entry"
    victim = blobs[0]
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")

    report = cache.verify_all()
    assert report.discarded >= 1
    assert report.temp_removed >= 1, "no kill landed inside a write; the test proves nothing"
    assert list((tmp_path / "v1/tmp").iterdir()) == []
    served = 0
    for ref in (tmp_path / "v1/refs").glob("*.json"):
        key = json.loads(ref.read_text())["key"]
        got = cache.get_ref(key)
        if got is not None:
            assert got.data == payload(int(key[1:]))
            served += 1
    assert served > 0
    for blob in (tmp_path / "v1/blobs").glob("*/*"):
        assert cache.get_blob(blob.name) is not None
