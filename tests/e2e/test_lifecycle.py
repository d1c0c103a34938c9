"""Process lifecycle: exit codes, shutdown, SIGTERM, EOF, and the death of the editor process.

These tests speak raw JSON-RPC over the server's pipes (tests/e2e/support/pipe.py), so they
see exit codes and the exact bytes; each test reaps every process it starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest

from resilience import read_audit_file
from tests.e2e.support.pipe import (
    ROOT,
    SERVER,
    WAIT_S,
    Connection,
    RawServer,
    children,
    is_running,
    poll,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PARENT_EXIT_BOUND_S = 2.0
"""Acceptance bound: the server is gone this long after its editor process was killed."""

HOVER = {
    "textDocument": {"uri": (ROOT / "examples" / "src" / "hello.pas").as_uri()},
    "position": {"line": 0, "character": 0},
}

# The "editor": starts the server on pipes the test holds (so the server never sees EOF when
# the editor dies), prints the server's pid, then waits to be killed.
PARENT = """
import signal, subprocess, sys
server = subprocess.Popen(
    sys.argv[3:], stdin=int(sys.argv[1]), stdout=int(sys.argv[2]), stderr=subprocess.DEVNULL
)
print(server.pid, flush=True)
signal.pause()
"""


def health(conn: Connection) -> dict[str, Any]:
    """`parsercraft.health` over a raw connection."""
    return dict(conn.call("workspace/executeCommand", {"command": "parsercraft.health"}))


@contextlib.contextmanager
def subreaper() -> Iterator[None]:
    """Make this process adopt orphaned descendants (so it can reap them), then stop."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_CHILD_SUBREAPER is Linux-only")
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_child_subreaper = 36
    assert libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0
    try:
        yield
    finally:
        libc.prctl(pr_set_child_subreaper, 0, 0, 0, 0)


def cmdline(pid: int) -> str:
    """The command line of a process ("" once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def reap(pid: int) -> int | None:
    """Reap `pid` if it is a finished child of ours; its exit code, else None."""
    try:
        found, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status) if found == pid else None


def test_exits_within_two_seconds_of_parent_death() -> None:
    """kill -9 of the `processId` process stops the server (and its workers) within 2 s."""
    with subreaper():
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, str(in_r), str(out_w), *SERVER],
            cwd=ROOT,
            pass_fds=(in_r, out_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        os.close(in_r)
        os.close(out_w)
        conn = Connection(os.fdopen(in_w, "wb"), os.fdopen(out_r, "rb"))
        assert parent.stdout is not None
        server_pid = int(parent.stdout.readline())
        workers: list[int] = []
        try:
            conn.initialize(process_id=parent.pid)
            poll(lambda: health(conn)["workers"]["alive"] == 2, "two engine workers")
            workers = children(server_pid)  # the engine workers and multiprocessing's tracker
            engine = [pid for pid in workers if "spawn_main" in cmdline(pid)]
            killed_at = time.monotonic()
            parent.kill()
            parent.wait(WAIT_S)
            # Polling the pid is the only way to watch a process that is not our child.
            poll(lambda: not is_running(server_pid), "the server to exit")
            elapsed = time.monotonic() - killed_at
            assert not is_running(server_pid), "the server outlived its editor"
            assert elapsed < PARENT_EXIT_BOUND_S, f"the server took {elapsed:.2f}s to exit"
            assert len(engine) == 2, f"expected two engine workers among {workers}"
            assert not [pid for pid in engine if is_running(pid)], "orphaned engine workers"
            # A leader shows as a zombie while its threads are still being torn down.
            poll(lambda: reap(server_pid) is not None, "the server to be reapable")
            # The resource tracker leaves when its pipe closes; reap it once it has.
            poll(lambda: not any(is_running(pid) for pid in workers), "the tracker to exit")
        finally:
            for pid in (server_pid, *workers):
                if is_running(pid):
                    os.kill(pid, signal.SIGKILL)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                reap(pid)
            if parent.poll() is None:
                parent.kill()
            parent.wait(WAIT_S)
            parent.stdout.close()
            conn.close_streams()


def test_shutdown_then_exit_exits_zero() -> None:
    """`shutdown` then `exit` ends the process with code 0."""
    with RawServer() as server:
        server.initialize()
        assert server.call("shutdown") is None
        server.notify("exit")
        assert server.exit_code() == 0


def test_exit_without_shutdown_exits_one() -> None:
    """`exit` without a `shutdown` first ends the process with code 1 (LSP 3.17)."""
    with RawServer() as server:
        server.initialize()
        server.notify("exit")
        assert server.exit_code() == 1


def test_request_after_shutdown_is_invalid_request() -> None:
    """A request after `shutdown` gets InvalidRequest (-32600); a notification gets nothing."""
    with RawServer() as server:
        server.initialize()
        server.call("shutdown")
        server.notify("textDocument/didClose", {"textDocument": {"uri": "file:///nothing.pas"}})
        reply = server.response(server.request("textDocument/hover", HOVER))
        assert reply["error"]["code"] == -32600
        assert "shut" in reply["error"]["message"]
        command = server.request("workspace/executeCommand", {"command": "parsercraft.health"})
        assert server.response(command)["error"]["code"] == -32600
        server.notify("exit")
        assert server.exit_code() == 0
        assert [m for m in server.received if "error" in m and m.get("id") is None] == []


def test_sigterm_exits_zero_and_flushes_the_audit_file(tmp_path: Path) -> None:
    """SIGTERM ends the process with code 0 after writing the session's audit events to disk."""
    audit_file = tmp_path / "audit.jsonl"
    settings = {"auditFile": str(audit_file), "policies": {"completion": {"deadlineS": 0.9}}}
    audit = {"command": "parsercraft.audit"}
    with RawServer() as server:
        server.initialize(settings=settings)
        # A bad setting (next to the good ones) is audited: the last event before SIGTERM.
        pushed = {"settings": {"parsercraft": {**settings, "noSuchSetting": 1}}}
        server.notify("workspace/didChangeConfiguration", pushed)
        poll(
            lambda: any(
                e["feature"] == "settings"
                for e in server.call("workspace/executeCommand", audit)["events"]
            ),
            "the bad setting to be audited",
        )
        events = server.call("workspace/executeCommand", audit)["events"]
        server.process.send_signal(signal.SIGTERM)
        assert server.exit_code() == 0
    assert audit_file.is_file(), "the auditFile setting was not honoured: no file after exit"
    written = {e.seq for e in read_audit_file(audit_file)}
    last = max(e["seq"] for e in events if e["feature"] == "settings")
    assert last in written, "the last event before SIGTERM was not flushed"
    # Events recorded before initialize (the default policies) predate the auditFile setting.
    session = {e["seq"] for e in events if e["seq"] >= min(written)}
    assert session <= written, f"events missing from the audit file: {sorted(session - written)}"


def test_eof_on_stdin_exits() -> None:
    """Closing the server's stdin (the editor vanished) ends the process, with code 1."""
    with RawServer() as server:
        server.initialize()
        assert health(server)["status"] in ("healthy", "degraded")
        server.stdin.close()
        assert server.exit_code() == 1
