"""`registry build`, `lock`, `lock --check` and the offline CI path, through the CLI functions."""

from __future__ import annotations

import argparse
import io
import json
from typing import TYPE_CHECKING

import pytest

from server.project import load_project
from server.registry import cli, parsers
from server.registry.lock import read_lock
from tests.registry.conftest import PACKAGES, write_packages

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project using a file:// registry, a custom import keyword and [dependencies]."""
    reg = tmp_path / "reg"
    write_packages(reg, PACKAGES)
    assert cli.build(str(reg), None, io.StringIO()) == 0
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "lang.yaml").write_text("name: P\nkeywords:\n  import: USES\n", encoding="utf-8")
    (root / "parsercraft.toml").write_text(
        f"""
[[language]]
name = "P"
config = "lang.yaml"
extensions = [".p"]

[dependencies]
mathlib = "^1.0.0"

[[registry]]
name = "local"
url = "{reg.as_uri()}"

[registry_cache]
dir = "{tmp_path / "cache"}"
""",
        encoding="utf-8",
    )
    (root / "src/main.p").write_text('USES strings VERSION "~0.2.0"\nUSES util\n', "utf-8")
    (root / "src/util.p").write_text("USES mathlib\n", encoding="utf-8")
    return root


def run(*argv: str) -> tuple[int, str, str]:
    """Run a registry command through its argparse wiring."""
    parser = argparse.ArgumentParser()
    parsers.add_parsers(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(parser.parse_args(argv), out, err)
    assert code is not None
    return code, out.getvalue(), err.getvalue()


def test_lock_writes_pins_with_hashes(project: Path) -> None:
    """lock resolves imports and [dependencies] (with transitive ones) to exact versions."""
    code, out, err = run("lock", str(project))
    assert code == 0, err
    lock = read_lock(project / "parsercraft.lock")
    assert {p.name: str(p.version) for p in lock.packages} == {
        "mathlib": "1.2.0",
        "strings": "0.2.0",
    }
    assert all(len(p.sha256) == 64 and p.registry == "local" for p in lock.packages)
    assert "locked 2 package(s)" in out
    text = (project / "parsercraft.lock").read_text()
    assert json.loads(text)["version"] == "1.0"
    run("lock", str(project))
    assert (project / "parsercraft.lock").read_text() == text  # stable


def test_lock_check_offline_in_ci(project: Path) -> None:
    """After `lock`, `lock --check --offline` and import_reports work from lock and cache."""
    assert run("lock", str(project))[0] == 0
    (project / "parsercraft.toml").write_text(
        (project / "parsercraft.toml").read_text().replace("file://", "file:///gone"), "utf-8"
    )
    code, out, err = run("lock", str(project), "--check", "--offline")
    assert code == 0, err
    assert "up to date (2 package(s) verified)" in out
    reports = cli.import_reports(load_project(project / "parsercraft.toml"), offline=True)
    packages = {r.resolved.statement.name: r.resolved for r in reports}
    assert packages["strings"].kind == "package" and packages["util"].kind == "module"
    assert packages["mathlib"].problem is None


def test_lock_check_finds_out_of_date_lock(project: Path) -> None:
    """A constraint the lock no longer meets is reported and exits 1."""
    assert run("lock", str(project))[0] == 0
    (project / "src/main.p").write_text('USES strings VERSION "~0.1.0"\n', "utf-8")
    code, _, err = run("lock", str(project), "--check")
    assert code == cli.EXIT_FINDINGS
    assert "strings 0.2.0 does not satisfy ~0.1.0 (src/main.p:1)" in err


def test_conflict_and_unknown_package(project: Path) -> None:
    """A conflict lists every constraint and who placed it; an unknown package is named."""
    (project / "src/main.p").write_text(
        'USES strings VERSION "~0.2.0"\nUSES mathlib VERSION "^2.0.0"\n', "utf-8"
    )
    code, _, err = run("lock", str(project))
    assert code == cli.EXIT_FINDINGS
    assert "conflict: no version of 'mathlib' satisfies" in err
    assert "^1.0.0 (from parsercraft.toml)" in err and "^2.0.0 (from src/main.p:2)" in err
    (project / "src/main.p").write_text("USES ghost\n", "utf-8")
    code, _, err = run("lock", str(project))
    assert code == cli.EXIT_FINDINGS and "unknown package 'ghost'" in err


def test_upstream_lock_is_read(tmp_path: Path) -> None:
    """Upstream's JSON lock (no sha256, a timestamp) reads as pins without hashes."""
    path = tmp_path / "parsercraft.lock"
    path.write_text(
        json.dumps(
            {
                "version": "1.0",
                "timestamp": "2026-01-01T10:00:00",
                "packages": {
                    "mathlib": {
                        "name": "mathlib",
                        "version": "1.2.0",
                        "description": "",
                        "author": "",
                        "license": "MIT",
                        "dependencies": {},
                        "devDependencies": {},
                        "path": None,
                        "published": None,
                        "integrity": "",
                    }
                },
            }
        )
    )
    lock = read_lock(path)
    pin = lock.get("mathlib")
    assert pin is not None and str(pin.version) == "1.2.0" and pin.sha256 == ""


def test_offline_without_cache_is_unavailable(project: Path) -> None:
    """lock --offline with an empty cache exits 3 with a clear message."""
    code, _, err = run("lock", str(project), "--offline")
    assert code == cli.EXIT_UNAVAILABLE
    assert "offline" in err and "not cached" in err
