"""The package surface: a sorted, complete `__all__`, and no import of the server."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import resilience

PACKAGE = Path(resilience.__file__).parent


def test_all_is_sorted_and_complete() -> None:
    """`resilience.__all__` is sorted and names every public item of every module's `__all__`."""
    assert resilience.__all__ == sorted(resilience.__all__, key=lambda n: (not n.isupper(), n))
    exported: set[str] = set()
    for module in pkgutil.iter_modules([str(PACKAGE)]):
        exported |= set(
            getattr(importlib.import_module(f"resilience.{module.name}"), "__all__", [])
        )
    missing = exported - set(resilience.__all__)
    assert not missing, f"not re-exported: {sorted(missing)}"
    for name in resilience.__all__:
        assert hasattr(resilience, name), name


def test_imports_only_stdlib_tenacity_and_attrs() -> None:
    """No module imports `server` or any third-party package but tenacity and attrs."""
    allowed_third_party = {"tenacity", "attrs"}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            for root in roots:
                assert root != "server", f"{path.name} imports server"
                if root not in allowed_third_party and root != "resilience":
                    spec = importlib.util.find_spec(root)
                    assert spec is not None and "site-packages" not in str(spec.origin), (
                        f"{path.name} imports {root}"
                    )


def test_only_policy_catches_exception() -> None:
    """`except Exception` appears only in resilience/policy.py."""
    for path in PACKAGE.glob("*.py"):
        if path.name != "policy.py":
            assert "except Exception" not in path.read_text(encoding="utf-8"), path.name
