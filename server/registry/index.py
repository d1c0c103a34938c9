"""`registry build`: turn package folders into the static registry layout.

```
DIR/<any folder>/package.json|package.yaml   input: one package version per folder
DIR/index.json                               output: every package, version and metadata sha256
DIR/packages/<name>/<version>.json           output: canonical metadata of one version
```
See docs/reference/registry.md for the format.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import attrs
import yaml

from server.registry.errors import RegistryRejected
from server.registry.model import (
    FORMAT,
    PackageMetadata,
    canonical_json,
    metadata_json,
    parse_metadata,
)

__all__ = ["BuildResult", "build_registry", "integrity_of", "sha256_hex"]

PACKAGE_FILES = ("package.json", "package.yaml", "package.yml")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@attrs.frozen
class BuildResult:
    """What `build_registry` wrote."""

    index_path: Path
    packages: int
    versions: int


def sha256_hex(data: bytes) -> str:
    """The lowercase hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def integrity_of(folder: Path) -> str:
    """`sha256-<hex>` over the folder's files other than the package file, by sorted path."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.parent == folder and path.name in PACKAGE_FILES:
            continue
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"sha256-{digest.hexdigest()}"


def _read_package(path: Path) -> PackageMetadata:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise RegistryRejected(f"{path}: cannot parse: {exc}") from None
    if isinstance(data, dict):
        # A YAML author may write `version: 1.0` style scalars; the format wants strings.
        data = {k: (str(v) if k == "version" and v is not None else v) for k, v in data.items()}
        if "dev_dependencies" in data and "devDependencies" not in data:
            data["devDependencies"] = data.pop("dev_dependencies")
    meta = parse_metadata(data if isinstance(data, dict) else {"name": None}, str(path))
    if not _NAME.fullmatch(meta.name):
        raise RegistryRejected(f"{path}: invalid package name {meta.name!r}")
    if not meta.integrity:
        meta = attrs.evolve(meta, integrity=integrity_of(path.parent))
    return meta


def _write(path: Path, data: bytes) -> None:
    """Atomically replace `path` with `data` (temp file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_registry(source: Path, out: Path | None = None, *, generated: str = "") -> BuildResult:
    """Read every `source/*/package.*` and write `index.json` and `packages/` under `out`.

    Raises `RegistryRejected` naming the file for an invalid or duplicate package version.
    """
    out = out or source
    found: dict[tuple[str, str], tuple[Path, PackageMetadata]] = {}
    for folder in sorted(p for p in source.iterdir() if p.is_dir()):
        package_file = next((folder / n for n in PACKAGE_FILES if (folder / n).is_file()), None)
        if package_file is None:
            continue
        meta = _read_package(package_file)
        key = (meta.name, str(meta.version))
        if key in found:
            raise RegistryRejected(
                f"{package_file}: {meta.name} {meta.version} is also defined in {found[key][0]}"
            )
        found[key] = (package_file, meta)
    packages: dict[str, dict[str, object]] = {}
    for (name, version), (_, meta) in sorted(
        found.items(), key=lambda item: (item[0][0], item[1][1].version)
    ):
        body = canonical_json(metadata_json(meta))
        rel = f"packages/{name}/{version}.json"
        _write(out / rel, body)
        entry = packages.setdefault(name, {"description": "", "versions": {}})
        entry["description"] = meta.description  # sorted ascending: the newest one wins
        versions = entry["versions"]
        assert isinstance(versions, dict)
        versions[version] = {"sha256": sha256_hex(body), "path": rel, "size": len(body)}
    index = {"format": FORMAT, "generated": generated, "packages": packages}
    index_path = out / "index.json"
    _write(index_path, canonical_json(index))
    return BuildResult(index_path, len(packages), len(found))
