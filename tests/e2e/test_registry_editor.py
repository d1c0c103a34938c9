"""The package registry in the editor: the real server (pytest-lsp) and a real registry on
127.0.0.1 that can be told to fail. Completion, hover and diagnostics of imports read the
cache only; what is missing is fetched in the background and the document re-diagnosed."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path  # at run time: pytest-lsp evaluates the fixtures' annotations
from typing import TYPE_CHECKING, Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from server.registry.httpd import RegistryServer
from server.registry.index import build_registry
from tests.e2e.conftest import CONFIG, command, init_params, open_document
from tests.registry.conftest import PACKAGES, write_packages

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TOML = """\
[[language]]
name = "python-like"
config = "preset:python_like"
extensions = [".pyl"]

[[registry]]
name = "main"
url = "{url}"
deadline_s = 1.5

[registry.policy]
retry = {{ maxAttempts = 2, initialBackoffS = 0.01, maxBackoffS = 0.05 }}
breaker = {{ minimumCalls = 2, waitDurationS = 60.0 }}

[registry_cache]
dir = "{cache}"
"""
MAIN = "import mathlib\nimport strings as s\n\nprint(mathlib.hypot(3, 4))\n"
WAIT_S = 15.0


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RegistryServer]:
    """mathlib 1.0.0/1.2.0/2.0.0 and strings 0.1.0/0.2.0 served on 127.0.0.1, with faults."""
    root = tmp_path / "registry"
    write_packages(root, PACKAGES)
    build_registry(root)
    with RegistryServer(root, faults=True) as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path, registry: RegistryServer) -> Path:
    """A project whose only registry is `registry`, with its own cache folder."""
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    text = TOML.format(url=registry.url, cache=(tmp_path / "cache").as_posix())
    (root / "parsercraft.toml").write_text(text, encoding="utf-8")
    (root / "src" / "main.pyl").write_text(MAIN, encoding="utf-8")
    return root


@pytest_lsp.fixture(config=CONFIG)
async def editor(lsp_client: LanguageClient, workspace: Path) -> Any:
    """A VS Code-like client on the project."""
    await lsp_client.initialize_session(init_params("visual_studio_code", root=workspace))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def nvim(lsp_client: LanguageClient, workspace: Path) -> Any:
    """A Neovim 0.7 client (no snippets) on the project."""
    await lsp_client.initialize_session(init_params("neovim@v0.7.0", root=workspace))
    yield
    await lsp_client.shutdown_session()


async def diagnostics_until(
    client: LanguageClient, uri: str, ok: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """Wait for a publish of `uri` whose diagnostics satisfy `ok`; returns them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        current = list(client.diagnostics.get(uri, []))
        if uri in client.diagnostics and ok(current):
            return current
        remaining = deadline - loop.time()
        assert remaining > 0, f"diagnostics never settled: {[d.message for d in current]}"
        try:
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), remaining
            )
        except TimeoutError:
            continue


def settled(diagnostics: list[types.Diagnostic]) -> bool:
    """No import is waiting for the registry any more."""
    return not any(d.code == "registry-unavailable" for d in diagnostics)


async def open_settled(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Open a document and wait until its packages have been fetched into the cache."""
    uri = open_document(client, path, text)
    await diagnostics_until(client, uri, settled)
    return uri


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> dict[str, Any]:
    """The completion items at a position, by label."""
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert isinstance(result, types.CompletionList)
    return {item.label: item for item in result.items}


async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str:
    """The markdown of the hover at a position."""
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


def edit(client: LanguageClient, uri: str, version: int, text: str) -> None:
    """Replace the whole text of a document."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_package_names_and_versions_in_import_lines(
    editor: LanguageClient, workspace: Path
) -> None:
    """After the import keyword the cached package names are offered; after `version "`,
    the package's versions, newest first."""
    uri = await open_settled(editor, workspace / "src" / "main.pyl")
    edit(editor, uri, 2, MAIN + 'import st\nimport mathlib version "^\n')
    names = await complete(editor, uri, 4, 9)
    assert {"mathlib", "strings"} <= set(names)
    assert names["mathlib"].kind == types.CompletionItemKind.Module
    versions = await complete(editor, uri, 5, 25)
    ours = [i for i in versions.values() if i.data == {"kind": "package", "uri": uri}]
    ordered = sorted(ours, key=lambda i: i.sort_text or "")
    assert [i.label for i in ordered] == ["2.0.0", "1.2.0", "1.0.0"]


async def test_exports_after_package_dot_as_snippets(
    editor: LanguageClient, workspace: Path
) -> None:
    """After `mathlib.` (or an alias) the exports are offered; functions as snippets."""
    uri = await open_settled(editor, workspace / "src" / "main.pyl")
    edit(editor, uri, 2, MAIN + "x = mathlib.\ny = s.\n")
    items = await complete(editor, uri, 4, 12)
    assert {"sqrt", "hypot", "cbrt", "Vector", "PI"} <= set(items)
    hypot = items["hypot"]
    assert hypot.kind == types.CompletionItemKind.Function
    assert hypot.insert_text_format == types.InsertTextFormat.Snippet
    assert isinstance(hypot.text_edit, types.TextEdit)
    assert hypot.text_edit.new_text == "hypot(${1:x})"
    assert hypot.detail == "hypot(x: Number) -> Number"
    aliased = await complete(editor, uri, 5, 6)
    assert {"pad", "trim"} <= set(aliased)


async def test_exports_are_plain_without_snippet_support(
    nvim: LanguageClient, workspace: Path
) -> None:
    """A client without snippet support gets plain export names."""
    uri = await open_settled(nvim, workspace / "src" / "main.pyl")
    edit(nvim, uri, 2, MAIN + "x = mathlib.\n")
    hypot = (await complete(nvim, uri, 4, 12))["hypot"]
    assert hypot.insert_text_format in (None, types.InsertTextFormat.PlainText)
    assert isinstance(hypot.text_edit, types.TextEdit)
    assert hypot.text_edit.new_text == "hypot"


async def test_hover_and_signature_help_on_an_imported_function(
    editor: LanguageClient, workspace: Path
) -> None:
    """Hover on `mathlib.hypot` shows signature, docs and return type; signature help too."""
    uri = await open_settled(editor, workspace / "src" / "main.pyl")
    text = await hover_text(editor, uri, 3, 16)
    assert "mathlib.hypot(x: Number) -> Number" in text
    assert "hypot of x" in text
    assert "Returns: `Number`" in text
    assert "(stale)" not in text
    help_ = await editor.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=3, character=20),
        )
    )
    assert help_ is not None
    assert help_.signatures[0].label == "hypot(x: Number) -> Number"


async def test_unknown_package_and_unknown_export_are_errors(
    editor: LanguageClient, workspace: Path
) -> None:
    """An import of a package no registry lists, or of a name a package does not export,
    is an error on the import line."""
    uri = open_document(
        editor,
        workspace / "src" / "bad.pyl",
        "import mathlib\nimport nosuchpkg\nimport {nope, sqrt} from mathlib\n",
    )
    found = await diagnostics_until(
        editor, uri, lambda ds: settled(ds) and any(d.code == "unknown-package" for d in ds)
    )
    by_code = {d.code: d for d in found}
    assert by_code["unknown-package"].severity == types.DiagnosticSeverity.Error
    assert by_code["unknown-package"].range.start == types.Position(line=1, character=7)
    assert by_code["unknown-export"].severity == types.DiagnosticSeverity.Error
    assert by_code["unknown-export"].range.start.line == 2
    assert "nope" in by_code["unknown-export"].message


async def test_registry_down_keeps_imports_resolving_from_the_cache(
    editor: LanguageClient, workspace: Path, registry: RegistryServer
) -> None:
    """With the registry answering 503, cached imports still resolve (hover marked stale), an
    uncached import gets an information-level "registry unavailable" diagnostic, and health
    lists the registry with its breaker and the registry-unavailable reason."""
    text = "import mathlib\n\nprint(mathlib.hypot(3, 4))\n"
    uri = await open_settled(editor, workspace / "src" / "main.pyl", text)
    registry.inject("503", count=1000)
    edit(editor, uri, 2, "import mathlib\nimport strings\n\nprint(mathlib.hypot(3, 4))\n")
    found = await diagnostics_until(
        editor, uri, lambda ds: any("registry unavailable" in d.message for d in ds)
    )
    assert all(d.severity != types.DiagnosticSeverity.Error for d in found)
    unavailable = next(d for d in found if d.code == "registry-unavailable")
    assert unavailable.severity == types.DiagnosticSeverity.Information
    assert unavailable.range.start.line == 1
    assert "(stale)" in await hover_text(editor, uri, 3, 16)
    health = await command(editor, "parsercraft.health")
    (row,) = health["registries"]
    assert row["name"] == "main"
    assert row["breaker"] == "open"  # 503s, then the breaker (minimumCalls = 2) opened
    assert "unavailable" in row["lastError"]
    assert row["stale"] is True
    reasons = [r for r in health["reasons"] if r["runbook"] == "registry-unavailable"]
    assert reasons and "'main'" in reasons[0]["reason"]
    assert health["status"] in ("degraded", "unhealthy")


async def test_slow_fetch_shows_work_done_progress(
    editor: LanguageClient, workspace: Path, registry: RegistryServer
) -> None:
    """A fetch running longer than ~0.3 s is shown as work-done progress that begins and ends."""
    registry.inject("slow", path="index.json", slow_bytes=256, slow_interval_s=0.15)
    await open_settled(editor, workspace / "src" / "main.pyl")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S

    def fetches() -> list[list[Any]]:
        return [
            reports
            for reports in editor.progress_reports.values()
            if reports
            and isinstance(reports[0], types.WorkDoneProgressBegin)
            and "index.json" in reports[0].title
        ]

    while not any(isinstance(r[-1], types.WorkDoneProgressEnd) for r in fetches()):
        assert loop.time() < deadline, f"no finished fetch progress: {editor.progress_reports}"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(editor.wait_for_notification(types.PROGRESS), 1.0)
    assert "registry 'main'" in fetches()[0][0].title


def p95(samples: list[float]) -> float:
    """The 95th percentile of `samples`."""
    ordered = sorted(samples)
    return ordered[int(0.95 * (len(ordered) - 1))]


@pytest.fixture
def stale_workspace(workspace: Path) -> Path:
    """The project with an index that goes stale after 0.2 s, so edits make the server fetch."""
    toml = workspace / "parsercraft.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "ttl_s = 0.2\n", encoding="utf-8")
    return workspace


@pytest_lsp.fixture(config=CONFIG)
async def stale_editor(lsp_client: LanguageClient, stale_workspace: Path) -> Any:
    """A VS Code-like client on the project with a quickly stale index."""
    await lsp_client.initialize_session(init_params("visual_studio_code", root=stale_workspace))
    yield
    await lsp_client.shutdown_session()


async def completion_times(client: LanguageClient, uri: str, count: int) -> list[float]:
    """Round-trip times of `count` export completions after `mathlib.` (line 4)."""
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(count):
        start = loop.time()
        items = await complete(client, uri, 4, 12)
        times.append(loop.time() - start)
        assert "hypot" in items  # served from the cache whatever the registry does
    return times


@pytest.mark.parametrize("fault", ["hang", "503"])
async def test_completion_stays_fast_while_the_registry_misbehaves(
    stale_editor: LanguageClient, stale_workspace: Path, registry: RegistryServer, fault: str
) -> None:
    """With fetches in flight against a hanging or failing registry, completion's p95 stays
    within 2x of its p95 with a healthy registry (plus 5 ms for scheduling noise)."""
    editor = stale_editor
    uri = await open_settled(editor, stale_workspace / "src" / "main.pyl")
    edit(editor, uri, 2, MAIN + "x = mathlib.\n")
    healthy = p95(await completion_times(editor, uri, 40))
    registry.inject(fault, count=10_000)
    # Constraints no cached version satisfies, with the index past its TTL, make the server
    # fetch in the background (one fetch per constraint) while we measure.
    missing = "".join(f'import mathlib version "^9.{i}.0"\n' for i in range(5))
    published = editor.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    edit(editor, uri, 3, MAIN + "x = mathlib.\n" + missing)
    await asyncio.wait_for(published, WAIT_S)  # the run that scheduled the fetches
    during = p95(await completion_times(editor, uri, 40))
    assert during <= 2 * healthy + 0.005, (during, healthy)
    # The fetches made during the measurement did meet the fault.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        rows = (await command(editor, "parsercraft.health"))["registries"]
        if rows and rows[0]["lastError"]:
            break
        assert loop.time() < deadline, rows
        await asyncio.sleep(0.1)
