"""Audit log: a bounded ring of frozen events, appended line-atomically to a rotating JSONL file."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
from collections import deque
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import attrs

from resilience.clock import SYSTEM_CLOCK

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from resilience.clock import Clock

__all__ = [
    "AuditEvent",
    "AuditKind",
    "AuditLog",
    "AuditStatistics",
    "new_error_id",
    "read_audit_file",
    "redact",
]

log = logging.getLogger(__name__)

AuditKind = Literal[
    "breaker_transition",
    "retry",
    "fallback",
    "rejection",
    "deadline",
    "failure",
    "unexpected",
    "chaos",
    "config",
    "worker",
    "fetch",
]

REDACTED = "[REDACTED]"
_SECRET_KEY = re.compile(
    r"token|password|passwd|authorization|secret|api[-_]?key|cookie|credential", re.IGNORECASE
)


def redact(value: object) -> object:
    """A copy of `value` with every value under a secret-looking key replaced, at any depth."""
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


_ids = itertools.count(1)
_id_prefix: list[str] = []


def new_error_id() -> str:
    """A short unique id (random per process, then a counter) tying a result to its audit event."""
    if not _id_prefix:
        _id_prefix.append(os.urandom(3).hex())  # on first use: import time defines only
    return f"{_id_prefix[0]}-{next(_ids):06x}"


@attrs.frozen
class AuditEvent:
    """One audited happening; `seq` increases by one per event, across restarts of a file."""

    seq: int
    ts: float
    kind: str
    policy: str
    error_class: str | None = None
    error_id: str | None = None
    fields: Mapping[str, object] = attrs.field(factory=lambda: MappingProxyType({}))

    def to_json(self) -> str:
        """The event as one JSON line, without the newline."""
        return json.dumps(
            {
                "seq": self.seq,
                "ts": self.ts,
                "kind": self.kind,
                "policy": self.policy,
                "error_class": self.error_class,
                "error_id": self.error_id,
                "fields": dict(self.fields),
            },
            default=str,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> AuditEvent:
        """Parse a line written by `to_json`; raises ValueError when it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict) or not isinstance(data.get("seq"), int):
            raise ValueError(f"not an audit event: {line[:80]!r}")
        fields = data.get("fields") or {}
        if not isinstance(fields, dict):
            raise ValueError(f"audit event fields are not an object: {line[:80]!r}")
        return cls(
            seq=data["seq"],
            ts=float(data["ts"]),
            kind=str(data["kind"]),
            policy=str(data["policy"]),
            error_class=data.get("error_class"),
            error_id=data.get("error_id"),
            fields=MappingProxyType(fields),
        )


@attrs.frozen
class AuditStatistics:
    """Counters of an audit log."""

    recorded: int
    in_ring: int
    ring_size: int
    last_seq: int
    file_bytes: int
    rotations: int
    write_errors: int
    torn_lines: int


def _backup(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.{n}")


def read_audit_file(path: Path, *, backups: bool = True) -> list[AuditEvent]:
    """Events in `path` and its rotated backups, oldest first; torn or invalid lines are skipped."""
    files = [path]
    if backups:
        n = 1
        while _backup(path, n).exists():
            files.insert(0, _backup(path, n))
            n += 1
    events: list[AuditEvent] = []
    for file in files:
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            continue
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                events.append(AuditEvent.from_json(line.decode("utf-8")))
            except (ValueError, KeyError, TypeError):
                log.warning("skipping a torn or invalid line in %s", file)
    return events


class AuditLog:
    """Records events into a ring of `ring_size` and, with a `path`, a rotating JSON Lines file.

    Each event is written with one `write` of one whole line to a file opened for appending, so
    a crash loses at most the line being written; `read_audit_file` skips such a torn line.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_bytes: int = 1_000_000,
        backups: int = 3,
        ring_size: int = 1000,
        clock: Clock | None = None,
    ) -> None:
        if ring_size < 1:
            raise ValueError(f"ring_size must be >= 1, got {ring_size!r}")
        if max_bytes < 1 or backups < 0:
            raise ValueError(f"max_bytes must be >= 1 and backups >= 0, got {max_bytes}, {backups}")
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self.ring_size = ring_size
        self._clock = clock or SYSTEM_CLOCK
        self._ring: deque[AuditEvent] = deque(maxlen=ring_size)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[AuditEvent], object]] = []
        self._seq = 0
        self._recorded = 0
        self._rotations = 0
        self._write_errors = 0
        self._torn_lines = 0
        self._size = 0
        self._fd: int | None = None
        if path is not None:
            self._open(path)

    def _open(self, path: Path) -> None:
        """Open for appending; continue the sequence; fence off a torn last line."""
        path.parent.mkdir(parents=True, exist_ok=True)
        for event in reversed(read_audit_file(path)):
            self._seq = event.seq
            break
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._size = os.fstat(self._fd).st_size
        if self._size:
            with path.open("rb") as file:
                file.seek(-1, os.SEEK_END)
                if file.read(1) != b"\n":
                    # A crash cut the last line: end it, so the next event starts a fresh line.
                    self._torn_lines += 1
                    self._write(b"\n")

    def set_path(self, path: Path | None) -> bool:
        """Append to `path` from now on (None: memory only); the ring and sequence go on.

        False (and memory only) when the file cannot be opened.
        """
        with self._lock:
            if path == self.path:
                return True
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self.path, self._size = path, 0
            if path is None:
                return True
            seq, self._seq = self._seq, 0  # _open sets the file's last sequence number
            try:
                self._open(path)
            except OSError as exc:
                self._write_errors += 1
                log.warning("cannot open the audit log %s: %s", path, exc)
                self.path = None
                return False
            finally:
                in_file, self._seq = self._seq, max(seq, self._seq)
            for event in self._ring:  # what happened before the file was set goes there too
                if event.seq > in_file:
                    self._append((event.to_json() + "\n").encode("utf-8"))
            return True

    def add_listener(self, listener: Callable[[AuditEvent], object]) -> Callable[[], None]:
        """Call `listener` with every recorded event; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def record(
        self,
        kind: AuditKind,
        policy: str,
        *,
        error_class: str | None = None,
        error_id: str | None = None,
        **fields: object,
    ) -> AuditEvent:
        """Record one event (secret-looking fields redacted) and return it."""
        clean = redact(fields) if fields else {}
        assert isinstance(clean, dict)  # redact maps a dict to a dict
        with self._lock:
            self._seq += 1
            event = AuditEvent(
                self._seq,
                self._clock.wall(),
                kind,
                policy,
                error_class,
                error_id,
                MappingProxyType(clean),
            )
            self._ring.append(event)
            self._recorded += 1
            if self._fd is not None:
                self._append((event.to_json() + "\n").encode("utf-8"))
        for listener in tuple(self._listeners):
            listener(event)
        return event

    def _append(self, line: bytes) -> None:
        if self._size and self._size + len(line) > self.max_bytes:
            self._rotate()
        self._write(line)

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            return
        try:
            written = os.write(self._fd, data)
            while written < len(data):  # a short write on a full disk: finish the line
                written += os.write(self._fd, data[written:])
            self._size += len(data)
        except OSError as exc:
            self._write_errors += 1
            if self._write_errors == 1:
                log.warning("cannot write the audit log %s: %s", self.path, exc)

    def _rotate(self) -> None:
        """path -> path.1 -> ... -> path.<backups>; the oldest is dropped."""
        assert self.path is not None and self._fd is not None
        os.close(self._fd)
        self._fd = None
        try:
            if self.backups == 0:
                self.path.unlink(missing_ok=True)
            else:
                _backup(self.path, self.backups).unlink(missing_ok=True)
                for n in range(self.backups - 1, 0, -1):
                    if _backup(self.path, n).exists():
                        _backup(self.path, n).replace(_backup(self.path, n + 1))
                self.path.replace(_backup(self.path, 1))
        except OSError as exc:
            self._write_errors += 1
            log.warning("cannot rotate the audit log %s: %s", self.path, exc)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._size = os.fstat(self._fd).st_size
        self._rotations += 1

    def query(
        self,
        limit: int | None = None,
        kind: str | None = None,
        policy: str | None = None,
        since_seq: int | None = None,
    ) -> list[AuditEvent]:
        """Events in the ring that match every given filter, newest last, at most `limit`."""
        with self._lock:
            events = list(self._ring)
        found = [
            e
            for e in events
            if (kind is None or e.kind == kind)
            and (policy is None or e.policy == policy)
            and (since_seq is None or e.seq > since_seq)
        ]
        if limit is not None:
            found = found[-limit:] if limit > 0 else []
        return found

    def flush(self) -> None:
        """Push written lines to the disk."""
        with self._lock:
            if self._fd is not None:
                try:
                    os.fsync(self._fd)
                except OSError as exc:
                    self._write_errors += 1
                    log.warning("cannot flush the audit log %s: %s", self.path, exc)

    def close(self) -> None:
        """Flush and close the file; the ring stays queryable, later events stay in memory."""
        self.flush()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def statistics(self) -> AuditStatistics:
        """Counters, the last sequence number and the current file size."""
        with self._lock:
            return AuditStatistics(
                recorded=self._recorded,
                in_ring=len(self._ring),
                ring_size=self.ring_size,
                last_seq=self._seq,
                file_bytes=self._size,
                rotations=self._rotations,
                write_errors=self._write_errors,
                torn_lines=self._torn_lines,
            )
