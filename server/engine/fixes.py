"""Quick fixes for the engine's diagnostics, and keyword spelling fixes.

- PC140 undefined name: "Change to 'X'" for up to three close names (visible symbols,
  builtins, keywords; a difference in case only comes first).
- PC100 unclosed block: insert the expected closer on a new line where the region ends.
- PC102 mismatched closer: "Change to 'X'", the closer the open block expects (not preferred).
- PC001 unterminated string: insert the closing delimiter at the end of the string.
- PC002 unterminated block comment: insert the end marker at the end of the comment.
- No diagnostic: in a case-insensitive language, a keyword or builtin written in another case
  than the spec's: "Write 'BEGIN' as the language spells it".

Other codes (PC120 arity, PC130 types, ...) have no automatic fix.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

import attrs

from server.engine.query import token_count_before, visible_definitions
from server.engine.tokens import TRIVIA, TokenKind

if TYPE_CHECKING:
    from server.engine.analysis import Analysis
    from server.engine.diagnostic import Diagnostic

__all__ = ["Edit", "Fix", "quick_fixes"]

_EXPECTED = re.compile(r"expected '([^']+)'")
_MAX_SUGGESTIONS = 3


@attrs.frozen
class Edit:
    """Replace the code points `[start, end)` with `new_text`."""

    start: int
    end: int
    new_text: str


@attrs.frozen
class Fix:
    """A code action: its edits and the diagnostic it fixes (None for a spelling fix)."""

    title: str
    diagnostic_code: str | None
    edits: tuple[Edit, ...]
    is_preferred: bool
    diagnostic: Diagnostic | None = None


def _overlaps(a_start: int, a_end: int, start: int, end: int) -> bool:
    """Whether span `[a_start, a_end)` meets the request range (a cursor touches its ends)."""
    if start == end or a_start == a_end:
        return a_start <= end and start <= a_end
    return a_start < end and start < a_end


def _newline(text: str) -> str:
    """The document's line break."""
    return "\r\n" if "\r\n" in text else "\n"


def _suggestions(word: str, names: list[str]) -> list[str]:
    """Up to three names close to `word`: case-only differences first, then difflib's best."""
    by_key: dict[str, list[str]] = {}
    for name in names:
        if name != word:
            spellings = by_key.setdefault(name.casefold(), [])
            if name not in spellings:
                spellings.append(name)
    key = word.casefold()
    out = list(by_key.get(key, ()))
    for match in difflib.get_close_matches(key, list(by_key), n=_MAX_SUGGESTIONS, cutoff=0.6):
        out += [n for n in by_key[match] if n not in out]
    return out[:_MAX_SUGGESTIONS]


def _undefined(analysis: Analysis, d: Diagnostic) -> list[Fix]:
    """PC140: change an undefined name to a close defined one."""
    if "line number" in d.message:
        return []
    word = analysis.text[d.start : d.end]
    spec = analysis.spec
    defs = analysis.symbols.definitions
    names = [defs[i].name for i, _ in visible_definitions(analysis, d.start)]
    names += [fn.name for fn in spec.builtins] + [kw.custom for kw in spec.keywords]
    return [
        Fix(f"Change to '{name}'", d.code, (Edit(d.start, d.end, name),), n == 0, d)
        for n, name in enumerate(_suggestions(word, [n for n in names if n.strip()]))
    ]


def _unclosed(analysis: Analysis, d: Diagnostic) -> list[Fix]:
    """PC100: insert the expected closer where the unclosed block's region ends."""
    match = _EXPECTED.search(d.message)
    if match is None:
        return []
    closer = match.group(1)
    text = analysis.text
    nl = _newline(text)
    line_start = text.rfind("\n", 0, d.start) + 1
    head = text[line_start : d.start]
    indent = head[: len(head) - len(head.lstrip(" \t"))]
    outer: tuple[int, int] | None = None  # (open_start, close_start) of the innermost
    for block in analysis.blocks.blocks:
        if (
            block.kind != "bracket"
            and block.open_start < d.start
            and block.close_start is not None
            and block.close_start > d.start
            and (outer is None or block.open_start > outer[0])
        ):
            outer = (block.open_start, block.close_start)
    if analysis.spec.blocks.style == "sexpr":
        # `)` goes right after the last code token (not into a trailing line comment)
        code = [t for t in analysis.tokens if t.kind not in TRIVIA]
        at = code[-1].end if code else len(text)
        return [Fix(f"Insert '{closer}'", d.code, (Edit(at, at, closer),), True, d)]
    if outer is not None:
        at = outer[1]
        closer_line = text.rfind("\n", 0, at) + 1
        if text[closer_line:at].strip().isdigit() or not text[closer_line:at].strip():
            edit = Edit(closer_line, closer_line, f"{indent}{closer}{nl}")
        else:
            edit = Edit(at, at, f"{closer} ")
    elif not text or text.endswith("\n"):
        edit = Edit(len(text), len(text), f"{indent}{closer}{nl}")
    else:
        edit = Edit(len(text), len(text), f"{nl}{indent}{closer}")
    return [Fix(f"Insert '{closer}'", d.code, (edit,), True, d)]


def _mismatched(d: Diagnostic) -> list[Fix]:
    """PC102: replace the closer with the one the innermost open block expects."""
    match = _EXPECTED.search(d.message)
    if match is None:
        return []
    expected = match.group(1)
    return [Fix(f"Change to '{expected}'", d.code, (Edit(d.start, d.end, expected),), False, d)]


def _unterminated(analysis: Analysis, d: Diagnostic) -> list[Fix]:
    """PC001/PC002: append the missing closing delimiter or end marker."""
    tokens = analysis.tokens
    i = token_count_before(tokens, d.start)
    if i >= len(tokens) or tokens[i].start != d.start:
        return []
    tok = tokens[i]
    spec = analysis.spec
    if d.code == "PC001":
        delims = [s for s in spec.string_delimiters if s and tok.text.startswith(s)]
        closing = max(delims, key=len) if delims else ""
    else:
        ends = [e for s, e in spec.block_comments if s and tok.text.startswith(s)]
        closing = f" {ends[0]}" if ends else ""
    if not closing.strip():
        return []
    title = f"Close the string with {closing}" if d.code == "PC001" else f"Insert '{closing[1:]}'"
    return [Fix(title, d.code, (Edit(tok.end, tok.end, closing),), True, d)]


def _spelling(analysis: Analysis, start: int, end: int) -> list[Fix]:
    """Keywords and builtins written in another case than the spec spells them."""
    spec = analysis.spec
    if spec.case_sensitive:
        return []
    tokens = analysis.tokens
    out: list[Fix] = []
    i = max(token_count_before(tokens, start) - 1, 0)
    while i < len(tokens) and tokens[i].start <= end:
        tok = tokens[i]
        i += 1
        if not _overlaps(tok.start, tok.end, start, end):
            continue
        key = spec.fold(tok.text)
        if tok.kind is TokenKind.KEYWORD:
            spellings = {kw.custom for kw in spec.keywords_by_custom.get(key, ())}
        elif tok.kind is TokenKind.BUILTIN:
            spellings = {fn.name for fn in spec.builtins_by_name.get(key, ())}
        else:
            continue
        if len(spellings) == 1 and tok.text not in spellings:
            (right,) = spellings
            title = f"Write '{right}' as the language spells it"
            out.append(Fix(title, None, (Edit(tok.start, tok.end, right),), False))
    return out


def quick_fixes(analysis: Analysis, start: int, end: int) -> tuple[Fix, ...]:
    """Fixes for the diagnostics overlapping `[start, end)`, then spelling fixes; never raises."""
    size = len(analysis.text)
    start = max(0, min(start, size))
    end = max(start, min(end, size))
    out: list[Fix] = []
    for d in analysis.diagnostics:
        if d.start > end:
            break  # diagnostics are sorted by position
        if not _overlaps(d.start, d.end, start, end):
            continue
        if d.code == "PC140":
            out += _undefined(analysis, d)
        elif d.code == "PC100":
            out += _unclosed(analysis, d)
        elif d.code == "PC102":
            out += _mismatched(d)
        elif d.code in ("PC001", "PC002"):
            out += _unterminated(analysis, d)
    out += _spelling(analysis, start, end)
    return tuple(out)
