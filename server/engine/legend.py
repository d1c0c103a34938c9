"""The semantic token legend, in a module of its own so the server can declare it at start-up
without importing the engine."""

from __future__ import annotations

TOKEN_TYPES = (
    "keyword",
    "function",
    "variable",
    "parameter",
    "class",
    "string",
    "number",
    "comment",
    "operator",
    "type",
    "macro",
    "namespace",
    "property",
)
"""The semantic token type legend; a token's type is an index into this tuple."""

TOKEN_MODIFIERS = ("declaration", "defaultLibrary", "readonly")
"""The modifier legend; a token's modifiers are a bit set over this tuple."""
