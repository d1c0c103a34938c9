"""Which language a document is written in, from settings and `parsercraft.toml`.

Settings languages (from `initializationOptions` or the `parsercraft` configuration section)
win over the project file's. A config or project file that stops loading keeps serving the
last good spec for that language, and the error is kept for health and for one showMessage.
Files are re-checked at most every `RECHECK_S` seconds, so edits to configs apply without a
restart.
"""

from __future__ import annotations

import fnmatch
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from server.errors import ParserCraftError

if TYPE_CHECKING:
    from server.engine.spec import LanguageSpec
    from server.project import Project
    from server.settings import LanguageSetting

log = logging.getLogger(__name__)

RECHECK_S = 0.5
"""How long a resolved project or spec is trusted before the files are checked again."""


@attrs.frozen
class Resolved:
    """The language of one document."""

    name: str
    spec: LanguageSpec
    indent_width: int


class Catalog:
    """Resolves document paths to language specs; keeps the last good spec on errors."""

    def __init__(self, root: Path | None, languages: tuple[LanguageSetting, ...] = ()) -> None:
        self.root = root
        self.languages = languages
        self.indent_width = 4
        self.errors: dict[str, str] = {}
        self._last_good: dict[str, LanguageSpec] = {}
        self._projects: dict[Path, tuple[float, Project | None]] = {}
        self._good_projects: dict[Path, Project | None] = {}

    def configure(self, languages: tuple[LanguageSetting, ...], indent_width: int) -> None:
        """Replace the settings languages (the project files are re-read lazily)."""
        self.languages = languages
        self.indent_width = indent_width
        self._projects.clear()

    def reload(self) -> None:
        """Re-read every project file at the next resolution (the last good ones are kept).

        Errors are forgotten too: the next resolutions report what is still broken, and a
        language no longer mapped stops being reported.
        """
        self._projects.clear()
        self.errors.clear()

    def resolve(self, path: Path | None) -> Resolved | None:
        """The language of the file at `path`, or None when no mapping covers it."""
        if path is None:
            return None
        for setting in self.languages:
            if _matches(path, setting.extensions, setting.globs, self.root):
                return self._load(setting.name, setting.config, self.root, self.indent_width)
        project = self._project(path.parent)
        if project is None:
            return None
        entry = project.language_for(path)
        if entry is None:
            return None
        return self._load(entry.name, entry.config, project.root, project.indent_width)

    def _project(self, folder: Path) -> Project | None:
        """The project governing `folder`, cached for RECHECK_S seconds."""
        now = time.monotonic()
        cached = self._projects.get(folder)
        if cached is not None and now - cached[0] < RECHECK_S:
            return cached[1]
        from server.project import find_project  # the config loader is not needed at startup

        project: Project | None = None
        try:
            project = find_project(folder)
            self.errors.pop(f"project:{folder}", None)
            self._good_projects[folder] = project
        except ParserCraftError as exc:
            self._error(f"project:{folder}", str(exc))
            project = self._good_projects.get(folder)
        self._projects[folder] = (now, project)
        return project

    def _load(self, name: str, ref: str, base: Path | None, indent: int) -> Resolved | None:
        """The spec of `ref`, or the last good one (and an error) when it no longer loads."""
        from server.languages import PRESET_PREFIX, load_spec

        key = f"language:{name}"
        try:
            spec = load_spec(ref) if ref.startswith(PRESET_PREFIX) else load_spec(ref, base)
        except ParserCraftError as exc:
            self._error(key, str(exc))
            last = self._last_good.get(key)
            return None if last is None else Resolved(name, last, indent)
        self.errors.pop(key, None)
        self._last_good[key] = spec
        return Resolved(name, spec, indent)

    def _error(self, key: str, message: str) -> None:
        """Remember an error (logged once per distinct message)."""
        if self.errors.get(key) != message:
            log.warning("%s", message)
        self.errors[key] = message


def _matches(
    path: Path, extensions: tuple[str, ...], globs: tuple[str, ...], root: Path | None
) -> bool:
    """Whether a settings language covers `path` (globs relative to the workspace root)."""
    if globs and root is not None:
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            relative = None
        if relative is not None and any(fnmatch.fnmatchcase(relative, g) for g in globs):
            return True
    name = path.name.lower()
    return any(name.endswith(ext.lower()) for ext in extensions)
