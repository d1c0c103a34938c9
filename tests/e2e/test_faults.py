"""Injected faults (the `chaos` setting): breakers open, features degrade as specified, the
rest keeps working, health/status/audit say why, and recovery closes the breaker again.

Also: a runaway handler and a catastrophically backtracking config regex never delay
`parsercraft.health`, are stopped at their deadline, and are audited.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from lsprotocol import types

from tests.e2e.conftest import CLIENTS, EXAMPLES, open_document
from tests.e2e.support.pipe import RawServer
from tests.e2e.support.session import Session, session

if TYPE_CHECKING:
    from pathlib import Path

HELLO = EXAMPLES / "src" / "hello.pas"
BROKEN = EXAMPLES / "src" / "broken.pas"
UNTIDY = EXAMPLES / "src" / "untidy.pyl"  # formatting it without faults gives edits
USER_SYMBOLS = {"i", "name", "Square", "total"}
"""Variables and functions declared in hello.pas: only a working completion offers them."""
CURSOR = (15, 2)  # inside the main block of hello.pas
WRITELN = (14, 3)  # on the builtin WriteLn
INVALID_PARAMS = -32602
HEALTH_BOUND_S = 0.2
"""Acceptance bound: health answers within this while a runaway computation is in progress."""

BREAKER = {"minimumCalls": 4, "waitDurationS": 0.5}
TOPICS = {
    "breaker-open",
    "rate-limited",
    "slow-responses",
    "high-memory",
    "persistent-errors",
    "bad-config",
}


def is_degraded_completion(result: types.CompletionList) -> bool:
    """Keywords and builtins only, marked incomplete."""
    kinds = {types.CompletionItemKind.Keyword, types.CompletionItemKind.Function}
    return (
        result.is_incomplete
        and bool(result.items)
        and all(item.kind in kinds for item in result.items)
        and not USER_SYMBOLS & {item.label for item in result.items}
    )


async def events(s: Session, kind: str, feature: str) -> list[dict[str, Any]]:
    """Audit events of one kind for one feature."""
    return await s.audit(kind=kind, feature=feature)


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_completion_breaker_opens_under_chaos_and_closes_after_it(client_name: str) -> None:
    """Completion faults open its breaker (degraded, reported, audited); recovery closes it."""
    policies = {"completion": {"breaker": BREAKER}}
    settings = {"chaos": {"completion": {"failureRate": 1.0}}, "policies": policies}
    async with session(settings, client_name=client_name) as s:
        uri = open_document(s.lsp, HELLO)
        for _ in range(4):
            assert is_degraded_completion(await s.completion(uri, *CURSOR))
        opened = await s.status(
            lambda st: st["health"] == "error" and "completion" in st["degraded"], "status error"
        )
        assert "completion" in opened["message"]

        health = await s.health()
        assert health["status"] == "unhealthy"
        assert health["features"]["completion"]["breaker"] == "open"
        reasons = [r for r in health["reasons"] if r["feature"] == "completion"]
        assert any(r["runbook"] == "breaker-open" for r in reasons), reasons
        assert all(r["runbook"] in TOPICS and "completion" in r["reason"] for r in reasons)
        runbook = await s.command("parsercraft.runbook", {"topic": "breaker-open"})
        assert runbook["markdown"].strip()

        # Other features are unaffected while completion is broken.
        hover = await s.hover(uri, *WRITELN)
        assert hover is not None and "WriteLn" in str(hover.contents)
        assert health["features"]["hover"]["breaker"] == "closed"

        # An open breaker admits nothing: no further injected fault reaches the feature.
        assert is_degraded_completion(await s.completion(uri, *CURSOR))
        assert len(await events(s, "chaos", "completion")) == 4
        assert [
            (e["old"], e["new"]) for e in await events(s, "breaker_transition", "completion")
        ] == [("closed", "open")]
        assert await events(s, "rejection", "completion")

        # Chaos off (same policies, so the same breaker): a half-open trial closes it.
        s.push_settings({"policies": policies})
        await s.status(lambda st: "half-open" in st["message"], "a half-open breaker")
        recovered = await s.completion(uri, *CURSOR)
        assert not recovered.is_incomplete
        assert {item.label for item in recovered.items} >= USER_SYMBOLS
        await s.completion(uri, *CURSOR)  # the second trial call (halfOpenMaxCalls 2)
        health = await s.health()
        assert health["features"]["completion"]["breaker"] == "closed"
        transitions = await events(s, "breaker_transition", "completion")
        assert [e["new"] for e in transitions] == ["open", "half_open", "closed"]

        # Enough successful calls dilute the old failures below 10%: status is ok again.
        mark = len(s.statuses)
        for _ in range(40):
            assert not (await s.completion(uri, *CURSOR)).is_incomplete
        await s.status(lambda st: st["health"] == "ok", "status ok", since=mark)
        assert (await s.health())["status"] == "healthy"


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_hover_chaos_answers_type_unknown_and_reset_breaker_closes_it(
    client_name: str,
) -> None:
    """Hover faults answer "type unknown"; `resetBreaker` closes the breaker they opened."""
    settings = {
        "chaos": {"hover": {"failureRate": 1.0}},
        "policies": {"hover": {"breaker": {**BREAKER, "waitDurationS": 60.0}}},
    }
    async with session(settings, client_name=client_name) as s:
        uri = open_document(s.lsp, HELLO)
        for _ in range(4):
            hover = await s.hover(uri, *WRITELN)
            assert hover is not None
            assert isinstance(hover.contents, types.MarkupContent)
            assert "type unknown" in hover.contents.value
        assert not is_degraded_completion(await s.completion(uri, *CURSOR))
        health = await s.health()
        assert health["features"]["hover"]["breaker"] == "open"
        assert health["features"]["completion"]["breaker"] == "closed"

        reset = await s.command("parsercraft.resetBreaker", {"feature": "hover"})
        assert reset == {"feature": "hover", "breaker": "closed"}
        assert (await s.health())["features"]["hover"]["breaker"] == "closed"
        transitions = await events(s, "breaker_transition", "hover")
        assert [e["new"] for e in transitions] == ["open", "closed"]


@pytest.mark.parametrize("client_name", CLIENTS)
async def test_formatting_and_diagnostics_chaos_degrade_quietly(client_name: str) -> None:
    """Formatting faults give [] and one message; diagnostics faults never clear the last set."""
    async with session({"diagnosticsDelayMs": 0}, client_name=client_name) as s:
        uri = open_document(s.lsp, BROKEN)
        await s.until(lambda: s.publishes(uri), "the first diagnostics")
        published = s.publishes(uri)[-1].diagnostics
        assert published, "broken.pas should have diagnostics"
        untidy = open_document(s.lsp, UNTIDY)
        assert await s.formatting(untidy), "untidy.pyl should need formatting"

        chaos = {"formatting": {"failureRate": 1.0}, "diagnostics": {"failureRate": 1.0}}
        s.push_settings({"diagnosticsDelayMs": 0, "chaos": chaos})
        await s.status(lambda st: "diagnostics" in st["degraded"], "degraded diagnostics")
        s.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="BEGIN\n")],
            )
        )
        await until_audited(s, "chaos", "diagnostics", 2)
        assert s.publishes(uri)[-1].diagnostics == published
        assert len(s.publishes(uri)) == 1, "a degraded run published diagnostics"
        assert s.lsp.diagnostics[uri] == published

        before = len(s.messages)
        for _ in range(2):
            edits = await s.formatting(untidy)
            assert edits is not None and list(edits) == []
        shown = s.messages[before:]
        assert len(shown) == 1, [m.message for m in shown]
        assert shown[0].type == types.MessageType.Warning
        assert "unavailable" in shown[0].message
        assert len(await events(s, "chaos", "formatting")) == 2


async def until_audited(s: Session, kind: str, feature: str, count: int) -> None:
    """Poll the audit log until it holds `count` events of `kind` for `feature`."""
    async with asyncio.timeout(10.0):
        while len(await events(s, kind, feature)) < count:
            await asyncio.sleep(0.02)


def test_command_arguments_are_checked() -> None:
    """Bad command arguments get InvalidParams saying what was expected; null arguments work."""
    cases = [
        ("parsercraft.resetBreaker", [{"feature": "noSuchFeature"}], "unknown feature"),
        ("parsercraft.resetBreaker", [], "'feature'"),
        ("parsercraft.resetBreaker", None, "'feature'"),
        ("parsercraft.audit", [{"limit": -1}], "non-negative integer"),
    ]
    problems = []
    with RawServer() as server:  # raw JSON: typed clients drop `"arguments": null`
        server.initialize()
        for name, arguments, expected in cases:
            params = {"command": name, "arguments": arguments}
            reply = server.response(server.request(types.WORKSPACE_EXECUTE_COMMAND, params))
            error = reply.get("error") or {}
            if error.get("code") != INVALID_PARAMS or expected not in error.get("message", ""):
                problems.append(f"{name} {arguments!r}: expected InvalidParams, got {reply}")
        params = {"command": "parsercraft.health", "arguments": None}  # what eglot sends
        health = server.call(types.WORKSPACE_EXECUTE_COMMAND, params)
        assert health["status"] in ("healthy", "degraded")
    assert problems == [], "\n".join(problems)


async def wait_until_busy_then_time_health(s: Session, slow: asyncio.Future[Any]) -> list[float]:
    """Once a worker runs the slow job, the client-side seconds of ten health calls."""
    async with asyncio.timeout(10.0):
        while not (await s.health())["workers"]["busy"]:
            assert not slow.done(), "the slow request ended before it was seen running"
    timings = []
    for _ in range(10):
        _, elapsed = await s.timed_command("parsercraft.health")
        timings.append(elapsed)
    assert not slow.done(), "health was timed after the runaway computation ended"
    return timings


async def test_runaway_hover_is_killed_at_its_deadline_without_delaying_health() -> None:
    """A hover stuck in an infinite loop: health stays fast; the worker is killed and audited."""
    settings = {"chaos": {"hover": {"hang": True}}, "policies": {"hover": {"deadlineS": 1.0}}}
    async with session(settings) as s:
        uri = open_document(s.lsp, HELLO)
        await s.until(lambda: s.publishes(uri), "diagnostics (the workers are up)")
        slow = asyncio.ensure_future(s.hover(uri, *WRITELN))
        timings = await wait_until_busy_then_time_health(s, slow)
        assert max(timings) < HEALTH_BOUND_S, timings
        hover = await slow
        assert hover is not None and "type unknown" in str(hover.contents)
        killed = [e for e in await s.audit(kind="worker") if e["event"] == "killed"]
        assert [e["op"] for e in killed] == ["spin"]
        assert await events(s, "deadline", "hover")
        assert await events(s, "chaos", "hover")


def catastrophic_workspace(root: Path) -> Path:
    """A workspace whose `.calc` language skips comments with `(a+)+$`; returns the program."""
    config = (EXAMPLES / "languages" / "calc.yaml").read_text(encoding="utf-8")
    evil = config.replace('comments: ["#.*"]', 'comments: ["(a+)+$"]')
    assert evil != config
    (root / "evil.yaml").write_text(evil, encoding="utf-8")
    (root / "parsercraft.toml").write_text(
        '[[language]]\nname = "evil"\nconfig = "evil.yaml"\nextensions = [".calc"]\n',
        encoding="utf-8",
    )
    (root / "fine.calc").write_text("show 1\n", encoding="utf-8")
    # Timed directly: 24 a's take about a second, and each extra one doubles it.
    program = root / "slow.calc"
    program.write_text("a" * 30 + "b", encoding="utf-8")
    return program


async def test_catastrophic_config_regex_is_killed_without_delaying_health(tmp_path: Path) -> None:
    """A backtracking comment regex: health stays fast; hover degrades at its deadline."""
    program = catastrophic_workspace(tmp_path)
    settings = {"policies": {"hover": {"deadlineS": 1.0}, "diagnostics": {"deadlineS": 1.0}}}
    async with session(settings, root=tmp_path) as s:
        fine = open_document(s.lsp, tmp_path / "fine.calc")
        await s.until(lambda: s.publishes(fine), "diagnostics of a harmless file")
        uri = open_document(s.lsp, program)
        slow = asyncio.ensure_future(s.hover(uri, 0, 3))
        timings = await wait_until_busy_then_time_health(s, slow)
        assert max(timings) < HEALTH_BOUND_S, timings
        hover = await slow
        assert hover is not None and "type unknown" in str(hover.contents)
        killed = [e for e in await s.audit(kind="worker") if e["event"] == "killed"]
        assert "hover" in [e["op"] for e in killed]
        assert await events(s, "deadline", "hover")
        assert s.publishes(uri) == [], "diagnostics of the runaway file cannot have finished"
