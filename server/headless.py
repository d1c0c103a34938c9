"""The headless commands: `check`, `format`, `inspect` and `inspect-config`.

Each returns a process exit code: 0 clean, 1 findings (or files that would change),
2 a usage, project or config error. Output goes to the given streams, never to a logger.
"""

from __future__ import annotations

import difflib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import attrs

from server import report
from server.engine.analysis import analyze, outline
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.format import FormatOptions, format_text
from server.engine.inspect import spec_to_json
from server.engine.text import LineIndex
from server.errors import ParserCraftError
from server.languages import load_spec
from server.lsp.convert import range_of
from server.project import Project, find_project
from server.sources import read_source, write_atomically

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from server.engine.analysis import OutlineSymbol
    from server.engine.spec import LanguageSpec

#: Suffixes never treated as programs when a directory is expanded without a project mapping.
NON_PROGRAM_SUFFIXES = frozenset({".toml", ".yaml", ".yml", ".json", ".md", ".lock", ".txt"})
SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__"})
FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING}


class Progress:
    """`checked 120/500 files` on a terminal's stderr, updated at most 10 times a second."""

    def __init__(self, stream: TextIO, verb: str, total: int) -> None:
        self.stream = stream
        self.verb = verb
        self.total = total
        self.count = 0
        self.shown = 0.0
        self.active = total > 1 and stream.isatty()

    def step(self) -> None:
        """Count one more file; redraw the line now and then."""
        self.count += 1
        now = time.monotonic()
        if self.active and now - self.shown >= 0.1:
            self.shown = now
            self.stream.write(f"\r{self.verb} {self.count}/{self.total} files")
            self.stream.flush()

    def done(self) -> None:
        """Clear the progress line."""
        if self.active and self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


class UsageError(ParserCraftError):
    """The command line names something that cannot be used (a missing path, an unmapped file)."""


@attrs.frozen
class Target:
    """One program file and the language it is written in."""

    path: Path
    spec: LanguageSpec
    indent_width: int = 4


def check(
    paths: Sequence[str],
    config: str | None,
    fmt: str,
    fail_on: str,
    out: TextIO,
    *,
    offline: bool = False,
) -> int:
    """Analyse every program under `paths` and print its diagnostics in format `fmt`.

    In a project with `[[registry]]` tables or `[dependencies]`, imports are resolved too
    (with `offline`, from `parsercraft.lock` and the cache only, never the network).
    """
    reports = []
    targets = resolve_targets(paths, config)
    imports, extra = import_problems(targets, offline=offline)
    progress = Progress(sys.stderr, "checked", len(targets))
    for target in targets:
        progress.step()
        source = read_source(target.path)
        diags: tuple[Diagnostic, ...]
        if source.text is None:
            assert source.problem is not None
            diags = (source.problem,)
            index = LineIndex("")
        else:
            analysis = analyze(target.spec, source.text)
            diags, index = analysis.diagnostics, analysis.line_index
            found = imports.get(target.path.resolve(), [])
            diags += tuple(d.at(index) for d in found)
        reports.append(report.FileReport(_display(target.path), target.spec.name, diags, index))
    progress.done()
    reports.extend(extra)
    out.write(report.render(reports, fmt))
    threshold = FAIL_ON.get(fail_on)
    if threshold is None:
        return 0
    failing = any(d.severity <= threshold for r in reports for d in r.diagnostics)
    return 1 if failing else 0


@attrs.frozen
class ImportProblem:
    """A problem of one import statement, at a (line, code-point column) span of its line."""

    line: int
    start: int
    end: int
    severity: Severity
    code: str
    message: str

    def at(self, index: LineIndex) -> Diagnostic:
        """The problem as an engine diagnostic in the text `index` was built from."""
        if self.line >= index.line_count:  # the file changed since it was resolved
            end = len(index.text)
            return Diagnostic(end, end, self.severity, self.code, self.message)
        base = index.line_starts[self.line]
        return Diagnostic(
            base + self.start, base + self.end, self.severity, self.code, self.message
        )


_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING}


def import_problems(
    targets: Sequence[Target], *, offline: bool
) -> tuple[dict[Path, list[ImportProblem]], list[report.FileReport]]:
    """Import problems of the targets' files (by resolved path), and reports on
    `parsercraft.lock` files whose pins disagree with the cached registry index; only for
    projects that configure registries or dependencies."""
    from server.registry import LOCK_FILE, load_registry_settings
    from server.registry.cli import import_reports

    wanted = {t.path.resolve() for t in targets}
    projects: dict[Path, Project] = {}
    for path in sorted(wanted):
        project = find_project(path)
        if project is not None:
            projects.setdefault(project.toml_path, project)
    found: dict[Path, list[ImportProblem]] = {}
    extra = []
    for project in projects.values():
        if not project.dependencies and not load_registry_settings(project.toml_path).registries:
            continue
        for item in import_reports(project, offline=offline):
            problem, s = item.resolved.problem, item.resolved.statement
            if problem is None or item.path.resolve() not in wanted:
                continue
            severity = _SEVERITIES.get(problem.severity, Severity.INFORMATION)
            found.setdefault(item.path.resolve(), []).append(
                ImportProblem(s.line, s.start, s.end, severity, problem.code, problem.message)
            )
        if (project.root / LOCK_FILE).is_file():
            extra.extend(_lock_report(project))
    return found, extra


def _lock_report(project: Project) -> list[report.FileReport]:
    """A report on `parsercraft.lock` when a pin's sha256 differs from the registry index's
    (the package changed after locking); the cached index is compared, no network."""
    import asyncio

    from server.registry import LOCK_FILE, read_lock
    from server.registry.cli import open_client

    lock_path = project.root / LOCK_FILE
    lock = read_lock(lock_path)
    client = open_client(project, offline=True, lock=None)
    text = lock_path.read_text(encoding="utf-8")
    diags = []
    for pin in lock.packages:
        for registry in client.registry_names():
            cached = client.cached_index(registry)
            entry = None if cached is None else cached.index.get(pin.name)
            listed = None if entry is None else entry.entry(pin.version)
            if listed is None or not pin.sha256 or listed.sha256 == pin.sha256:
                continue
            start = max(text.find(f'"{pin.name}"'), 0)
            message = (
                f"{pin.name} {pin.version}: {LOCK_FILE} pins sha256 {pin.sha256[:12]}… but "
                f"registry {registry!r} lists {listed.sha256[:12]}…; the package changed after "
                "locking (run `parsercraft-ls lock` after checking why)"
            )
            end = start + len(pin.name) + 2
            diags.append(Diagnostic(start, end, Severity.ERROR, "lock-mismatch", message))
            break
    asyncio.run(client.aclose())
    if not diags:
        return []
    name = _display(lock_path)
    return [report.FileReport(name, "parsercraft.lock", tuple(diags), LineIndex(text))]


def format_files(
    paths: Sequence[str],
    config: str | None,
    *,
    check_only: bool,
    diff: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    """Format every program under `paths`; `--check`/`--diff` report instead of writing."""
    status = 0
    changed = 0
    targets = resolve_targets(paths, config)
    progress = Progress(err, "formatted", len(targets))
    for target in targets:
        progress.step()
        source = read_source(target.path)
        name = _display(target.path)
        if source.text is None:
            assert source.problem is not None
            err.write(f"{name}: not formatted: {source.problem.message}\n")
            status = 1
            continue
        result = format_text(
            target.spec, source.text, FormatOptions(indent_width=target.indent_width)
        )
        if result.refused is not None:
            err.write(f"{name}: not formatted: {result.refused}\n")
            status = 1
            continue
        if not result.changed:
            continue
        changed += 1
        if diff:
            out.writelines(
                difflib.unified_diff(
                    source.text.splitlines(keepends=True),
                    result.text.splitlines(keepends=True),
                    f"{name} (original)",
                    f"{name} (formatted)",
                )
            )
        if check_only or diff:
            err.write(f"would reformat {name}\n")
            status = 1
        else:
            write_atomically(target.path, result.text)
            err.write(f"reformatted {name}\n")
    progress.done()
    verb = "would be reformatted" if (check_only or diff) else "reformatted"
    err.write(f"{changed} file(s) {verb}\n")
    return status


def inspect_config(ref: str, as_json: bool, out: TextIO) -> int:
    """Print the normalized spec of a config file or `preset:NAME`."""
    spec = load_spec(ref, Path.cwd())
    data = spec_to_json(spec)
    if as_json:
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    out.write(f"{spec.name} {spec.version} ({spec.source})\n")
    for key in (
        "line_comments",
        "block_comments",
        "string_delimiters",
        "statement_terminator",
        "blocks",
    ):
        out.write(f"  {key}: {json.dumps(data[key], ensure_ascii=False)}\n")
    out.write(
        f"  keywords: {len(spec.keywords)}, builtins: {len(spec.builtins)}, "
        f"operators: {len(spec.operators)}\n"
    )
    for warning in spec.warnings:
        line = f":{warning.line}" if warning.line else ""
        out.write(f"  warning: {warning.path}{line}: {warning.key_path}: {warning.message}\n")
    return 0


def inspect_file(path: str, config: str | None, out: TextIO) -> int:
    """Print `{language, symbols, diagnostics}` of one program as JSON."""
    targets = resolve_targets([path], config)
    target = targets[0]
    source = read_source(target.path)
    if source.text is None:
        assert source.problem is not None
        index = LineIndex("")
        data = {
            "language": target.spec.name,
            "symbols": [],
            "diagnostics": [report.diagnostic_json(index, source.problem)],
        }
    else:
        analysis = analyze(target.spec, source.text)
        index = analysis.line_index
        data = {
            "language": target.spec.name,
            "symbols": [_symbol_json(index, s) for s in outline(analysis)],
            "diagnostics": [report.diagnostic_json(index, d) for d in analysis.diagnostics],
        }
    out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return 0


def _symbol_json(index: LineIndex, symbol: OutlineSymbol) -> dict[str, object]:
    """`{name, kind, type, range, children}` of an outline entry."""
    return {
        "name": symbol.name,
        "kind": symbol.kind,
        "type": symbol.type,
        "range": range_of(index, symbol.start, symbol.end),
        "children": [_symbol_json(index, child) for child in symbol.children],
    }


def resolve_targets(paths: Sequence[str], config: str | None) -> list[Target]:
    """Every program file under `paths` with its language; raises for unusable arguments."""
    override = load_spec(config, Path.cwd()) if config else None
    targets: list[Target] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or directory")
        project = find_project(path.resolve())
        if path.is_dir():
            targets.extend(_directory_targets(path, project, override))
            continue
        target = _file_target(path, project, override)
        if target is None:
            raise UsageError(
                f"{raw}: no language is mapped to this file; add it to parsercraft.toml "
                "or pass --config CONFIG"
            )
        targets.append(target)
    return targets


def _directory_targets(
    root: Path, project: Project | None, override: LanguageSpec | None
) -> Iterator[Target]:
    """The program files below `root`, in a stable order."""
    for path in sorted(_walk(root)):
        target = _file_target(path, project or find_project(path.resolve()), override)
        if target is not None:
            yield target


def _walk(root: Path) -> Iterator[Path]:
    """Regular files below `root`, skipping hidden and tool directories."""
    for path in root.iterdir():
        if path.name.startswith(".") or path.name in SKIPPED_DIRS:
            continue
        if path.is_dir():
            yield from _walk(path)
        elif path.is_file():
            yield path


def _file_target(
    path: Path, project: Project | None, override: LanguageSpec | None
) -> Target | None:
    """The target for one file, or None when no language applies to it."""
    indent = project.indent_width if project else 4
    if override is not None:
        mapped = project is not None and project.language_for(path.resolve()) is not None
        if mapped or path.suffix.lower() not in NON_PROGRAM_SUFFIXES:
            return Target(path, override, indent)
        return None
    if project is None or project.language_for(path.resolve()) is None:
        return None
    return Target(path, project.spec_for(path.resolve()), indent)


def _display(path: Path) -> str:
    """The path as the user should see it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
