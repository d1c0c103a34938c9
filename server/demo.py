"""`parsercraft-ls demo`: a scripted LSP session against the server on `examples/`.

It starts `parsercraft-ls serve` as a subprocess and talks to it over stdio like an editor:
open the example programs, show their diagnostics, completion, hover, formatting and health;
then switch chaos on for completion, show the breaker opening and completion degrading to
keywords, switch chaos off, show the half-open trial closing the breaker, and print the
audit trail. Finally it shows package imports: `examples/registry` is served by
`parsercraft-ls registry serve` (a subprocess, on port 8765 or a free one), completion and
hover read its packages from the cache, and once the registry is stopped the server carries on
from its cache (hover marked stale, health naming the registry). The server gets a fresh cache
directory. The transcript is written for a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REGISTRY_PORT = 8765
"""The port `examples/parsercraft.toml` names; another free port is used when it is taken."""
REGISTRY_NAME = "examples"
WAIT_S = 1.5
"""The demo's breaker wait before half-open (short, so the recovery shows quickly)."""

SETTINGS: dict[str, Any] = {
    "policies": {
        "completion": {
            "breaker": {
                "minimumCalls": 4,
                "windowSize": 8,
                "waitDurationS": WAIT_S,
                "halfOpenMaxCalls": 1,
            }
        }
    }
}


def say(text: str = "") -> None:
    """One line of the transcript."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def heading(text: str) -> None:
    """A section title."""
    say()
    say(f"== {text}")


def run_demo(examples: Path = EXAMPLES) -> int:
    """Run the scripted session; 0 when every step behaved as described."""
    return asyncio.run(_session(examples))


async def _session(examples: Path) -> int:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    # pygls' client is untyped; the demo treats it as such.
    client: Any = LanguageClient("parsercraft-demo", "1")
    diagnostics: dict[str, list[types.Diagnostic]] = {}
    statuses: list[Any] = []
    arrived = asyncio.Event()

    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        diagnostics[params.uri] = list(params.diagnostics)
        arrived.set()

    def on_status(params: Any) -> None:
        statuses.append(params)
        say(f"   [status] {params.health}: {params.message}")

    def on_message(params: types.ShowMessageParams) -> None:
        say(f"   [message] {params.message}")

    def on_log(params: types.LogMessageParams) -> None:
        """Log messages are not part of the transcript."""

    client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(on_diagnostics)
    client.feature("parsercraft/status")(on_status)
    client.feature(types.WINDOW_SHOW_MESSAGE)(on_message)
    client.feature(types.WINDOW_LOG_MESSAGE)(on_log)

    registry, url = await _start_registry(examples)
    cache = tempfile.TemporaryDirectory(prefix="parsercraft-demo-")
    env = {**os.environ, "XDG_CACHE_HOME": cache.name}
    if not url.endswith(f":{REGISTRY_PORT}"):
        from server.registry.config import url_env

        env[url_env(REGISTRY_NAME)] = url  # the toml's port was taken
    heading("starting parsercraft-ls serve")
    await client.start_io(sys.executable, "-m", "server", "serve", env=env)
    ok = True
    try:
        ok = await _script(client, examples, diagnostics, arrived, statuses)
        ok &= await _registry_script(
            client, examples, diagnostics, arrived, registry=registry, url=url
        )
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await asyncio.sleep(0.2)
        await client.stop()
        await _stop(registry)
        cache.cleanup()
    heading("demo finished" if ok else "demo finished with unexpected results")
    return 0 if ok else 1


def _free_port() -> int:
    """REGISTRY_PORT when it is free on 127.0.0.1, else a free port chosen by the system."""
    for port in (REGISTRY_PORT, 0):
        with socket.socket() as probe:
            # As the registry's HTTP server does, so a recent run's TIME_WAIT does not count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


async def _start_registry(examples: Path) -> tuple[asyncio.subprocess.Process, str]:
    """`parsercraft-ls registry serve examples/registry` as a subprocess; returns it and its URL."""
    port = _free_port()
    heading("starting parsercraft-ls registry serve examples/registry")
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "server", "registry", "serve", str(examples / "registry")),
        *("--port", str(port)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 15)  # "serving ... at URL/ ..."
    say(f"   {line.decode().strip()}")
    return process, f"http://127.0.0.1:{port}"


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Stop a subprocess the demo started (terminate, then kill after 5 s)."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 5)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _until(arrived: asyncio.Event, ready: Any, timeout_s: float = 20.0) -> bool:
    """Wait for published diagnostics until `ready()` holds; False on timeout."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not ready():
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), remaining)
    return True


def _fetched(diagnostics: dict[str, Any], uri: str) -> bool:
    """Whether `uri` has diagnostics and none says a package is still being fetched."""
    return uri in diagnostics and all(d.code != "registry-unavailable" for d in diagnostics[uri])


async def _script(
    client: Any,
    examples: Path,
    diagnostics: dict[str, Any],
    arrived: asyncio.Event,
    statuses: list[Any],
) -> bool:
    from lsprotocol import types

    root = examples.resolve()
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            initialization_options={"parsercraft": SETTINGS},
            process_id=None,
        )
    )
    client.initialized(types.InitializedParams())
    files = sorted(p for p in (root / "src").iterdir() if p.is_file())
    heading(f"opening {len(files)} programs in {root}")
    for path in files:
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=path.as_uri(),
                    language_id=path.suffix[1:],
                    version=1,
                    text=path.read_text(encoding="utf-8"),
                )
            )
        )
    deadline = asyncio.get_running_loop().time() + 30
    while len(diagnostics) < len(files) and asyncio.get_running_loop().time() < deadline:
        arrived.clear()
        try:
            await asyncio.wait_for(arrived.wait(), 5)
        except TimeoutError:
            break
    shapes = (root / "src" / "shapes.pyl").as_uri()
    await _until(arrived, lambda: _fetched(diagnostics, shapes))  # packages arrive in the cache
    heading("diagnostics")
    for path in files:
        for d in diagnostics.get(path.as_uri(), []):
            say(
                f"   {path.name}:{d.range.start.line + 1}:{d.range.start.character + 1}: "
                f"{d.code} {d.message}"
            )
    ok = len(diagnostics) == len(files)

    hello = (root / "src" / "hello.pas").as_uri()
    doc = types.TextDocumentIdentifier(uri=hello)
    heading("completion in hello.pas after 'Wr' (line 15)")
    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=types.Position(line=14, character=4))
    )
    labels = [item.label for item in completion.items] if completion else []
    say(f"   {len(labels)} items: {', '.join(labels[:8])}")
    ok &= "WriteLn" in labels

    heading("hover on WriteLn")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=types.Position(line=14, character=4))
    )
    say(textwrap.indent(hover.contents.value if hover else "(none)", "   "))

    untidy = (root / "src" / "untidy.pyl").as_uri()
    heading("formatting untidy.pyl")
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=untidy),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    say(f"   {len(edits or [])} edit(s):")
    for edit in edits or []:
        say(f"   line {edit.range.start.line + 1}: {edit.new_text.rstrip()!r}")

    await _health(client, "health")

    heading("chaos on: every completion call fails (chaos.completion.failureRate = 1.0)")
    _configure(client, {**SETTINGS, "chaos": {"completion": {"failureRate": 1.0}}})
    for attempt in range(1, 7):
        completion = await client.text_document_completion_async(
            types.CompletionParams(text_document=doc, position=types.Position(line=14, character=4))
        )
        items = completion.items if completion else []
        say(
            f"   completion #{attempt}: {len(items)} items, incomplete={completion.is_incomplete}"
            f" (degraded to keywords and builtins)"
        )
    report = await _health(client, "health while chaos is on")
    ok &= report["features"]["completion"]["breaker"] == "open"

    heading(f"chaos off; waiting {WAIT_S}s for the breaker to admit a trial call")
    _configure(client, SETTINGS)
    await asyncio.sleep(WAIT_S + 0.2)
    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=types.Position(line=14, character=4))
    )
    say(f"   trial completion: {len(completion.items) if completion else 0} items")
    report = await _health(client, "health after recovery")
    ok &= report["features"]["completion"]["breaker"] == "closed"

    heading("audit trail (latest events)")
    audit = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="parsercraft.audit", arguments=[{"limit": 15}])
    )
    for event in audit["events"]:
        extra = event.get("reason") or event.get("fault") or event.get("detail") or ""
        extra = extra or " ".join(str(event.get(k, "")) for k in ("status", "url")).strip()
        say(f"   #{event['seq']:<4} {event['kind']:<18} {event['feature']:<12} {extra}")
    ok &= bool(statuses)
    return bool(ok)


def _configure(client: Any, settings: dict[str, Any]) -> None:
    """Push settings as an editor does on a configuration change."""
    from lsprotocol import types

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"parsercraft": settings})
    )


async def _health(client: Any, title: str) -> dict[str, Any]:
    """Print the health report and return it."""
    from lsprotocol import types

    report: dict[str, Any] = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="parsercraft.health")
    )
    heading(title)
    say(f"   status: {report['status']}")
    for reason in report["reasons"]:
        say(f"   - {reason['reason']} (runbook: {reason['runbook']})")
    for name in ("completion", "hover", "formatting", "diagnostics"):
        f = report["features"][name]
        say(
            f"   {name:<12} breaker={f['breaker']:<10} calls={f['calls']:<3} "
            f"failures={f['failures']:<3} rejections={f['rejections']:<3} p95={f['p95Ms']}ms"
        )
    return report


async def _registry_script(
    client: Any,
    examples: Path,
    diagnostics: dict[str, Any],
    arrived: asyncio.Event,
    *,
    registry: asyncio.subprocess.Process,
    url: str,
) -> bool:
    """Imports from the example registry, then the same with the registry stopped."""
    from lsprotocol import types

    path = examples.resolve() / "src" / "shapes.pyl"
    doc = types.TextDocumentIdentifier(uri=path.as_uri())
    heading(f"package imports: shapes.pyl uses mathlib and strings from {url}")
    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc, position=types.Position(line=5, character=15))
    )
    items = completion.items if completion else []
    exports = [i for i in items if isinstance(i.data, dict) and i.data.get("kind") == "package"]
    say(f"   completion after 'mathlib.': {', '.join(f'{i.label} ({i.detail})' for i in exports)}")
    ok = any(i.label == "square" for i in exports)
    text = await _hover(client, doc, 5, 17, "hover on mathlib.square")
    ok &= "square(n: int) -> int" in text and "(stale)" not in text

    heading("registry stopped: the server carries on from its cache")
    await _stop(registry)
    say('   editing line 2 to `import mathlib version "~1.0.0"` (a version not in the cache)')
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = 'import mathlib version "~1.0.0"\n'
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="".join(lines))],
        )
    )

    def unavailable() -> bool:
        return any("registry unavailable" in d.message for d in diagnostics.get(doc.uri, []))

    ok &= await _until(arrived, unavailable)
    for d in diagnostics.get(doc.uri, []):
        severity = types.DiagnosticSeverity(d.severity).name.lower() if d.severity else ""
        say(f"   shapes.pyl:{d.range.start.line + 1}: {severity} {d.code} {d.message}")
    text = await _hover(client, doc, 6, 16, "hover on strings.shout (from the cache)")
    ok &= "(stale)" in text
    report: dict[str, Any] = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="parsercraft.health")
    )
    heading("health with the registry stopped")
    say(f"   status: {report['status']}")
    for row in report.get("registries", []):
        say(
            f"   registry {row['name']}: breaker={row['breaker']} stale={row['stale']} "
            f"cacheEntries={row['cacheEntries']}"
        )
    reasons = [r for r in report["reasons"] if r["runbook"] == "registry-unavailable"]
    for reason in reasons:
        say("   - " + textwrap.shorten(f"{reason['reason']} (runbook: {reason['runbook']})", 150))
    return bool(ok and reasons)


async def _hover(client: Any, doc: Any, line: int, character: int, title: str) -> str:
    """Print a hover under a heading and return its text."""
    from lsprotocol import types

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=doc, position=types.Position(line=line, character=character)
        )
    )
    text = hover.contents.value if hover else "(none)"
    heading(title)
    say(textwrap.indent(text, "   "))
    return str(text)
