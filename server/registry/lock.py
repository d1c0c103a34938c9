"""`parsercraft.lock`: exact versions and metadata hashes of every package a project imports.

The file is upstream's JSON lock shape, extended (PARSERCRAFT.md section 8):

```json
{"version": "1.0", "generator": "parsercraft-ls",
 "packages": {"mathlib": {"name": "mathlib", "version": "1.2.0", "description": "...",
   "author": "...", "license": "MIT", "dependencies": {}, "devDependencies": {},
   "integrity": "sha256-...", "published": null,
   "registry": "main", "sha256": "<sha256 of the metadata file>", "constraint": "^1.0.0"}}}
```
An upstream lock (no `sha256`, an extra `timestamp`) reads as pins without hashes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from server.registry.errors import ConstraintError, ResolutionError
from server.registry.version import Version, parse_version

if TYPE_CHECKING:
    from collections.abc import Iterable

    from server.registry.model import PackageMetadata

__all__ = ["LOCK_FILE", "LockFile", "LockedPackage", "lock_entry", "read_lock", "write_lock"]

LOCK_FILE = "parsercraft.lock"
"""The lock file's name, next to `parsercraft.toml`."""


@attrs.frozen
class LockedPackage:
    """One pinned package; `sha256` is empty for an upstream lock entry."""

    name: str
    version: Version
    sha256: str = ""
    registry: str = ""
    constraint: str = ""
    dependencies: tuple[tuple[str, str], ...] = ()
    metadata: dict[str, object] = attrs.field(factory=dict, eq=False, repr=False, hash=False)


@attrs.frozen
class LockFile:
    """The pins of a project, by package name."""

    packages: tuple[LockedPackage, ...] = ()
    path: Path | None = None

    def get(self, name: str) -> LockedPackage | None:
        """The pin of `name`, if any."""
        return next((p for p in self.packages if p.name == name), None)

    def names(self) -> tuple[str, ...]:
        """Pinned names, sorted."""
        return tuple(sorted(p.name for p in self.packages))


def lock_entry(
    meta: PackageMetadata, *, sha256: str, registry: str, constraint: str
) -> LockedPackage:
    """The pin of a resolved package version."""
    from server.registry.model import metadata_json

    data = metadata_json(meta)
    data.pop("exports", None)
    return LockedPackage(
        meta.name, meta.version, sha256, registry, constraint, meta.dependencies, data
    )


def read_lock(path: Path) -> LockFile:
    """Read our lock or upstream's; ResolutionError names the file and the bad entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResolutionError(f"{path}: cannot read the lock file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("packages", {}), dict):
        raise ResolutionError(f'{path}: not a lock file: expected {{"packages": {{...}}}}')
    pins = []
    for name, entry in sorted(data.get("packages", {}).items()):
        if not isinstance(entry, dict):
            raise ResolutionError(f"{path}: packages.{name} must be an object")
        try:
            version = parse_version(str(entry.get("version", "")))
        except ConstraintError as exc:
            raise ResolutionError(f"{path}: packages.{name}: {exc}") from None
        deps = entry.get("dependencies") or {}
        sha = entry.get("sha256", "")
        pins.append(
            LockedPackage(
                name=str(name),
                version=version,
                sha256=sha if isinstance(sha, str) else "",
                registry=str(entry.get("registry", "")),
                constraint=str(entry.get("constraint", "")),
                dependencies=tuple(sorted((str(k), str(v)) for k, v in deps.items()))
                if isinstance(deps, dict)
                else (),
                metadata=dict(entry),
            )
        )
    return LockFile(tuple(pins), path)


def lock_json(packages: Iterable[LockedPackage]) -> str:
    """The lock file text: sorted, stable, no timestamp (so an unchanged lock is unchanged)."""
    body: dict[str, object] = {}
    for pin in sorted(packages, key=lambda p: p.name):
        entry = dict(pin.metadata)
        entry.update(
            name=pin.name,
            version=str(pin.version),
            dependencies=dict(pin.dependencies),
            registry=pin.registry,
            sha256=pin.sha256,
            constraint=pin.constraint,
        )
        body[pin.name] = entry
    data = {"version": "1.0", "generator": "parsercraft-ls", "packages": body}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def write_lock(path: Path, packages: Iterable[LockedPackage]) -> None:
    """Atomically write the lock file (temp file, fsync, rename)."""
    text = lock_json(packages)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".parsercraft.lock.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
