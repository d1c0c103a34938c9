"""The `registry build`, `registry serve` and `lock` commands, and the import check for `check`.

Each command returns an exit code: 0 success, 1 findings (a conflict, an unknown package, an
out-of-date lock), 3 a registry that cannot be reached; project and usage errors are raised as
`ParserCraftError` for `server.__main__` to report (exit 2). Output goes to the given streams.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import attrs

from server.errors import ParserCraftError, ProjectError
from server.project import PROJECT_FILE, Project, find_project
from server.registry.client import RegistryClient
from server.registry.config import load_registry_settings
from server.registry.errors import (
    ConstraintError,
    RegistryError,
    RegistryUnavailable,
    ResolutionError,
)
from server.registry.index import build_registry
from server.registry.lock import LOCK_FILE, LockFile, read_lock, write_lock
from server.registry.resolve import ImportSyntax, ResolvedImport, Resolver
from server.registry.solve import solve
from server.registry.version import parse_constraint

if TYPE_CHECKING:
    from server.engine.spec import LanguageSpec

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_UNAVAILABLE",
    "ImportReport",
    "build",
    "import_reports",
    "lock",
    "open_client",
    "project_programs",
    "run",
    "serve",
]

EXIT_FINDINGS = 1
EXIT_UNAVAILABLE = 3
_SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__"})


@attrs.frozen
class ImportReport:
    """One resolved import of one program file."""

    path: Path
    resolved: ResolvedImport


def build(directory: str, out_dir: str | None, out: TextIO) -> int:
    """`registry build DIR [--out OUT]`: write `index.json` and `packages/` from package folders."""
    source = Path(directory)
    if not source.is_dir():
        raise ProjectError(directory, "not a directory")
    result = build_registry(source, Path(out_dir) if out_dir else None)
    out.write(
        f"wrote {result.index_path}: {result.packages} packages, {result.versions} versions\n"
    )
    return 0


def serve(directory: str, host: str, port: int, faults: bool, out: TextIO) -> int:
    """`registry serve DIR [--host H] [--port N] [--faults]`: serve until interrupted."""
    from server.registry.httpd import RegistryServer

    root = Path(directory)
    if not (root / "index.json").is_file():
        raise ProjectError(
            directory, "no index.json here; run `parsercraft-ls registry build` first"
        )
    server = RegistryServer(root, host=host, port=port, faults=faults)
    out.write(f"serving {root.absolute()} at {server.url}/  (Ctrl-C to stop)\n")
    out.flush()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def project_programs(project: Project) -> list[tuple[Path, LanguageSpec]]:
    """Every program file of the project with its language; unloadable specs are skipped."""
    found = []
    for folder, dirs, files in os.walk(project.root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if project.language_for(path) is None:
                continue
            try:
                found.append((path, project.spec_for(path)))
            except ParserCraftError:
                continue
    return found


def _find(path: str | None) -> Project:
    start = Path(path or ".")
    project = find_project(start)
    if project is None:
        raise ProjectError(str(start), f"no {PROJECT_FILE} at or above this path")
    return project


def open_client(project: Project, *, offline: bool | None, lock: LockFile | None) -> RegistryClient:
    """A client for the project's `[[registry]]` tables (`offline` overrides them all)."""
    settings = load_registry_settings(project.toml_path, offline=offline)
    return RegistryClient(settings, lock=lock)


def _resolver(project: Project, client: RegistryClient | None) -> Resolver:
    extensions = [e for entry in project.languages for e in entry.extensions]
    return Resolver(
        project.root, client=client, dependencies=dict(project.dependencies), extensions=extensions
    )


def _roots(project: Project, err: TextIO) -> tuple[dict[str, dict[str, str]], int]:
    """{package: {who: constraint}} from every import and `[dependencies]`; and bad ones."""
    resolver = _resolver(project, None)
    roots: dict[str, dict[str, str]] = {}
    bad = 0
    for name, constraint in project.dependencies:
        roots.setdefault(name, {})[PROJECT_FILE] = constraint
    for path, spec in project_programs(project):
        text = path.read_text(encoding="utf-8", errors="replace")
        for r in resolver.resolve(path, text, ImportSyntax.from_spec(spec)):
            if r.kind == "module":
                continue
            where = f"{path.relative_to(project.root).as_posix()}:{r.statement.line + 1}"
            try:
                parse_constraint(r.constraint or "*")
            except ConstraintError as exc:
                err.write(f"{where}: {exc}\n")
                bad += 1
                continue
            roots.setdefault(r.statement.name, {})[where] = r.constraint or "*"
    return roots, bad


def lock(
    path: str | None, *, offline: bool, upgrade: bool, check_only: bool, out: TextIO, err: TextIO
) -> int:
    """`lock [PATH] [--offline] [--upgrade] [--check]`: write or verify `parsercraft.lock`."""
    project = _find(path)
    lock_path = project.root / LOCK_FILE
    existing = read_lock(lock_path) if lock_path.is_file() else None
    roots, bad = _roots(project, err)
    if bad:
        return EXIT_FINDINGS
    return asyncio.run(
        _lock(
            project,
            roots,
            existing,
            offline=offline,
            upgrade=upgrade,
            check_only=check_only,
            out=out,
            err=err,
        )
    )


async def _lock(
    project: Project,
    roots: dict[str, dict[str, str]],
    existing: LockFile | None,
    *,
    offline: bool,
    upgrade: bool,
    check_only: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    lock_path = project.root / LOCK_FILE
    client = open_client(project, offline=offline or None, lock=None)
    try:
        if check_only:
            return await _check_lock(client, roots, existing, out=out, err=err)
        prefer = (
            {} if upgrade or existing is None else {p.name: p.version for p in existing.packages}
        )
        pins = await solve(client, roots, prefer=prefer)
    except ResolutionError as exc:
        err.write(f"parsercraft-ls: lock: {exc}\n")
        return EXIT_FINDINGS
    except RegistryUnavailable as exc:
        err.write(f"parsercraft-ls: lock: registry unavailable: {exc}\n")
        return EXIT_UNAVAILABLE
    except RegistryError as exc:
        err.write(f"parsercraft-ls: lock: {exc}\n")
        return EXIT_FINDINGS
    finally:
        await client.aclose()
    write_lock(lock_path, pins)
    out.write(f"locked {len(pins)} package(s) in {lock_path}\n")
    for pin in pins:
        out.write(f"  {pin.name} {pin.version} ({pin.registry}, sha256 {pin.sha256[:12]})\n")
    return 0


async def _check_lock(
    client: RegistryClient,
    roots: dict[str, dict[str, str]],
    existing: LockFile | None,
    *,
    out: TextIO,
    err: TextIO,
) -> int:
    """Every constraint is met by a pin, and every pinned metadata file verifies (cache first)."""
    if existing is None:
        err.write(f"parsercraft-ls: lock --check: no {LOCK_FILE}; run `parsercraft-ls lock`\n")
        return EXIT_FINDINGS
    client.lock = existing
    problems: list[str] = []
    wants = {n: dict(w) for n, w in roots.items()}
    for pin in existing.packages:
        for dep, constraint in pin.dependencies:
            wants.setdefault(dep, {})[f"{pin.name} {pin.version}"] = constraint
    for name, placed in sorted(wants.items()):
        pinned = existing.get(name)
        if pinned is None:
            problems.append(f"{name} is needed ({', '.join(sorted(placed))}) but not locked")
            continue
        for who, constraint in sorted(placed.items()):
            if not parse_constraint(constraint).allows(pinned.version):
                problems.append(f"{name} {pinned.version} does not satisfy {constraint} ({who})")
    unavailable = 0
    for pin in existing.packages:
        cached = client.cached_package(pin.name)
        if cached is not None and (not pin.sha256 or cached.sha256 == pin.sha256):
            continue
        try:
            await client.package(pin.name)
        except RegistryUnavailable as exc:
            unavailable += 1
            problems.append(f"{pin.name} {pin.version} is not cached: {exc}")
        except RegistryError as exc:
            problems.append(str(exc))
    for problem in problems:
        err.write(f"parsercraft-ls: lock --check: {problem}\n")
    if problems:
        return EXIT_UNAVAILABLE if unavailable == len(problems) else EXIT_FINDINGS
    out.write(f"{LOCK_FILE} is up to date ({len(existing.packages)} package(s) verified)\n")
    return 0


def import_reports(project: Project, *, offline: bool = True) -> list[ImportReport]:
    """Every import of every program, resolved with the lock and the cache (and the network
    unless `offline`), for `check` to turn into diagnostics."""
    lock_path = project.root / LOCK_FILE
    existing = read_lock(lock_path) if lock_path.is_file() else None
    return asyncio.run(_reports(project, existing, offline))


async def _reports(
    project: Project, existing: LockFile | None, offline: bool
) -> list[ImportReport]:
    client = open_client(project, offline=True if offline else None, lock=existing)
    resolver = _resolver(project, client)
    reports = []
    try:
        for path, spec in project_programs(project):
            text = path.read_text(encoding="utf-8", errors="replace")
            syntax = ImportSyntax.from_spec(spec)
            for resolved in await resolver.resolve_fetching(path, text, syntax):
                reports.append(ImportReport(path, resolved))
    finally:
        await client.aclose()
    return reports


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int | None:
    """Run a command added by `add_parsers`; None when `args` names another command."""
    if args.command == "registry" and args.registry_command == "build":
        return build(args.directory, args.out, out)
    if args.command == "registry":
        return serve(args.directory, args.host, args.port, args.faults, out)
    if args.command == "lock":
        return lock(
            args.path,
            offline=args.offline,
            upgrade=args.upgrade,
            check_only=args.check,
            out=out,
            err=err,
        )
    return None
