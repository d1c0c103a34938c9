"""`parsercraft-ls check --offline`: imports resolve from parsercraft.lock and the cache only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.__main__ import main
from server.project import load_project
from server.registry.cli import import_reports
from server.registry.httpd import RegistryServer
from server.registry.index import build_registry
from tests.registry.conftest import PACKAGES, write_packages

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TOML = """\
[[language]]
name = "python-like"
config = "preset:python_like"
extensions = [".pyl"]

[dependencies]
mathlib = "^1.0.0"

[[registry]]
name = "main"
url = "{url}"
deadline_s = 2.0

[registry_cache]
dir = "{cache}"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project locked against a registry served on 127.0.0.1, which is then stopped."""
    registry = tmp_path / "registry"
    write_packages(registry, PACKAGES)
    build_registry(registry)
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.pyl").write_text(
        'import mathlib\nimport strings version "~0.2.0"\n\nprint(mathlib.hypot(3, 4))\n',
        encoding="utf-8",
    )
    with RegistryServer(registry) as server:
        (root / "parsercraft.toml").write_text(
            TOML.format(url=server.url, cache=(tmp_path / "cache").as_posix()), encoding="utf-8"
        )
        assert main(["lock", str(root)]) == 0
    return root


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `check` and return its exit code and stdout."""
    capsys.readouterr()
    code = main(["check", *argv])
    return code, capsys.readouterr().out


def test_offline_check_passes_from_lock_and_cache(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the registry gone, every locked import resolves from the cache: exit 0, no info."""
    code, out = check(capsys, "--offline", str(project / "src"))
    assert code == 0, out
    assert "0 error(s), 0 warning(s), 0 info" in out


def test_offline_check_reports_unknown_package(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An import of a package no registry lists is an error (exit 1) on its import line."""
    (project / "src" / "extra.pyl").write_text("import nosuchpkg\n", encoding="utf-8")
    code, out = check(capsys, "--offline", str(project / "src"))
    assert code == 1
    assert "extra.pyl:1:8: error unknown-package" in out
    assert "main.pyl" not in out


def test_offline_check_reports_unknown_export(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`import {a} from pkg` naming something the locked version does not export is an error."""
    (project / "src" / "names.pyl").write_text("import {nope} from mathlib\n", encoding="utf-8")
    code, out = check(capsys, "--offline", "--output-format", "json", str(project / "src"))
    assert code == 1
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(out)["files"]}
    codes = [d["code"] for d in files["names.pyl"]["diagnostics"]]
    assert codes == ["unknown-export"]


def test_offline_check_reports_a_wrong_hash_in_the_lock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lock pin whose sha256 differs from the registry's is reported on parsercraft.lock."""
    lock_path = project / "parsercraft.lock"
    data = json.loads(lock_path.read_text(encoding="utf-8"))
    data["packages"]["mathlib"]["sha256"] = "0" * 64
    lock_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    code, out = check(capsys, "--offline", str(project / "src"))
    assert code == 1
    assert "parsercraft.lock" in out
    assert "error lock-mismatch mathlib 1.2.0" in out


def test_check_without_registries_ignores_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project without [[registry]] or [dependencies] gets no import diagnostics."""
    (tmp_path / "parsercraft.toml").write_text(
        '[[language]]\nname = "p"\nconfig = "preset:python_like"\nextensions = [".pyl"]\n',
        encoding="utf-8",
    )
    (tmp_path / "a.pyl").write_text("import os\n", encoding="utf-8")
    code, out = check(capsys, "--offline", str(tmp_path / "a.pyl"))
    assert code == 0
    assert "0 error(s), 0 warning(s), 0 info" in out


def test_example_registry_is_built_and_up_to_date(tmp_path: Path) -> None:
    """examples/registry holds the output of `registry build` for its package folders."""
    build_registry(EXAMPLES / "registry", tmp_path)
    committed = EXAMPLES / "registry"
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert built, "registry build wrote nothing"
    for relative in built:
        assert (committed / relative).read_bytes() == (tmp_path / relative).read_bytes(), (
            f"examples/registry/{relative} is out of date: run "
            "`parsercraft-ls registry build examples/registry`"
        )


def test_example_program_imports_resolve_offline_from_a_fresh_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every import in the examples names a package of examples/registry; with an empty cache
    and no network none of them is an error (an uncached package is only information)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reports = import_reports(load_project(EXAMPLES / "parsercraft.toml"), offline=True)
    assert {r.resolved.statement.name for r in reports} == {"mathlib", "strings"}
    severities = {r.resolved.problem.severity for r in reports if r.resolved.problem}
    assert severities <= {"information"}
