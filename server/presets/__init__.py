"""Our own language presets, one YAML config per preset (`preset:NAME` in `parsercraft.toml`).

Each file is written for parsercraft-ls in the short config form plus our extensions
(`blocks`, `returns`); none is a copy of an upstream config. `server.languages` loads them.
"""

from __future__ import annotations

__all__: list[str] = []
