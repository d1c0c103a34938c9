"""Comment markers, string delimiters and the statement terminator (PARSERCRAFT.md 3.12)."""

from __future__ import annotations

from server.engine.section import Section

__all__ = ["comments", "strings", "terminator"]


def comments(
    root: Section, so: Section | None, parsing: Section | None, syntax: Section | None
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(line comment prefixes, block comment pairs) by the section 3.12 table."""
    line: list[str] = []
    for section, key in ((so, "single_line_comment"), (parsing, "comment_style"),
                         (syntax, "line_comment"), (root, "comments")):  # fmt: skip
        words = [w for w in (section.words(key) or []) if w.strip()] if section else []
        if words:
            line = words
            break
    alt = parsing.text("alt_comment_prefix") if parsing is not None else None
    if alt and alt.strip() and alt not in line:
        line.append(alt)
    blocks: list[tuple[str, str]] = []
    for section, start, end in (
        (so, "multi_line_comment_start", "multi_line_comment_end"),
        (parsing, "multiline_comment_start", "multiline_comment_end"),
        (syntax, "block_comment_start", "block_comment_end"),
    ):
        if section is None:
            continue
        first, last = section.text(start), section.text(end)
        if first and last and first.strip() and last.strip():
            blocks.append((first, last))
            break
    return tuple(line), tuple(blocks)


def strings(root: Section, pc: Section | None, parsing: Section | None) -> tuple[str, ...]:
    """String delimiters: `parsing_config`, `parsing`, top-level (X), else `"` and `'`."""
    for section in (pc, parsing, root):
        words = section.words("string_delimiters") if section is not None else None
        if words is not None:
            return tuple(dict.fromkeys(w for w in words if w.strip()))
    return ('"', "'")


def terminator(
    so: Section | None,
    pc: Section | None,
    parsing: Section | None,
    syntax: Section | None,
    taken: set[str],
) -> str | None:
    """The statement separator (None = newline) by the section 3.12 table."""
    places: list[tuple[Section | None, str]] = [
        (syntax, "statement_separator"),
        (parsing, "statement_separator"),
        (pc, "statement_separator"),
    ]
    if so is not None and so.flag("require_semicolons"):
        places.append((so, "statement_terminator"))
    for section, key in places:
        value = section.text(key) if section is not None else None
        if value and value.strip() and value not in taken:
            return value
    return None
