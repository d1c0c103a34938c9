"""Import rules of STYLE.md section 1, checked on the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Top-level module names a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(package: str) -> list[Path]:
    """Every Python file of a package directory (or the one file named)."""
    target = ROOT / package
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


FORBIDDEN = {
    "server/engine": (
        "server.lsp",
        "server.registry",
        "resilience",
        "pygls",
        "lsprotocol",
        "asyncio",
        "server.languages",
        "server.project",
        "server.headless",
    ),
    "resilience": ("server", "pygls", "lsprotocol", "httpx"),
    # Worker-side modules: a worker process never pays for lsprotocol, pygls or resilience.
    "server/lsp/jobs.py": ("pygls", "lsprotocol", "resilience", "server.lsp.server"),
    "server/lsp/answers.py": ("pygls", "lsprotocol", "resilience", "server.lsp.server"),
    "server/lsp/convert.py": ("pygls", "lsprotocol", "resilience", "server.lsp.server"),
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_forbidden_imports(package: str) -> None:
    """Engine code stays pure, resilience never imports the server, workers stay lean."""
    offenders = []
    for path in files(package):
        for module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


@pytest.mark.parametrize("package", ["server", "resilience"])
def test_every_module_starts_with_future_annotations(package: str) -> None:
    """Every non-empty module enables postponed annotations (STYLE.md section 6)."""
    missing = []
    for path in files(package):
        text = path.read_text(encoding="utf-8")
        if text.strip() and "from __future__ import annotations" not in text:
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def test_resilience_all_is_sorted_and_complete() -> None:
    """resilience.__all__ is sorted (isort-style, as ruff's RUF022) and complete."""
    import resilience

    exported = list(resilience.__all__)
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    public = {n for n in vars(resilience) if not n.startswith("_") and n != "annotations"}
    modules = {n for n in public if type(getattr(resilience, n)).__name__ == "module"}
    assert set(exported) == public - modules


def test_no_print_in_server_code() -> None:
    """Server code never calls print(): stdout carries the protocol."""
    offenders = []
    for package in ("server", "resilience"):
        for path in files(package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "print"
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
