"""Find and load language specs: config files on disk and our packaged presets.

A reference is a file path (relative to `base_dir` when given) or `preset:NAME`. Files are
read as UTF-8 (a leading BOM is dropped) and parsed by `server.engine.config`; results are
cached by (resolved path, mtime_ns, size), so an edited file is reloaded and an unchanged
one is not. Every failure is a `LanguageSpecError`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cache
from importlib import resources
from pathlib import Path

from server.engine.config import load_config_text
from server.engine.spec import LanguageSpec
from server.errors import LanguageSpecError

__all__ = ["PRESET_PREFIX", "load_spec", "preset_names"]

PRESET_PREFIX = "preset:"
"""The prefix that names a packaged preset instead of a file."""

_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, int, int], LanguageSpec] = OrderedDict()
_lock = threading.Lock()


@cache
def preset_names() -> tuple[str, ...]:
    """The names of the packaged presets, sorted."""
    folder = resources.files("server.presets")
    return tuple(
        sorted(
            item.name.removesuffix(".yaml")
            for item in folder.iterdir()
            if item.name.endswith(".yaml")
        )
    )


@cache
def _load_preset(name: str) -> LanguageSpec:
    """Load one packaged preset (cached for the life of the process)."""
    ref = f"{PRESET_PREFIX}{name}"
    if name not in preset_names():
        available = ", ".join(preset_names())
        raise LanguageSpecError(ref, f"unknown preset '{name}'; available presets: {available}")
    text = resources.files("server.presets").joinpath(f"{name}.yaml").read_text("utf-8")
    return load_config_text(text, ref, kind="yaml")


def _read_text(path: Path) -> str:
    """The file's text as UTF-8, or a LanguageSpecError saying why it cannot be read."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise LanguageSpecError(str(path), "is a directory, not a config file") from exc
    except OSError as exc:
        raise LanguageSpecError(
            str(path), f"cannot read config: {exc.strerror or exc.__class__.__name__}"
        ) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LanguageSpecError(
            str(path),
            f"not a UTF-8 text file (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})",
        ) from exc
    if "\x00" in text:
        raise LanguageSpecError(str(path), "looks like a binary file (contains NUL bytes)")
    return text


def load_spec(ref: str, base_dir: Path | None = None) -> LanguageSpec:
    """The spec for a config path or `preset:NAME`; raises only LanguageSpecError."""
    if ref.startswith(PRESET_PREFIX):
        return _load_preset(ref.removeprefix(PRESET_PREFIX))
    path = Path(ref)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    try:
        stat = path.stat()
        resolved = str(path.resolve())
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else str(exc.strerror)
        raise LanguageSpecError(str(path), f"cannot read config: {reason}") from exc
    key = (resolved, stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    spec = load_config_text(_read_text(path), str(path))
    with _lock:
        _cache[key] = spec
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return spec
