"""The package registry in the editor: import diagnostics, background refreshes, health, progress.

`RegistryService` keeps one `RegistryClient` per workspace project (its `[[registry]]` tables,
the server's audit log, its `parsercraft.lock`), built on first use after `initialize`.
Everything a request handler calls reads the cache only (`Resolver.resolve`, `cached_*`), so
no request ever waits for the network. What is missing or stale is refreshed in the background
through the `registry.fetch` policy; when a refresh lands, the documents importing that package
are diagnosed again. A fetch taking longer than `PROGRESS_AFTER_S` shows work-done progress.
Completion, hover and signature help on imports live in `server.lsp.features.imports`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from pygls.uris import to_fs_path

from resilience import SYSTEM_CLOCK

if TYPE_CHECKING:
    from collections.abc import Mapping

    from server.engine.spec import LanguageSpec
    from server.lsp.documents import Document
    from server.lsp.server import ParserCraftServer
    from server.registry import (
        FetchEvent,
        ImportSyntax,
        RegistryClient,
        ResolvedImport,
        Resolver,
    )

__all__ = [
    "PROGRESS_AFTER_S",
    "REFRESH_INTERVAL_S",
    "Imports",
    "RegistryService",
    "Workspace",
]

log = logging.getLogger(__name__)

REFRESH_INTERVAL_S = 10.0
"""After a refresh of a package ends, the next one for it waits this long (no hammering)."""
PROGRESS_AFTER_S = 0.3
"""A fetch running longer than this shows work-done progress."""
MAX_REMEMBERED = 512
"""Resolved documents remembered at most (closed ones are forgotten in bulk)."""
HEALTH_TTL_S = 1.0
"""Registry health rows are reused this long (they scan the cache directory)."""
RUNBOOK = "registry-unavailable"

_SEVERITY = {"error": 1, "warning": 2, "information": 3}
Json = dict[str, object]


def _signature(path: Path) -> tuple[int, int] | None:
    """Modification time and size of a file (None when missing): cheap change detection."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@attrs.define
class Workspace:
    """One project's registry client, resolver and refresh bookkeeping."""

    toml_path: Path
    signature: tuple[object, ...]
    client: RegistryClient | None
    resolver: Resolver
    failing: dict[str, bool] = attrs.Factory(dict)
    """Registry name -> whether its last fetch attempt failed."""
    refreshing: set[tuple[str, str | None]] = attrs.Factory(set)
    """(package, constraint) fetches running now."""
    refreshed_at: dict[tuple[str, str | None], float] = attrs.Factory(dict)
    """(package, constraint) -> when its last fetch ended (monotonic seconds)."""
    importers: dict[str, set[str]] = attrs.Factory(dict)
    """Package name -> URIs of open documents importing it."""


@attrs.frozen
class Imports:
    """The resolved imports of one document, and what resolving them needs."""

    workspace: Workspace
    syntax: ImportSyntax
    resolved: tuple[ResolvedImport, ...]


@attrs.define
class _Progress:
    """Work-done progress of one fetch URL: pending (timer), shown (token), or ended."""

    timer: asyncio.TimerHandle | None = None
    token: str | None = None
    ended: bool = False


def _import_words(spec: LanguageSpec) -> re.Pattern[str]:
    """A quick test for lines starting with the language's import keyword (None: none)."""
    words = [kw.custom for kw in spec.keywords if kw.original == "import"] or ["import"]
    flags = 0 if spec.case_sensitive else re.IGNORECASE
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"^[ \t]*(?:{alternatives})[ \t]", re.MULTILINE | flags)


class RegistryService:
    """Registry clients of the workspace projects; import diagnostics, refreshes and health."""

    def __init__(self, server: ParserCraftServer, environ: Mapping[str, str] | None = None) -> None:
        self.server = server
        self.environ = os.environ if environ is None else environ
        self.errors: dict[str, str] = {}
        self._started = False
        self._workspaces: dict[Path, Workspace] = {}
        self._projects: dict[Path, Path | None] = {}
        self._recheck: set[Path] = set()
        self._progress: dict[str, _Progress] = {}
        self._health: tuple[float, list[Json]] | None = None
        self._generation = 0
        self._resolved: dict[str, tuple[tuple[int, int], Imports | None]] = {}

    # -- workspaces ------------------------------------------------------------------------

    def start(self) -> None:
        """Allow clients to be built (called from `initialized`)."""
        self._started = True

    def reset(self) -> None:
        """Re-read `parsercraft.toml` and the lock at next use (after a configuration change);
        a project whose files did not change keeps its client and cache."""
        self._projects.clear()
        self._recheck = set(self._workspaces)
        self._changed()

    def _changed(self) -> None:
        """The cache, a registry's state or the configuration changed: resolve again."""
        self._generation += 1
        self._health = None

    def _project_file(self, folder: Path) -> Path | None:
        """The `parsercraft.toml` governing `folder`, remembered until `reset`."""
        if folder not in self._projects:
            found = None
            for candidate in (folder, *folder.parents):
                if (candidate / "parsercraft.toml").is_file():
                    found = candidate / "parsercraft.toml"
                    break
            self._projects[folder] = found
        return self._projects[folder]

    def workspace(self, path: Path) -> Workspace | None:
        """The workspace of the project containing `path` (None outside a project)."""
        toml_path = self._project_file(path.parent)
        if toml_path is None or not self._started:
            return None
        current = self._workspaces.get(toml_path)
        if current is not None and toml_path not in self._recheck:
            return current
        self._recheck.discard(toml_path)
        signature = (_signature(toml_path), _signature(toml_path.parent / "parsercraft.lock"))
        if current is not None and current.signature == signature:
            return current
        built = self._build(toml_path, signature)
        self._workspaces[toml_path] = built
        if current is not None and current.client is not None:
            self.server.background(current.client.aclose())
        return built

    def _build(self, toml_path: Path, signature: tuple[object, ...]) -> Workspace:
        """A workspace for one project: a client when it configures registries."""
        from server.errors import ParserCraftError
        from server.project import load_project
        from server.registry import RegistryClient, Resolver, load_registry_settings, read_lock

        key = str(toml_path)
        try:
            project = load_project(toml_path)
            settings = load_registry_settings(toml_path, environ=self.environ)
            lock_path = toml_path.parent / "parsercraft.lock"
            lock = read_lock(lock_path) if lock_path.is_file() else None
            self.errors.pop(key, None)
        except ParserCraftError as exc:
            log.warning("registry settings of %s: %s", toml_path, exc)
            self.errors[key] = str(exc)
            return Workspace(toml_path, signature, None, Resolver(toml_path.parent))
        client = None
        if settings.registries:
            client = RegistryClient(settings, audit=self.server.audit, lock=lock)
        extensions = [e for entry in project.languages for e in entry.extensions]
        resolver = Resolver(
            project.root,
            client=client,
            dependencies=dict(project.dependencies),
            extensions=extensions,
        )
        workspace = Workspace(toml_path, signature, client, resolver)
        if client is not None:
            client.add_listener(lambda event: self._on_fetch(workspace, event))
        return workspace

    # -- resolution and diagnostics --------------------------------------------------------

    def imports(self, doc: Document) -> Imports | None:
        """The document's imports resolved from the workspace and the cache; never waits.

        None when the document has no language, no import line, or no project. Kept per
        document version until the cache or the configuration changes (hover and completion
        ask on every keystroke).
        """
        key = (doc.version, self._generation)
        cached = self._resolved.get(doc.uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        if len(self._resolved) >= MAX_REMEMBERED:
            self._resolved.clear()
        found = self._resolve(doc)
        self._resolved[doc.uri] = (key, found)
        return found

    def _resolve(self, doc: Document) -> Imports | None:
        """`imports` without the memo."""
        language = self.server.language_of(doc)
        if language is None:
            return None
        words = _import_words(language.spec)
        if words.search(doc.text) is None:
            return None  # no import: the registry code is not even loaded
        fs_path = to_fs_path(doc.uri)
        workspace = None if fs_path is None else self.workspace(Path(fs_path))
        if workspace is None or fs_path is None:
            return None
        from server.registry import ImportSyntax

        syntax = ImportSyntax.from_spec(language.spec)
        resolved = workspace.resolver.resolve(Path(fs_path), doc.text, syntax)
        for names in workspace.importers.values():
            names.discard(doc.uri)
        for r in resolved:
            if r.kind != "module":
                workspace.importers.setdefault(r.statement.name, set()).add(doc.uri)
        return Imports(workspace, syntax, resolved)

    def import_diagnostics(self, doc: Document) -> list[Json]:
        """LSP diagnostics of the document's imports (cache only), scheduling background
        refreshes for packages that are missing or stale."""
        found = self.imports(doc)
        if found is None:
            return []
        out = []
        for r in found.resolved:
            self._maybe_refresh(found.workspace, r)
            diagnostic = self._diagnostic(doc, found.workspace, r)
            if diagnostic is not None:
                out.append(diagnostic)
        return out

    def _diagnostic(self, doc: Document, workspace: Workspace, r: ResolvedImport) -> Json | None:
        """The diagnostic of one resolved import, or None when there is nothing to say."""
        problem = r.problem
        s = r.statement
        if problem is None and r.package is not None and r.is_stale:
            if not workspace.failing.get(r.package.registry, False):
                return None  # only past its TTL: the refresh just scheduled will fix it
            meta = r.package.metadata
            code, severity = "stale-package", "information"
            message = (
                f"{s.name} {meta.version} comes from the cache: registry "
                f"{r.package.registry!r} is unavailable, so its data may be stale"
            )
        elif problem is None or (problem.code == "unknown-module" and workspace.client is None):
            return None  # no [[registry]]: an unknown name may be the language's own library
        elif problem.code == "registry-unavailable":
            code, severity = problem.code, problem.severity
            failing = any(workspace.failing.values())
            wanted = f"{s.name!r}" + (f" ({r.constraint})" if r.constraint else "")
            message = (
                f"registry unavailable: imports resolve from the cache, and package {wanted} "
                "is not cached"
                if failing
                else f"package {wanted} is not cached yet; fetching it from the registry"
            )
        else:
            code, severity, message = problem.code, problem.severity, problem.message
        line = doc.line(s.line) if s.line < doc.line_count else ""
        start, end = _utf16(line[: s.start]), _utf16(line[: s.end])
        return {
            "range": {
                "start": {"line": s.line, "character": start},
                "end": {"line": s.line, "character": end},
            },
            "severity": _SEVERITY.get(severity, 1),
            "code": code,
            "source": "parsercraft",
            "message": message,
        }

    # -- background refresh ----------------------------------------------------------------

    def _maybe_refresh(self, workspace: Workspace, r: ResolvedImport) -> None:
        """Fetch a package in the background when it is missing or stale; at most once per
        `REFRESH_INTERVAL_S` for one package and constraint."""
        client = workspace.client
        code = None if r.problem is None else r.problem.code
        wanted = (r.kind == "package" and r.is_stale) or code in (
            "registry-unavailable",
            "unsatisfiable",
        )
        key = (r.statement.name, r.constraint)
        if client is None or not wanted or key in workspace.refreshing:
            return
        last = workspace.refreshed_at.get(key)
        now = SYSTEM_CLOCK.monotonic()
        if last is not None and now - last < REFRESH_INTERVAL_S:
            return
        if code == "unsatisfiable" and all(
            (c := client.cached_index(reg)) is not None and not c.stale
            for reg in client.registry_names()
        ):
            return  # a fresh index already says no version fits
        workspace.refreshing.add(key)
        task = asyncio.ensure_future(_fetch(client, *key))
        task.add_done_callback(lambda _t: self._landed(workspace, key))

    def _landed(self, workspace: Workspace, key: tuple[str, str | None]) -> None:
        """A fetch ended (done or failed): re-diagnose the documents importing the package."""
        workspace.refreshing.discard(key)
        workspace.refreshed_at[key] = SYSTEM_CLOCK.monotonic()
        self._changed()
        if self._workspaces.get(workspace.toml_path) is not workspace:
            return
        for uri in sorted(workspace.importers.get(key[0], ())):
            if self.server.documents.get(uri) is not None:
                self.server.diagnostics.schedule(uri, delay=False)
        self.server.status.changed("registry")

    # -- progress --------------------------------------------------------------------------

    def _on_fetch(self, workspace: Workspace, event: FetchEvent) -> None:
        """Track whether each registry is failing; show progress for slow fetches."""
        if event.phase == "start":
            if event.url not in self._progress:
                entry = _Progress()
                self._progress[event.url] = entry
                title = f"Fetching {event.url.rsplit('/', 1)[-1]} from registry {event.registry!r}"
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    return
                entry.timer = loop.call_later(
                    PROGRESS_AFTER_S,
                    lambda: self.server.background(self._begin(entry, title)),
                )
            return
        workspace.failing[event.registry] = event.phase == "error"
        self._changed()
        self.server.status.changed("registry")
        shown = self._progress.pop(event.url, None)
        if shown is None:
            return
        shown.ended = True
        if shown.timer is not None:
            shown.timer.cancel()
        self.server.progress_end(shown.token)

    async def _begin(self, entry: _Progress, title: str) -> None:
        """Start progress for a fetch still running after `PROGRESS_AFTER_S`."""
        entry.timer = None
        if entry.ended:
            return
        token = await self.server.progress_begin(title)
        if entry.ended:
            self.server.progress_end(token)
            return
        entry.token = token
        self.server.progress_report(token, "waiting for the registry", 0, 1)

    # -- health ----------------------------------------------------------------------------

    def health(self) -> list[Json]:
        """`{name, url, breaker, lastSuccess, lastError, cacheEntries, cacheAgeS, stale}` per
        registry of every workspace built so far."""
        now = SYSTEM_CLOCK.monotonic()
        if self._health is not None and now - self._health[0] < HEALTH_TTL_S:
            return self._health[1]
        rows: list[Json] = []
        for workspace in self._workspaces.values():
            if workspace.client is None:
                continue
            for h in workspace.client.health():
                rows.append(
                    {
                        "name": h.name,
                        "url": h.url,
                        "project": str(workspace.toml_path),
                        "offline": h.offline,
                        "breaker": h.breaker,
                        "lastSuccess": h.last_success_at,
                        "lastError": h.last_error,
                        "lastErrorAt": h.last_error_at,
                        "cacheEntries": h.cache_entries,
                        "cacheAgeS": None if h.index_age_s is None else round(h.index_age_s, 3),
                        "stale": h.index_stale,
                        "unavailable": _unavailable(h.breaker, h.last_success_at, h.last_error_at),
                    }
                )
        self._health = (now, rows)
        return rows

    def reasons(self) -> list[Json]:
        """A `registry-unavailable` health reason per registry whose breaker is open or whose
        last fetch failed."""
        reasons: list[Json] = []
        for row in self.health():
            if row["unavailable"]:
                why = row["lastError"] or f"breaker {row['breaker']}"
                reasons.append(
                    {
                        "feature": "registry.fetch",
                        "reason": f"registry {row['name']!r} unavailable; imports resolve from "
                        f"the cache: {why}",
                        "runbook": RUNBOOK,
                    }
                )
        return reasons

    async def aclose(self) -> None:
        """Close every client (cancels background refreshes)."""
        for workspace in list(self._workspaces.values()):
            if workspace.client is not None:
                await workspace.client.aclose()
        self._workspaces.clear()


async def _fetch(client: RegistryClient, name: str, constraint: str | None) -> bool:
    """Refetch every index (a missing package may be newly published), then fetch the
    metadata of `name` matching `constraint` into the cache. `RegistryClient.refresh` takes no
    constraint, so alone it would fetch the newest version, not the one the import asks for.
    False when it failed (the failure is audited and kept for health)."""
    from server.registry import RegistryError

    await client.refresh()  # never raises; a failure marks the cached index stale
    try:
        await client.package(name, constraint)
    except RegistryError as exc:
        log.info("registry: fetching %s %s failed: %s", name, constraint or "*", exc)
        return False
    return True


def _unavailable(breaker: str, success_at: float | None, error_at: float | None) -> bool:
    """Whether a registry's breaker is open or its last fetch failed."""
    failed = error_at is not None and (success_at is None or error_at > success_at)
    return failed or breaker in ("open", "forced_open")


def _utf16(text: str) -> int:
    """The length of `text` in UTF-16 code units (LSP columns)."""
    return len(text.encode("utf-16-le")) // 2
