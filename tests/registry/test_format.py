"""The static registry format: build from package folders, parse, reject bad payloads."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pytest

from server.registry.errors import RegistryRejected
from server.registry.index import build_registry
from server.registry.model import canonical_json, metadata_json, parse_index, parse_metadata
from tests.registry.conftest import PACKAGES, write_packages

if TYPE_CHECKING:
    from pathlib import Path


def test_build_writes_index_with_hashes_of_exact_bytes(tmp_path: Path) -> None:
    """Every version's sha256 in the index is that of its metadata file's bytes."""
    write_packages(tmp_path, PACKAGES)
    result = build_registry(tmp_path)
    assert (result.packages, result.versions) == (2, 5)
    index = parse_index(result.index_path.read_bytes(), "index")
    assert index.names() == ("mathlib", "strings")
    for entry in index.packages:
        for v in entry.versions:
            body = (tmp_path / v.path).read_bytes()
            assert hashlib.sha256(body).hexdigest() == v.sha256 and len(body) == v.size
            meta = parse_metadata(body, v.path)
            assert (meta.name, meta.version) == (entry.name, v.version)
            assert meta.integrity.startswith("sha256-")
    mathlib = index.get("mathlib")
    assert mathlib is not None and str(mathlib.latest().version) == "2.0.0"  # type: ignore[union-attr]


def test_build_is_deterministic(tmp_path: Path) -> None:
    """Building twice gives identical bytes."""
    write_packages(tmp_path / "src", PACKAGES)
    build_registry(tmp_path / "src", tmp_path / "a")
    build_registry(tmp_path / "src", tmp_path / "b")
    assert (tmp_path / "a/index.json").read_bytes() == (tmp_path / "b/index.json").read_bytes()


def test_build_accepts_yaml_and_rejects_duplicates(tmp_path: Path) -> None:
    """package.yaml works; the same name and version twice is an error naming both files."""
    (tmp_path / "p1").mkdir()
    (tmp_path / "p1/package.yaml").write_text("name: util\nversion: 1.0.0\n", encoding="utf-8")
    assert build_registry(tmp_path).versions == 1
    (tmp_path / "p2").mkdir()
    (tmp_path / "p2/package.json").write_text('{"name": "util", "version": "1.0.0"}')
    with pytest.raises(RegistryRejected, match="also defined in"):
        build_registry(tmp_path)


def test_metadata_round_trip() -> None:
    """metadata_json and parse_metadata are inverse; upstream's field names are used."""
    raw = {
        "name": "m",
        "version": "1.0.0",
        "description": "d",
        "author": "a",
        "license": "MIT",
        "dependencies": {"x": "^1.0.0"},
        "devDependencies": {"t": "~0.1.0"},
        "integrity": "sha256-00",
        "published": None,
        "exports": {
            "functions": [
                {
                    "name": "f",
                    "parameters": [{"name": "a", "type": "T", "doc": ""}],
                    "returns": "R",
                    "doc": "does f",
                }
            ],
            "types": [{"name": "T", "doc": ""}],
            "constants": [{"name": "C", "type": "T", "value": "1", "doc": ""}],
        },
    }
    meta = parse_metadata(canonical_json(raw), "m")
    assert meta.exports.names() == ("f", "T", "C")
    assert meta.function("f").returns == "R"  # type: ignore[union-attr]
    assert json.loads(canonical_json(metadata_json(meta))) == raw


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "expected an object"),
        (b'{"format": 2}', "index.format"),
        (b'{"format": 1, "packages": {"a": {"versions": {"1.0": {}}}}}', "invalid version"),
        (
            b'{"format": 1, "packages": {"a": {"versions": {"1.0.0": {"sha256": "x"}}}}}',
            "64 lowercase hex",
        ),
        (
            b'{"format": 1, "packages": {"a": {"versions": {"1.0.0": {"sha256": "'
            + b"a" * 64
            + b'", "path": "../../etc/passwd"}}}}}',
            "relative path",
        ),
    ],
)
def test_bad_index_is_rejected_with_the_key(body: bytes, message: str) -> None:
    """A bad index is a permanent error naming what is wrong."""
    with pytest.raises(RegistryRejected, match=message):
        parse_index(body, "index of 'main'")


def test_bad_metadata_names_the_field() -> None:
    """A wrong type in the metadata is reported with its key."""
    with pytest.raises(RegistryRejected, match=r"metadata.dependencies.x"):
        parse_metadata(b'{"name": "m", "version": "1.0.0", "dependencies": {"x": 1}}', "m")
