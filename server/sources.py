"""Reading program files: every failure becomes a diagnostic, never a traceback."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import attrs

from server.engine.diagnostic import Diagnostic, Severity

#: Files larger than this are not analysed (a diagnostic says so).
MAX_SOURCE_BYTES = 64 * 1024 * 1024


@attrs.frozen
class Source:
    """A program file's text, or the diagnostic explaining why it has none."""

    path: Path
    text: str | None
    problem: Diagnostic | None = None


def read_source(path: Path) -> Source:
    """The UTF-8 text of `path`; unreadable, oversized, binary or non-UTF-8 files get a PC00x."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return _problem(path, "PC006", f"file is too large to analyse ({size} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        return _problem(path, "PC004", f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return _problem(path, "PC005", "binary file (contains NUL bytes); not analysed")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _problem(
            path, "PC005", f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )
    return Source(path, text)


def _problem(path: Path, code: str, message: str) -> Source:
    """A Source without text, carrying one error diagnostic at the start of the file."""
    return Source(path, None, Diagnostic(0, 0, Severity.ERROR, code, message))


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` via a synced temporary file and a rename; keeps the file mode."""
    mode = path.stat().st_mode if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
