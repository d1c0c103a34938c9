"""The `parsercraft.*` commands, run through `workspace/executeCommand`.

Each takes the raw argument list (`null` from eglot becomes `[]`); the first argument, when
given, is an object of named parameters. Bad arguments raise `CommandArgumentError`, which the
protocol turns into InvalidParams with the message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams

from resilience import render_prometheus
from server.errors import CommandArgumentError
from server.settings import FEATURES

if TYPE_CHECKING:
    from server.lsp.server import ParserCraftServer

RUNBOOK_DIRS = (
    Path(__file__).resolve().parents[1] / "runbooks",  # the wheel's copy of docs/operations
    Path(__file__).resolve().parents[2] / "docs" / "operations",  # a source checkout
)
TOPICS = (
    "breaker-open",
    "rate-limited",
    "slow-responses",
    "high-memory",
    "persistent-errors",
    "bad-config",
    "registry-unavailable",
)


def _options(name: str, arguments: list[Any], allowed: set[str]) -> Mapping[str, Any]:
    """The named-parameter object of a command (empty when no argument was given)."""
    if not arguments:
        return {}
    first = arguments[0]
    if len(arguments) > 1 or not isinstance(first, Mapping):
        raise CommandArgumentError(f"{name} expects one object argument, e.g. [{{...}}]")
    unknown = set(first) - allowed
    if unknown:
        raise CommandArgumentError(
            f"{name}: unknown parameter(s) {sorted(unknown)}; expected some of {sorted(allowed)}"
        )
    return first


def _int(name: str, options: Mapping[str, Any], key: str) -> int | None:
    """An optional non-negative integer parameter."""
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CommandArgumentError(f"{name}: '{key}' must be a non-negative integer, got {value!r}")
    return value


def _text(name: str, options: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    """An optional (or required) string parameter."""
    value = options.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise CommandArgumentError(f"{name}: '{key}' must be a non-empty string, got {value!r}")
    return value


async def health(ls: ParserCraftServer, arguments: list[Any]) -> dict[str, object]:
    """`{status, reasons, features, eventLoopLagMs, rssMb, uptimeS, version, ...}`."""
    _options("parsercraft.health", arguments, set())
    return ls.status.evaluate()[1]


async def audit(ls: ParserCraftServer, arguments: list[Any]) -> dict[str, object]:
    """`{events: [...]}` newest last, filtered by `limit`, `kind`, `feature`, `sinceSeq`."""
    name = "parsercraft.audit"
    options = _options(name, arguments, {"limit", "kind", "feature", "sinceSeq"})
    events = ls.audit.query(
        limit=_int(name, options, "limit"),
        kind=_text(name, options, "kind"),
        policy=_text(name, options, "feature"),
        since_seq=_int(name, options, "sinceSeq"),
    )
    return {"events": [_event(e) for e in events]}


def _event(event: Any) -> dict[str, object]:
    """An audit event on the wire: `feature` names the policy."""
    body: dict[str, object] = {
        "seq": event.seq,
        "ts": event.ts,
        "kind": event.kind,
        "feature": event.policy,
        "errorClass": event.error_class,
        "errorId": event.error_id,
    }
    body.update(event.fields)
    return body


async def metrics(ls: ParserCraftServer, arguments: list[Any]) -> object:
    """Per-feature statistics as JSON, or Prometheus text with `{"format": "prometheus"}`."""
    name = "parsercraft.metrics"
    options = _options(name, arguments, {"format"})
    fmt = _text(name, options, "format") or "json"
    if fmt not in ("json", "prometheus"):
        raise CommandArgumentError(f"{name}: 'format' must be 'json' or 'prometheus', got {fmt!r}")
    report, body = ls.status.evaluate()
    if fmt == "prometheus":
        stats = [fp.policy.statistics() for fp in ls.policies.values()]
        return {"format": "prometheus", "text": render_prometheus(stats, report)}
    return {"format": "json", "features": body["features"], "workers": body["workers"]}


BREAKER_STATES = ("closed", "forced_open", "disabled")


async def reset_breaker(ls: ParserCraftServer, arguments: list[Any]) -> dict[str, object]:
    """Close a feature's breaker (`{"feature": "completion"}`), or force it open or disable
    it (`{"feature": "completion", "state": "forced_open" | "disabled"}`)."""
    name = "parsercraft.resetBreaker"
    options = _options(name, arguments, {"feature", "state"})
    feature = _text(name, options, "feature", required=True)
    if feature not in ls.policies:
        raise CommandArgumentError(
            f"{name}: unknown feature {feature!r}; features: {', '.join(FEATURES)}"
        )
    state = _text(name, options, "state") or "closed"
    if state not in BREAKER_STATES:
        raise CommandArgumentError(
            f"{name}: 'state' must be one of {', '.join(BREAKER_STATES)}, got {state!r}"
        )
    breaker = ls.policies[feature].policy.breaker
    if breaker is not None:
        {"closed": breaker.reset, "forced_open": breaker.force_open, "disabled": breaker.disable}[
            state
        ]()
    ls.last_degraded[feature] = False
    ls.status.changed(feature)
    return {"feature": feature, "breaker": state if breaker is not None else "none"}


async def reload_configuration(ls: ParserCraftServer, arguments: list[Any]) -> dict[str, object]:
    """Re-read settings, `parsercraft.toml` and language configs; re-diagnose open files."""
    _options("parsercraft.reloadConfiguration", arguments, set())
    await ls.reconfigure(None, pull=True)
    return {"reloaded": True, "errors": ls.config_errors + list(ls.catalog.errors.values())}


async def runbook(ls: ParserCraftServer, arguments: list[Any]) -> dict[str, object]:
    """The Markdown runbook of a health topic (`{"topic": "breaker-open"}`)."""
    name = "parsercraft.runbook"
    topic = _text(name, _options(name, arguments, {"topic"}), "topic", required=True)
    if topic not in TOPICS:
        raise CommandArgumentError(f"{name}: unknown topic {topic!r}; topics: {', '.join(TOPICS)}")
    for folder in RUNBOOK_DIRS:
        path = folder / f"{topic}.md"
        if path.is_file():
            return {"topic": topic, "markdown": path.read_text(encoding="utf-8")}
    return {"topic": topic, "markdown": f"# {topic}\n\n(the runbook files are not installed)"}


async def document_text(ls: ParserCraftServer, arguments: list[Any]) -> dict[str, object]:
    """The server's copy of a document (a diagnostic aid): `{"uri": ...}`."""
    name = "parsercraft.documentText"
    uri = _text(name, _options(name, arguments, {"uri"}), "uri", required=True)
    doc = ls.documents.get(str(uri))
    if doc is None:
        raise CommandArgumentError(f"{name}: {uri!r} is not an open document")
    return {"uri": uri, "version": doc.version, "text": doc.text}


Command = Callable[["ParserCraftServer", list[Any]], Awaitable[object]]

COMMANDS: dict[str, Command] = {
    "parsercraft.health": health,
    "parsercraft.audit": audit,
    "parsercraft.metrics": metrics,
    "parsercraft.resetBreaker": reset_breaker,
    "parsercraft.reloadConfiguration": reload_configuration,
    "parsercraft.runbook": runbook,
    "parsercraft.documentText": document_text,
}


def _client_errors(handler: Command) -> Command:
    """`handler` with a `CommandArgumentError` answered as InvalidParams (the client's fault).

    pygls runs a command in its own task, so the error must be translated here, where it is
    raised, rather than around the executeCommand dispatch.
    """

    async def run(ls: ParserCraftServer, arguments: list[Any]) -> object:
        try:
            return await handler(ls, arguments)
        except CommandArgumentError as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def register(server: ParserCraftServer) -> None:
    """Register every command (listed in `executeCommandProvider`)."""
    for name, handler in COMMANDS.items():
        server.command(name)(_client_errors(handler))
