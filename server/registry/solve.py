"""Pick one version of every package the project needs, its dependencies included.

Each package gets the highest version (not yanked, not a pre-release unless asked for) that
satisfies every constraint placed on it, by the project and by the chosen versions of other
packages; a previously locked version is kept while it still satisfies them. There is no
backtracking: when nothing satisfies a package's constraints, the error lists each constraint
with who placed it and the versions available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from server.registry.client import raise_unreachable
from server.registry.errors import RegistryError, ResolutionError
from server.registry.lock import LockedPackage, lock_entry
from server.registry.version import parse_constraint

if TYPE_CHECKING:
    from collections.abc import Mapping

    from server.registry.client import RegistryClient
    from server.registry.model import IndexEntry, PackageMetadata, VersionEntry
    from server.registry.version import Version

__all__ = ["Chosen", "solve"]

_MAX_STEPS = 10_000


@attrs.frozen
class Chosen:
    """The version picked for one package."""

    registry: str
    entry: VersionEntry
    metadata: PackageMetadata


async def _find(client: RegistryClient, name: str) -> tuple[str, IndexEntry]:
    unavailable: list[RegistryError] = []
    for registry in client.registry_names():
        try:
            cached = await client.index(registry)
        except RegistryError as exc:
            unavailable.append(exc)
            continue
        entry = cached.index.get(name)
        if entry is not None:
            return registry, entry
    raise_unreachable(f"package {name!r}", unavailable)
    searched = ", ".join(client.registry_names()) or "none configured"
    raise ResolutionError(f"unknown package {name!r} (searched registries: {searched})")


def _withdraw(wants: dict[str, dict[str, str]], name: str, old: Chosen) -> list[str]:
    """Remove the constraints `old` placed; returns the packages to look at again."""
    for dep, _ in old.metadata.dependencies:
        wants.get(dep, {}).pop(f"{name} {old.entry.version}", None)
    return [dep for dep, _ in old.metadata.dependencies]


async def solve(
    client: RegistryClient,
    roots: Mapping[str, Mapping[str, str]],
    *,
    prefer: Mapping[str, Version] | None = None,
) -> tuple[LockedPackage, ...]:
    """Pins for `roots` ({package: {who: constraint}}) and everything they depend on.

    Raises `ResolutionError` (unknown package, conflict) or `RegistryUnavailable`.
    """
    prefer = prefer or {}
    wants: dict[str, dict[str, str]] = {n: dict(c) for n, c in roots.items()}
    chosen: dict[str, Chosen] = {}
    queue = sorted(wants)
    steps = 0
    while queue:
        steps += 1
        if steps > _MAX_STEPS:
            raise ResolutionError("dependency resolution did not settle; constraints oscillate")
        name = queue.pop(0)
        if not wants.get(name):
            orphan = chosen.pop(name, None)  # nothing needs it any more: withdraw its wants too
            if orphan is not None:
                queue.extend(_withdraw(wants, name, orphan))
            continue
        registry, entry = await _find(client, name)
        constraints = {who: parse_constraint(text) for who, text in wants[name].items()}
        candidates = [
            v.version
            for v in entry.versions
            if not v.yanked and all(c.allows(v.version) for c in constraints.values())
        ]
        if not candidates:
            placed = "; ".join(f"{c} (from {who})" for who, c in sorted(constraints.items()))
            available = ", ".join(str(v.version) for v in entry.versions) or "none"
            raise ResolutionError(
                f"conflict: no version of {name!r} satisfies {placed}; available: {available}"
            )
        best = prefer[name] if prefer.get(name) in candidates else max(candidates)
        old = chosen.get(name)
        if old is not None and old.entry.version == best:
            continue
        if old is not None:
            queue.extend(_withdraw(wants, name, old))
        version_entry = entry.entry(best)
        assert version_entry is not None  # best came from entry.versions
        meta = await client.metadata(registry, name, version_entry)
        chosen[name] = Chosen(registry, version_entry, meta)
        for dep, constraint in meta.dependencies:
            wants.setdefault(dep, {})[f"{name} {best}"] = constraint
            queue.append(dep)
    needed = {n for n, w in wants.items() if w}
    return tuple(
        lock_entry(
            c.metadata,
            sha256=c.entry.sha256,
            registry=c.registry,
            constraint=" ".join(sorted(set(wants[n].values()))),
        )
        for n, c in sorted(chosen.items())
        if n in needed
    )
