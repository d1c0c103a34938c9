"""The workspace file `parsercraft.toml`: which language each file of a project is written in.

```toml
[[language]]
name = "Pascal-like"
config = "langs/pascal.yaml"      # relative to this file, or "preset:pascal_like"
extensions = [".pas"]
globs = ["legacy/*.inc"]          # optional; matched against the project-relative path

[format]
indent_width = 2                  # optional, default 4

[dependencies]                    # optional; kept as written
mathlib = "^1.2.0"
```
Globs are tried before extensions; within each, the first `[[language]]` that matches wins.
Unknown keys are warnings; a TOML syntax error or a wrong type is a `ProjectError`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import attrs

from server.engine.spec import ConfigWarning, LanguageSpec
from server.errors import ProjectError
from server.languages import PRESET_PREFIX, load_spec

__all__ = [
    "PROJECT_FILE",
    "FormatOptions",
    "LanguageEntry",
    "Project",
    "find_project",
    "load_project",
]

PROJECT_FILE = "parsercraft.toml"
"""The name of the workspace file."""

_TOP_KEYS = frozenset({"language", "format", "dependencies", "registry", "registry_cache"})
_LANGUAGE_KEYS = frozenset({"name", "config", "extensions", "globs"})
_FORMAT_KEYS = frozenset({"indent_width"})
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@attrs.frozen
class LanguageEntry:
    """One `[[language]]` table: a language, its config reference and the files it covers."""

    name: str
    config: str
    extensions: tuple[str, ...] = ()
    globs: tuple[str, ...] = ()


@attrs.frozen
class FormatOptions:
    """The `[format]` table."""

    indent_width: int = 4
    """Spaces per indentation level used by the formatter."""


@attrs.frozen
class Project:
    """A loaded `parsercraft.toml` and the directory it governs."""

    root: Path
    toml_path: Path
    languages: tuple[LanguageEntry, ...] = ()
    format: FormatOptions = FormatOptions()
    dependencies: tuple[tuple[str, str], ...] = ()
    warnings: tuple[ConfigWarning, ...] = ()

    @property
    def indent_width(self) -> int:
        """The formatter's indentation width (`[format] indent_width`, default 4)."""
        return self.format.indent_width

    def language_for(self, path: Path) -> LanguageEntry | None:
        """The language of a file: first glob match, else first extension match, else None."""
        relative = _relative(path, self.root)
        if relative is not None:
            for entry in self.languages:
                if any(fnmatch.fnmatchcase(relative, glob) for glob in entry.globs):
                    return entry
        name = path.name.lower()
        for entry in self.languages:
            if any(name.endswith(ext.lower()) for ext in entry.extensions):
                return entry
        return None

    def spec_for(self, path: Path) -> LanguageSpec:
        """The spec of a file's language; ProjectError when no language covers the file."""
        entry = self.language_for(path)
        if entry is None:
            raise ProjectError(str(self.toml_path), f"no [[language]] covers {path}")
        if entry.config.startswith(PRESET_PREFIX):
            return load_spec(entry.config)
        return load_spec(entry.config, self.root)


def _relative(path: Path, root: Path) -> str | None:
    """`path` relative to `root` in POSIX form, or None when it lies outside."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            return None


def find_project(path: Path) -> Project | None:
    """The project of the nearest `parsercraft.toml` at or above `path`, or None."""
    start = path.absolute()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        toml_path = candidate / PROJECT_FILE
        if toml_path.is_file():
            return load_project(toml_path)
    return None


@attrs.define
class _Checker:
    """Type checks with messages that name the file and the key."""

    path: str
    warnings: list[ConfigWarning] = attrs.Factory(list)

    def fail(self, reason: str) -> ProjectError:
        return ProjectError(self.path, reason)

    def unknown(self, table: dict[str, object], known: frozenset[str], where: str) -> None:
        for key in table:
            if key not in known:
                key_path = f"{where}.{key}" if where else key
                self.warnings.append(ConfigWarning(self.path, key_path, f"unknown key '{key}'"))

    def text(self, table: dict[str, object], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            got = "nothing" if value is None else repr(value)
            raise self.fail(f"{where}.{key} must be a non-empty string, got {got}")
        return value

    def texts(self, table: dict[str, object], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key} must be a list of strings, got {value!r}")
        return tuple(str(v) for v in value)


def _language(checker: _Checker, table: object, index: int) -> LanguageEntry:
    """One `[[language]]` table, checked."""
    where = f"language[{index}]"
    if not isinstance(table, dict):
        raise checker.fail(f"{where} must be a table, got {table!r}")
    checker.unknown(table, _LANGUAGE_KEYS, where)
    extensions = []
    for ext in checker.texts(table, "extensions", where):
        if not ext.startswith("."):
            checker.warnings.append(
                ConfigWarning(checker.path, f"{where}.extensions", f"'{ext}' read as '.{ext}'")
            )
        extensions.append(ext if ext.startswith(".") else f".{ext}")
    entry = LanguageEntry(
        name=checker.text(table, "name", where),
        config=checker.text(table, "config", where),
        extensions=tuple(extensions),
        globs=checker.texts(table, "globs", where),
    )
    if not entry.extensions and not entry.globs:
        checker.warnings.append(
            ConfigWarning(checker.path, where, "no extensions or globs: it matches no file")
        )
    return entry


def load_project(toml_path: Path) -> Project:
    """Read and check a `parsercraft.toml`; raises only ProjectError."""
    checker = _Checker(str(toml_path))
    try:
        text = toml_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(str(toml_path), f"cannot read project file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        reason = _TOML_LINE.sub("", str(exc)).strip()
        line = int(match.group(1)) if match else None
        raise ProjectError(str(toml_path), f"TOML syntax error: {reason}", line=line) from exc
    checker.unknown(data, _TOP_KEYS, "")
    raw_languages = data.get("language", [])
    if not isinstance(raw_languages, list):
        raise checker.fail("'language' must be an array of tables: write [[language]]")
    languages = tuple(_language(checker, table, i) for i, table in enumerate(raw_languages))
    fmt = data.get("format", {})
    if not isinstance(fmt, dict):
        raise checker.fail(f"'format' must be a table, got {fmt!r}")
    checker.unknown(fmt, _FORMAT_KEYS, "format")
    width = fmt.get("indent_width", 4)
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= 16:
        raise checker.fail(f"format.indent_width must be an integer from 1 to 16, got {width!r}")
    deps = data.get("dependencies", {})
    if not isinstance(deps, dict):
        raise checker.fail(f"'dependencies' must be a table, got {deps!r}")
    for name, constraint in deps.items():
        if not isinstance(constraint, str):
            raise checker.fail(
                f"dependencies.{name} must be a version constraint string, got {constraint!r}"
            )
    return Project(
        root=toml_path.parent.absolute(),
        toml_path=toml_path.absolute(),
        languages=languages,
        format=FormatOptions(indent_width=width),
        dependencies=tuple((str(k), str(v)) for k, v in deps.items()),
        warnings=tuple(checker.warnings),
    )
