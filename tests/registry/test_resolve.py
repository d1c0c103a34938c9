"""Import scanning and resolution: workspace modules first, cycles, packages from the cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from server.languages import load_spec
from server.registry.resolve import ImportSyntax, Resolver, module_exports, scan_imports

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from server.registry.client import RegistryClient

PY = ImportSyntax()
PASCAL = ImportSyntax(
    keywords=("USES",),
    from_word="FROM",
    as_word="AS",
    comment_prefixes=("//",),
    case_sensitive=False,
)


@pytest.mark.parametrize(
    ("line", "syntax", "expected"),
    [
        ("import m", PY, ("m", None, (), None)),
        ("import m as a", PY, ("m", "a", (), None)),
        ("import {a, b} from m", PY, ("m", None, ("a", "b"), None)),
        ('import m version "^1.0.0"', PY, ("m", None, (), "^1.0.0")),
        ("import m version '>=1.2.0 <2.0.0' as z", PY, ("m", "z", (), ">=1.2.0 <2.0.0")),
        ("  import mathlib;", PY, ("mathlib", None, (), None)),
        ('USES mathlib VERSION "~1.2.0"', PASCAL, ("mathlib", None, (), "~1.2.0")),
        ("uses {Sqrt} from mathlib", PASCAL, ("mathlib", None, ("Sqrt",), None)),
    ],
)
def test_scan_forms(line: str, syntax: ImportSyntax, expected: tuple[object, ...]) -> None:
    """Upstream's four forms, with the language's own keyword."""
    (found,) = scan_imports(line, syntax)
    assert (found.name, found.alias, found.names, found.constraint) == expected
    assert line[found.start : found.end] == found.name


def test_scan_skips_comments_and_other_keywords() -> None:
    """Comment lines and a foreign `import` word are not imports."""
    text = "# import hidden\nimport shown\nimportant = 1\n"
    assert [s.name for s in scan_imports(text, PY)] == ["shown"]
    assert scan_imports("import m\n// USES x\n", PASCAL) == ()


def test_syntax_from_spec(tmp_path: Path) -> None:
    """ImportSyntax follows the config's custom import keyword."""
    cfg = tmp_path / "lang.yaml"
    cfg.write_text("name: P\nkeywords:\n  import: USES\n  from: FROM\n", encoding="utf-8")
    syntax = ImportSyntax.from_spec(load_spec(str(cfg)))
    assert syntax.keywords == ("USES",) and syntax.from_word == "FROM"


def test_module_exports() -> None:
    """Upstream's export lines."""
    text = "export function area(r)\nexport const PI = 3\nexport variable n\nexport class Shape\n"
    assert module_exports(text) == ("area", "PI", "n", "Shape")


def test_workspace_module_wins_and_cycles_are_reported(tmp_path: Path) -> None:
    """A file named like the import is a module, found before any package; cycles warn."""
    (tmp_path / "modules").mkdir()
    (tmp_path / "a.lang").write_text("import b\nimport mathlib\n", encoding="utf-8")
    (tmp_path / "modules/b.lang").write_text("import a\nexport function f()\n", encoding="utf-8")
    resolver = Resolver(tmp_path, dependencies={"mathlib": "^1.0.0"})
    b, mathlib = resolver.resolve(tmp_path / "a.lang", "import b\nimport mathlib\n", PY)
    assert b.kind == "module" and b.path == tmp_path / "modules/b.lang"
    assert b.problem is not None and b.problem.code == "circular-import"
    assert "a.lang -> b.lang -> a.lang" in b.problem.message
    assert mathlib.kind == "unresolved" and mathlib.constraint == "^1.0.0"
    assert mathlib.constraint_source == "dependencies"
    (missing,) = resolver.resolve(tmp_path / "c.lang", "import {g} from b\n", PY)
    assert missing.problem is not None and missing.problem.code == "unknown-export"


async def test_packages_from_cache_only(
    make_client: Callable[..., RegistryClient], tmp_path: Path
) -> None:
    """resolve() uses only the cache: uncached is information-level, cached is resolved."""
    client = make_client()
    resolver = Resolver(tmp_path, client=client, dependencies={"strings": "~0.1.0"})
    text = 'import {hypot, nope} from mathlib version "^1.0.0"\nimport strings\nimport zzz\n'
    first = resolver.resolve(tmp_path / "x.lang", text, PY)
    assert [r.problem.code for r in first if r.problem] == ["registry-unavailable"] * 3
    assert all(r.problem.severity == "information" for r in first if r.problem)
    fetched = await resolver.resolve_fetching(tmp_path / "x.lang", text, PY)
    mathlib, strings, zzz = fetched
    assert str(mathlib.package.metadata.version) == "1.2.0"  # type: ignore[union-attr]
    assert mathlib.problem is not None and "does not export nope" in mathlib.problem.message
    assert str(strings.package.metadata.version) == "0.1.0"  # type: ignore[union-attr]
    assert zzz.problem is not None and zzz.problem.code == "unknown-package"
    again = resolver.resolve(tmp_path / "x.lang", text, PY)
    assert again[0].kind == "package" and not again[0].is_stale
    assert again[2].problem is not None and again[2].problem.code == "unknown-package"
    (bad,) = resolver.resolve(tmp_path / "x.lang", 'import mathlib version "^9.0.0"', PY)
    assert bad.problem is not None and bad.problem.code == "unsatisfiable"
    (worse,) = resolver.resolve(tmp_path / "x.lang", 'import mathlib version "^1"', PY)
    assert worse.problem is not None and worse.problem.code == "invalid-constraint"
