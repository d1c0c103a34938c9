"""Audit log: ring, queries, JSON Lines file, torn-line recovery, rotation and redaction."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from resilience import AuditEvent, AuditLog, FakeClock, read_audit_file, redact

if TYPE_CHECKING:
    from pathlib import Path


def test_events_get_increasing_sequence_numbers_and_clock_timestamps(clock: FakeClock) -> None:
    """Each event gets the next sequence number and the clock's wall time."""
    log = AuditLog(None, clock=clock)
    first = log.record("retry", "hover", attempt=1)
    clock.advance(2.0)
    second = log.record("deadline", "hover", error_class="timeout", error_id="e1")
    assert (first.seq, second.seq) == (1, 2)
    assert second.ts - first.ts == 2.0
    assert (second.error_class, second.error_id) == ("timeout", "e1")


def test_query_filters_newest_last(clock: FakeClock) -> None:
    """Queries filter by kind, policy and since_seq, keep order, and limit to the newest."""
    log = AuditLog(None, clock=clock)
    for i in range(6):
        log.record("retry" if i % 2 else "rejection", "a" if i < 3 else "b", i=i)
    assert [e.seq for e in log.query(kind="retry")] == [2, 4, 6]
    assert [e.seq for e in log.query(policy="b")] == [4, 5, 6]
    assert [e.seq for e in log.query(since_seq=4)] == [5, 6]
    assert [e.seq for e in log.query(limit=2)] == [5, 6]
    assert log.query(limit=0) == []


def test_ring_is_bounded(clock: FakeClock) -> None:
    """The ring keeps only the newest `ring_size` events."""
    log = AuditLog(None, ring_size=3, clock=clock)
    for i in range(10):
        log.record("chaos", "p", i=i)
    assert [e.seq for e in log.query()] == [8, 9, 10]
    assert log.statistics().recorded == 10


def test_secret_fields_are_redacted_at_any_depth(clock: FakeClock) -> None:
    """Values under token/password/authorization/secret/api_key keys are redacted, nested too."""
    log = AuditLog(None, clock=clock)
    event = log.record(
        "config",
        "registry.fetch",
        headers={"Authorization": "Bearer abc", "Accept": "json"},
        items=[{"api_key": "k", "name": "n"}],
        Password="p",
        access_token="t",
        client_secret="s",
        url="https://example.invalid",
    )
    text = event.to_json()
    for secret in ("Bearer abc", '"k"', '"p"', '"t"', '"s"'):
        assert secret not in text
    assert event.fields["headers"] == {"Authorization": "[REDACTED]", "Accept": "json"}
    assert event.fields["url"] == "https://example.invalid"


def test_redact_leaves_other_values_alone() -> None:
    """Redaction copies non-secret structures unchanged."""
    assert redact({"a": [1, {"b": 2}], "token_count": 3}) == {
        "a": [1, {"b": 2}],
        "token_count": "[REDACTED]",
    }


def test_events_are_written_as_json_lines(tmp_path: Path, clock: FakeClock) -> None:
    """Every event is one JSON line in the file; close flushes it."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, clock=clock)
    log.record("fallback", "hover", error_class="transient", error_id="x", detail="down")
    log.close()
    [line] = path.read_text().splitlines()
    assert json.loads(line)["fields"] == {"detail": "down"}
    assert read_audit_file(path)[0] == log.query()[0]


def test_torn_last_line_is_skipped_and_fenced(tmp_path: Path, clock: FakeClock) -> None:
    """After a crash mid-write, the reader skips the torn line and appends start a fresh line."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, clock=clock)
    log.record("retry", "p")
    log.record("retry", "p")
    log.close()
    whole = path.read_bytes()
    path.write_bytes(whole + whole.splitlines()[0][:17])  # a crash cut the third line short
    assert [e.seq for e in read_audit_file(path)] == [1, 2]
    reopened = AuditLog(path, clock=clock)
    assert reopened.statistics().torn_lines == 1
    assert reopened.record("retry", "p").seq == 3
    reopened.close()
    assert [e.seq for e in read_audit_file(path)] == [1, 2, 3]


def test_invalid_lines_are_skipped(tmp_path: Path) -> None:
    """Lines that are not audit events are skipped by the reader."""
    path = tmp_path / "audit.jsonl"
    good = AuditEvent(seq=1, ts=0.0, kind="retry", policy="p").to_json()
    path.write_text(f'{good}\n[1, 2]\n{{"seq": "x"}}\nnot json\n')
    assert [e.seq for e in read_audit_file(path)] == [1]


def test_rotation_keeps_bounded_backups(tmp_path: Path, clock: FakeClock) -> None:
    """Past `max_bytes` the file rotates to .1, .2, ...; the oldest backup beyond `backups` goes."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, max_bytes=400, backups=2, clock=clock)
    for i in range(40):
        log.record("rejection", "p", i=i)
    log.close()
    assert path.exists() and (tmp_path / "audit.jsonl.1").exists()
    assert (tmp_path / "audit.jsonl.2").exists() and not (tmp_path / "audit.jsonl.3").exists()
    for file in (path, tmp_path / "audit.jsonl.1", tmp_path / "audit.jsonl.2"):
        assert file.stat().st_size <= 400
    seqs = [e.seq for e in read_audit_file(path)]
    assert seqs == sorted(seqs) and seqs[-1] == 40
    assert log.statistics().rotations >= 2


def test_sequence_continues_across_restarts(tmp_path: Path, clock: FakeClock) -> None:
    """A reopened log continues the sequence of the file."""
    path = tmp_path / "audit.jsonl"
    first = AuditLog(path, clock=clock)
    first.record("config", "p")
    first.close()
    second = AuditLog(path, clock=clock)
    assert second.record("config", "p").seq == 2
    second.close()


def test_listeners_get_every_event(clock: FakeClock) -> None:
    """Listeners receive each recorded event until removed."""
    log = AuditLog(None, clock=clock)
    seen: list[AuditEvent] = []
    remove = log.add_listener(seen.append)
    log.record("chaos", "p")
    remove()
    log.record("chaos", "p")
    assert [e.seq for e in seen] == [1]


def test_after_close_events_stay_in_memory(tmp_path: Path, clock: FakeClock) -> None:
    """Events recorded after close are kept in the ring, not written."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, clock=clock)
    log.close()
    log.record("chaos", "p")
    log.flush()
    assert path.read_text() == ""
    assert len(log.query()) == 1


@pytest.mark.parametrize(("ring", "size", "backups"), [(0, 10, 1), (1, 0, 1), (1, 10, -1)])
def test_invalid_settings_are_refused(ring: int, size: int, backups: int) -> None:
    """A ring under one, a zero size or negative backups are refused."""
    with pytest.raises(ValueError, match=r"ring_size|max_bytes"):
        AuditLog(None, ring_size=ring, max_bytes=size, backups=backups)


def test_set_path_moves_the_file_and_keeps_the_sequence(tmp_path: Path) -> None:
    """After set_path, earlier events and new ones go to the new file, in sequence."""
    log = AuditLog(None, clock=FakeClock())
    log.record("config", "p")
    assert log.set_path(tmp_path / "a" / "audit.jsonl")
    log.record("chaos", "p")
    log.close()
    events = read_audit_file(tmp_path / "a" / "audit.jsonl")
    assert [(e.seq, e.kind) for e in events] == [(1, "config"), (2, "chaos")]
    assert [e.seq for e in log.query()] == [1, 2]


def test_set_path_to_an_unwritable_place_keeps_memory_only(tmp_path: Path) -> None:
    """A path that cannot be opened leaves the log in memory and says so."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    log = AuditLog(None, clock=FakeClock())
    assert not log.set_path(blocker / "audit.jsonl")
    log.record("config", "p")
    assert log.path is None
    assert [e.kind for e in log.query()] == ["config"]
