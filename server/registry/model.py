"""The records of the static registry format: the index and per-version package metadata.

Parsing checks every field and raises `RegistryRejected` naming the source and the key, so a
bad payload is a permanent error. `*_json` functions return the wire form (camelCase keys).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import attrs

from server.registry.errors import ConstraintError, RegistryRejected
from server.registry.version import Version, parse_constraint, parse_version

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "FORMAT",
    "Constant",
    "Exports",
    "Function",
    "Index",
    "IndexEntry",
    "PackageMetadata",
    "Parameter",
    "TypeExport",
    "VersionEntry",
    "canonical_json",
    "metadata_json",
    "parse_index",
    "parse_metadata",
]

FORMAT = 1
"""The `format` number of `index.json` this code writes and reads."""


@attrs.frozen
class Parameter:
    """One parameter of an exported function."""

    name: str
    type: str = ""
    doc: str = ""


@attrs.frozen
class Function:
    """An exported function: its parameters, return type and documentation."""

    name: str
    parameters: tuple[Parameter, ...] = ()
    returns: str = ""
    doc: str = ""


@attrs.frozen
class TypeExport:
    """An exported type."""

    name: str
    doc: str = ""


@attrs.frozen
class Constant:
    """An exported constant; `value` is its literal source text, when published."""

    name: str
    type: str = ""
    value: str = ""
    doc: str = ""


@attrs.frozen
class Exports:
    """What a package version exports."""

    functions: tuple[Function, ...] = ()
    types: tuple[TypeExport, ...] = ()
    constants: tuple[Constant, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Every exported name, functions first, for completion after member access."""
        return (
            *(f.name for f in self.functions),
            *(t.name for t in self.types),
            *(c.name for c in self.constants),
        )


@attrs.frozen
class PackageMetadata:
    """One package version: upstream's `Package` fields plus `exports`."""

    name: str
    version: Version
    description: str = ""
    author: str = ""
    license: str = "MIT"
    dependencies: tuple[tuple[str, str], ...] = ()
    dev_dependencies: tuple[tuple[str, str], ...] = ()
    integrity: str = ""
    published: str | None = None
    exports: Exports = Exports()

    def function(self, name: str) -> Function | None:
        """The exported function called `name`, if any."""
        return next((f for f in self.exports.functions if f.name == name), None)


@attrs.frozen
class VersionEntry:
    """One version in the index: where its metadata is and the sha256 of its exact bytes."""

    version: Version
    sha256: str
    path: str
    size: int = 0
    yanked: bool = False


@attrs.frozen
class IndexEntry:
    """One package in the index."""

    name: str
    description: str = ""
    versions: tuple[VersionEntry, ...] = ()

    def entry(self, version: Version) -> VersionEntry | None:
        """The entry of exactly `version`, if listed."""
        return next((v for v in self.versions if v.version == version), None)

    def latest(self) -> VersionEntry | None:
        """The highest version that is neither yanked nor a pre-release, else the highest."""
        ordered = sorted(self.versions, key=lambda v: v.version)
        good = [v for v in ordered if not v.yanked and not v.version.is_prerelease]
        chosen = good or ordered
        return chosen[-1] if chosen else None


@attrs.frozen
class Index:
    """The registry's `index.json`."""

    packages: tuple[IndexEntry, ...] = ()
    generated: str = ""

    def get(self, name: str) -> IndexEntry | None:
        """The entry of package `name`, if listed."""
        return next((p for p in self.packages if p.name == name), None)

    def names(self) -> tuple[str, ...]:
        """Every package name, sorted."""
        return tuple(sorted(p.name for p in self.packages))


def canonical_json(data: object) -> bytes:
    """The bytes the registry hashes: sorted keys, no insignificant space, UTF-8, final newline."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


class _Reader:
    """Typed field access with errors that name the source and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, reason: str) -> RegistryRejected:
        return RegistryRejected(f"{self.source}: invalid {where}: {reason}")

    def table(self, value: object, where: str) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    def text(self, data: Mapping[str, object], key: str, where: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"expected a string, got {value!r}")
        return value

    def items(self, data: Mapping[str, object], key: str, where: str) -> list[Mapping[str, object]]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "expected a list")
        return [self.table(v, f"{where}.{key}[{i}]") for i, v in enumerate(value)]

    def version(self, text: str, where: str) -> Version:
        try:
            return parse_version(text)
        except ConstraintError as exc:
            raise self.fail(where, str(exc)) from None

    def deps(self, data: Mapping[str, object], key: str, where: str) -> tuple[tuple[str, str], ...]:
        table = self.table(data.get(key) or {}, f"{where}.{key}")
        out = []
        for name, constraint in table.items():
            if not isinstance(constraint, str):
                raise self.fail(f"{where}.{key}.{name}", "expected a constraint string")
            try:
                parse_constraint(constraint)
            except ConstraintError as exc:
                raise self.fail(f"{where}.{key}.{name}", str(exc)) from None
            out.append((name, constraint))
        return tuple(sorted(out))


def _load(raw: bytes, source: str) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryRejected(f"{source}: not valid JSON: {exc}") from None


def parse_metadata(raw: bytes | Mapping[str, object], source: str) -> PackageMetadata:
    """Package metadata from its JSON bytes (or an already-parsed table)."""
    r = _Reader(source)
    data = r.table(raw if not isinstance(raw, bytes) else _load(raw, source), "metadata")
    name = r.text(data, "name", "metadata")
    if not name:
        raise r.fail("metadata.name", "missing")
    exports = r.table(data.get("exports") or {}, "metadata.exports")
    functions = tuple(
        Function(
            name=r.text(f, "name", "function"),
            parameters=tuple(
                Parameter(
                    r.text(p, "name", "parameter"),
                    r.text(p, "type", "parameter"),
                    r.text(p, "doc", "parameter"),
                )
                for p in r.items(f, "parameters", f"exports.functions.{f.get('name')}")
            ),
            returns=r.text(f, "returns", "function"),
            doc=r.text(f, "doc", "function"),
        )
        for f in r.items(exports, "functions", "exports")
    )
    types = tuple(
        TypeExport(r.text(t, "name", "type"), r.text(t, "doc", "type"))
        for t in r.items(exports, "types", "exports")
    )
    constants = tuple(
        Constant(
            r.text(c, "name", "constant"),
            r.text(c, "type", "constant"),
            r.text(c, "value", "constant"),
            r.text(c, "doc", "constant"),
        )
        for c in r.items(exports, "constants", "exports")
    )
    published = data.get("published")
    return PackageMetadata(
        name=name,
        version=r.version(r.text(data, "version", "metadata"), "metadata.version"),
        description=r.text(data, "description", "metadata"),
        author=r.text(data, "author", "metadata"),
        license=r.text(data, "license", "metadata", "MIT"),
        dependencies=r.deps(data, "dependencies", "metadata"),
        dev_dependencies=r.deps(data, "devDependencies", "metadata"),
        integrity=r.text(data, "integrity", "metadata"),
        published=published if isinstance(published, str) else None,
        exports=Exports(functions, types, constants),
    )


def metadata_json(meta: PackageMetadata) -> dict[str, object]:
    """The wire form of package metadata (upstream's field names plus `exports`)."""
    ex = meta.exports
    return {
        "name": meta.name,
        "version": str(meta.version),
        "description": meta.description,
        "author": meta.author,
        "license": meta.license,
        "dependencies": dict(meta.dependencies),
        "devDependencies": dict(meta.dev_dependencies),
        "integrity": meta.integrity,
        "published": meta.published,
        "exports": {
            "functions": [
                {
                    "name": f.name,
                    "returns": f.returns,
                    "doc": f.doc,
                    "parameters": [attrs.asdict(p) for p in f.parameters],
                }
                for f in ex.functions
            ],
            "types": [attrs.asdict(t) for t in ex.types],
            "constants": [attrs.asdict(c) for c in ex.constants],
        },
    }


def parse_index(raw: bytes, source: str) -> Index:
    """The index from its JSON bytes; RegistryRejected names the bad key."""
    r = _Reader(source)
    data = r.table(_load(raw, source), "index")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise r.fail("index.format", f"expected {FORMAT}, got {fmt!r}")
    packages = []
    for name, value in r.table(data.get("packages") or {}, "index.packages").items():
        where = f"packages.{name}"
        entry = r.table(value, where)
        versions = []
        for text, v in r.table(entry.get("versions") or {}, f"{where}.versions").items():
            vw = f"{where}.versions.{text}"
            item = r.table(v, vw)
            version = r.version(text, vw)
            sha = r.text(item, "sha256", vw)
            if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
                raise r.fail(f"{vw}.sha256", f"expected 64 lowercase hex digits, got {sha!r}")
            path = r.text(item, "path", vw)
            if not path or path.startswith("/") or ".." in path.split("/") or "://" in path:
                raise r.fail(f"{vw}.path", f"expected a relative path, got {path!r}")
            size = item.get("size", 0)
            versions.append(
                VersionEntry(
                    version,
                    sha,
                    path,
                    size if isinstance(size, int) and not isinstance(size, bool) else 0,
                    item.get("yanked") is True,
                )
            )
        versions.sort(key=lambda ve: ve.version)
        packages.append(IndexEntry(name, r.text(entry, "description", where), tuple(versions)))
    return Index(tuple(sorted(packages, key=lambda p: p.name)), r.text(data, "generated", "index"))
