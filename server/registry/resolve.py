"""Import resolution: workspace modules first (PARSERCRAFT.md section 7), then packages.

`scan_imports` is pure and line-based like upstream, but uses the language's own import
keyword: `IMPORT m`, `IMPORT m AS a`, `IMPORT {a, b} FROM m`, `IMPORT m VERSION "^1.0.0"`.
`Resolver.resolve` never touches the network: packages come from the client's cache and an
uncached package is reported at information level ("registry unavailable"), so an editor
request never waits; `Resolver.resolve_fetching` (CLI `lock`) fetches what is missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs

from server.registry.errors import (
    ConstraintError,
    RegistryError,
    RegistryUnavailable,
    ResolutionError,
)
from server.registry.version import parse_constraint

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from server.engine.spec import LanguageSpec
    from server.registry.client import CachedPackage, RegistryClient

__all__ = [
    "UPSTREAM_EXTENSIONS",
    "ImportStatement",
    "ImportSyntax",
    "Problem",
    "ResolvedImport",
    "Resolver",
    "module_exports",
    "scan_imports",
]

UPSTREAM_EXTENSIONS = (".teach", ".lang", ".script", ".txt", "")
"""Extensions upstream's module system tries, in order (never the config's own)."""
SEARCH_PATHS = (".", "modules", "lib")
_NAME = r"[A-Za-z_][\w.-]*"
_EXPORT = re.compile(r"\bexport\s+(?:(function|const|variable|var|class)\s+)?([A-Za-z_]\w*)")
_MAX_MODULES = 2000

Severity = Literal["error", "warning", "information"]
Source = Literal["import", "dependencies", "none"]


@attrs.frozen
class ImportSyntax:
    """The words an import statement is written with in one language."""

    keywords: tuple[str, ...] = ("import",)
    from_word: str = "from"
    as_word: str = "as"
    version_word: str = "version"
    comment_prefixes: tuple[str, ...] = ("#",)
    case_sensitive: bool = True

    @classmethod
    def from_spec(cls, spec: LanguageSpec) -> ImportSyntax:
        """The import words of a language spec (its custom `import`, `from`, `as`)."""
        custom = spec.custom_by_original
        words = tuple(kw.custom for kw in spec.keywords if kw.original == "import") or ("import",)
        return cls(
            keywords=words,
            from_word=custom.get("from", "from"),
            as_word=custom.get("as", "as"),
            comment_prefixes=tuple(spec.line_comments) or ("#",),
            case_sensitive=spec.case_sensitive,
        )


@attrs.frozen
class ImportStatement:
    """One import: the module or package `name`, where it is written, and what it asks for."""

    name: str
    line: int
    start: int
    end: int
    alias: str | None = None
    names: tuple[str, ...] = ()
    constraint: str | None = None


@attrs.frozen
class Problem:
    """Something to report on an import, as a diagnostic."""

    code: str
    message: str
    severity: Severity = "error"


@attrs.frozen
class ResolvedImport:
    """What an import refers to; `problem` is set when it cannot be used as written."""

    statement: ImportStatement
    kind: Literal["module", "package", "unresolved"]
    path: Path | None = None
    package: CachedPackage | None = None
    constraint: str | None = None
    constraint_source: Source = "none"
    problem: Problem | None = None

    @property
    def is_stale(self) -> bool:
        """True when the package came from a stale cache."""
        return self.package is not None and self.package.stale


def _pattern(syntax: ImportSyntax) -> re.Pattern[str]:
    flags = 0 if syntax.case_sensitive else re.IGNORECASE
    kw = "|".join(re.escape(k) for k in sorted(syntax.keywords, key=len, reverse=True))
    fr, as_ = (re.escape(w) for w in (syntax.from_word, syntax.as_word))
    ver = f"(?i:{re.escape(syntax.version_word)})"  # upstream's literal word, in any case
    return re.compile(
        rf"^(?P<indent>\s*)(?:{kw})\s+"
        rf"(?:\{{(?P<names>[^}}]*)\}}\s*{fr}\s+)?(?P<name>{_NAME})"
        rf"(?:\s+{ver}\s+(?P<q>[\"'])(?P<constraint>[^\"']*)(?P=q))?"
        rf"(?:\s+{as_}\s+(?P<alias>[A-Za-z_]\w*))?"
        rf"(?:\s+{ver}\s+(?P<q2>[\"'])(?P<constraint2>[^\"']*)(?P=q2))?"
        r"\s*;?\s*$",
        flags,
    )


def scan_imports(text: str, syntax: ImportSyntax) -> tuple[ImportStatement, ...]:
    """Every import statement of a program, one per line; comment lines are skipped."""
    pattern = _pattern(syntax)
    found = []
    for number, line in enumerate(text.splitlines()):
        stripped = line.lstrip()
        if not stripped or any(stripped.startswith(p) for p in syntax.comment_prefixes):
            continue
        match = pattern.match(line)
        if match is None:
            continue
        names = tuple(n.strip() for n in (match["names"] or "").split(",") if n.strip())
        constraint = match["constraint"] if match["q"] else match["constraint2"]
        found.append(
            ImportStatement(
                name=match["name"],
                line=number,
                start=match.start("name"),
                end=match.end("name"),
                alias=match["alias"],
                names=names,
                constraint=constraint,
            )
        )
    return tuple(found)


def module_exports(text: str) -> tuple[str, ...]:
    """Names a workspace module exports (upstream: any line containing `export `)."""
    return tuple(dict.fromkeys(m.group(2) for m in _EXPORT.finditer(text)))


class Resolver:
    """Resolves the imports of one project: workspace modules, then registry packages."""

    def __init__(
        self,
        root: Path,
        *,
        client: RegistryClient | None = None,
        dependencies: Mapping[str, str] | None = None,
        extensions: Sequence[str] = (),
        search_paths: Sequence[str] = SEARCH_PATHS,
        read: Callable[[Path], str | None] | None = None,
    ) -> None:
        self.root = root
        self.client = client
        self.dependencies = dict(dependencies or {})
        exts = [e for e in extensions if e not in (".yaml", ".yml", ".json")]
        self.extensions = tuple(dict.fromkeys([*exts, *UPSTREAM_EXTENSIONS]))
        self.search_paths = tuple(search_paths)
        self._read = read or _read_file

    # -- workspace modules -----------------------------------------------------------------------

    def find_module(self, name: str, importer: Path) -> Path | None:
        """The file of workspace module `name`: the importer's folder, then the search paths."""
        stems = dict.fromkeys([name, name.replace(".", "/")])
        folders = [importer.parent, *(self.root / p for p in self.search_paths)]
        for folder in dict.fromkeys(folders):
            for stem in stems:
                for ext in self.extensions:
                    candidate = folder / f"{stem}{ext}"
                    if candidate.is_file() and candidate != importer:
                        return candidate
        return None

    def cycle_from(self, path: Path, syntax: ImportSyntax) -> tuple[Path, ...] | None:
        """A chain of workspace imports from `path` back to itself, if there is one."""
        stack: list[Path] = [path]
        seen: set[Path] = set()

        def visit(current: Path) -> tuple[Path, ...] | None:
            if len(seen) > _MAX_MODULES:
                return None
            text = self._read(current)
            for statement in scan_imports(text or "", syntax):
                target = self.find_module(statement.name, current)
                if target is None:
                    continue
                if target == path:
                    return (*stack, target)
                if target in seen:
                    continue
                seen.add(target)
                stack.append(target)
                found = visit(target)
                stack.pop()
                if found is not None:
                    return found
            return None

        return visit(path)

    # -- resolution ------------------------------------------------------------------------------

    def _constraint(self, s: ImportStatement) -> tuple[str | None, Source]:
        if s.constraint is not None:
            return s.constraint, "import"
        if s.name in self.dependencies:
            return self.dependencies[s.name], "dependencies"
        return None, "none"

    def _module(
        self, s: ImportStatement, path: Path, importer: Path, syntax: ImportSyntax
    ) -> ResolvedImport:
        problem = None
        cycle = self.cycle_from(importer, syntax)
        if cycle is not None and len(cycle) > 1 and cycle[1] == path:
            chain = " -> ".join(p.name for p in cycle)
            problem = Problem("circular-import", f"circular import: {chain}", "warning")
        elif s.names:
            exported = set(module_exports(self._read(path) or ""))
            missing = [n for n in s.names if n not in exported]
            if missing:
                problem = Problem(
                    "unknown-export", f"module {s.name!r} does not export {', '.join(missing)}"
                )
        return ResolvedImport(s, "module", path=path, problem=problem)

    def _package(
        self, s: ImportStatement, package: CachedPackage, constraint: str | None, source: Source
    ) -> ResolvedImport:
        missing = [n for n in s.names if n not in package.metadata.exports.names()]
        problem = None
        if missing:
            problem = Problem(
                "unknown-export",
                f"package {s.name} {package.metadata.version} does not export {', '.join(missing)}",
            )
        return ResolvedImport(
            s,
            "package",
            package=package,
            constraint=constraint,
            constraint_source=source,
            problem=problem,
        )

    def _unresolved(
        self, s: ImportStatement, constraint: str | None, source: Source, problem: Problem
    ) -> ResolvedImport:
        return ResolvedImport(
            s,
            "unresolved",
            constraint=constraint,
            constraint_source=source,
            problem=problem,
        )

    def resolve(self, path: Path, text: str, syntax: ImportSyntax) -> tuple[ResolvedImport, ...]:
        """Resolve every import of `text` from the workspace and the cache only; never waits."""
        out = []
        for s in scan_imports(text, syntax):
            module = self.find_module(s.name, path)
            if module is not None:
                out.append(self._module(s, module, path, syntax))
                continue
            constraint, source = self._constraint(s)
            out.append(self._cached(s, constraint, source))
        return tuple(out)

    def _cached(self, s: ImportStatement, constraint: str | None, source: Source) -> ResolvedImport:
        try:
            wanted = parse_constraint(constraint or "*")
        except ConstraintError as exc:
            return self._unresolved(s, constraint, source, Problem("invalid-constraint", str(exc)))
        client = self.client
        if client is None:
            return self._unresolved(
                s,
                constraint,
                source,
                Problem(
                    "unknown-module",
                    f"no module {s.name!r} in the workspace and no [[registry]] is configured",
                ),
            )
        package = client.cached_package(s.name, constraint)
        if package is not None:
            return self._package(s, package, constraint, source)
        versions = client.cached_versions(s.name)
        pinned = client.lock is not None and client.lock.get(s.name) is not None
        if versions and not pinned and wanted.best(versions) is None:
            shown = ", ".join(str(v) for v in versions)
            return self._unresolved(
                s,
                constraint,
                source,
                Problem(
                    "unsatisfiable",
                    f"no version of {s.name!r} satisfies {wanted} (available: {shown})",
                ),
            )
        if not versions and all(
            (c := client.cached_index(r)) is not None and not c.stale
            for r in client.registry_names()
        ):
            return self._unresolved(
                s,
                constraint,
                source,
                Problem(
                    "unknown-package",
                    f"no module {s.name!r} in the workspace and no such package in the registries",
                ),
            )
        return self._unresolved(
            s,
            constraint,
            source,
            Problem(
                "registry-unavailable",
                f"package {s.name!r} is not cached yet; registry unavailable or not fetched yet",
                "information",
            ),
        )

    async def resolve_fetching(
        self, path: Path, text: str, syntax: ImportSyntax
    ) -> tuple[ResolvedImport, ...]:
        """Like `resolve`, fetching packages that are not cached (for `lock` and `check`)."""
        out = []
        for resolved in self.resolve(path, text, syntax):
            problem = resolved.problem
            if (
                resolved.kind != "unresolved"
                or self.client is None
                or problem is None
                or (problem.code not in ("registry-unavailable", "unknown-package"))
            ):
                out.append(resolved)
                continue
            s = resolved.statement
            try:
                package = await self.client.package(s.name, resolved.constraint)
            except ResolutionError as exc:
                code = "unknown-package" if "unknown package" in str(exc) else "unsatisfiable"
                out.append(attrs.evolve(resolved, problem=Problem(code, str(exc))))
                continue
            except RegistryUnavailable as exc:
                out.append(
                    attrs.evolve(
                        resolved, problem=Problem("registry-unavailable", str(exc), "information")
                    )
                )
                continue
            except RegistryError as exc:
                out.append(attrs.evolve(resolved, problem=Problem("registry-error", str(exc))))
                continue
            out.append(self._package(s, package, resolved.constraint, resolved.constraint_source))
        return tuple(out)


def _read_file(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
