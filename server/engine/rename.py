"""Rename of user-defined symbols: where it may start, and the edits or why it is refused.

Only names the program defines can be renamed (not keywords, builtins, literals, comments,
BASIC line numbers or imported modules). A new name must lex as one identifier of the
language, so keywords, builtin names, word operators and malformed names are refused. A
rename is also refused when the new name is already defined in the symbol's scope, when an
inner definition of the new name would capture a use of the symbol, or when the renamed
symbol would hide an outer definition of the new name from one of its uses.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import attrs

from server.engine.fixes import Edit
from server.engine.lex import lex
from server.engine.query import token_count_before
from server.engine.symbols import occurrences_of
from server.engine.tokens import TokenKind

if TYPE_CHECKING:
    from server.engine.analysis import Analysis

__all__ = ["RenameRefusal", "prepare_rename", "rename_edits"]

_NOT_RENAMABLE = frozenset({"label", "import"})


@attrs.frozen
class RenameRefusal:
    """Why a rename cannot be done, in words fit for the user."""

    reason: str


def _occurrence_at(analysis: Analysis, offset: int) -> tuple[int, int, int] | None:
    """(start, end, definition) of the name at `offset` (a cursor just after it counts)."""
    occ = analysis.symbols.occurrences
    i = bisect.bisect_right(occ, (offset, 1 << 62, 1 << 62))
    for j in (i - 1, i - 2):
        if 0 <= j < len(occ):
            start, end, target = occ[j]
            if start <= offset <= end and (j == i - 1 or offset == end):
                return start, end, target
    return None


def prepare_rename(analysis: Analysis, offset: int) -> tuple[int, int, str] | None:
    """(start, end, current name) of the user-defined name at `offset`, else None."""
    offset = max(0, min(offset, len(analysis.text)))
    found = _occurrence_at(analysis, offset)
    if found is None:
        return None
    start, end, target = found
    defs = analysis.symbols.definitions
    if not 0 <= target < len(defs) or defs[target].kind in _NOT_RENAMABLE:
        return None
    tokens = analysis.tokens
    i = token_count_before(tokens, start)
    if i >= len(tokens) or tokens[i].start != start or tokens[i].kind is not TokenKind.IDENT:
        return None
    return start, end, analysis.text[start:end]


def _name_problem(analysis: Analysis, new_name: str) -> str | None:
    """Why `new_name` is not an identifier of the language, or None when it is one."""
    spec = analysis.spec
    tokens = lex(spec, new_name)
    if len(tokens) == 1 and tokens[0].text == new_name:
        kind = tokens[0].kind
        if kind is TokenKind.IDENT:
            return None
        if kind is TokenKind.KEYWORD:
            return f"'{new_name}' is a keyword of {spec.name}"
        if kind is TokenKind.BUILTIN:
            return f"'{new_name}' is a builtin function of {spec.name}"
        if kind is TokenKind.OPERATOR:
            return f"'{new_name}' is an operator of {spec.name}"
    shown = new_name if len(new_name) <= 40 else new_name[:40] + "..."
    return f"'{shown}' is not a valid name in {spec.name}"


def _conflict(analysis: Analysis, target: int, new_name: str) -> str | None:
    """Why renaming definition `target` to `new_name` would change the program's meaning."""
    symbols = analysis.symbols
    defs = symbols.definitions
    fold = analysis.spec.fold
    key = fold(new_name)
    home = defs[target].scope
    line_of = analysis.line_index.line_of
    same_name: dict[int, int] = {}  # definition index -> its scope
    for j, d in enumerate(defs):
        if j == target or symbols.aliases[j] == target or d.kind == "label":
            continue
        if fold(d.name) == key:
            if d.scope == home:
                line = line_of(d.start) + 1
                return f"'{new_name}' is already defined in this scope (line {line})"
            same_name[j] = d.scope
    if not same_name:
        return None
    scopes_with_name = set(same_name.values())

    def parent(scope: int) -> int:
        return defs[scope].scope if 0 <= scope < len(defs) else -1

    uses = [
        (r.scope, t)
        for r, t in zip(symbols.references, symbols.reference_targets, strict=False)
        if t == target or t in same_name
    ]
    uses += [
        (a.scope, t)
        for a, t in zip(analysis.tree.assignments, symbols.assignment_targets, strict=False)
        if t == target or t in same_name
    ]
    for scope, t in uses:
        stop = home if t == target else same_name[t]
        cur, steps = scope, 0
        while cur != stop and cur >= 0 and steps < 1000:
            if t == target and cur in scopes_with_name:
                return f"'{new_name}' defined in an inner scope would capture a use"
            if t != target and cur == home:
                return f"the renamed symbol would hide another '{new_name}' from a use"
            cur, steps = parent(cur), steps + 1
    return None


def rename_edits(
    analysis: Analysis, offset: int, new_name: str
) -> tuple[Edit, ...] | RenameRefusal:
    """Edits renaming every occurrence of the symbol at `offset`, or why that is refused."""
    found = prepare_rename(analysis, offset)
    if found is None:
        return RenameRefusal("only names defined in this program can be renamed")
    start, _, old = found
    problem = _name_problem(analysis, new_name)
    if problem is not None:
        return RenameRefusal(problem)
    if new_name == old:
        return ()
    occurrence = _occurrence_at(analysis, start)
    if occurrence is None:
        return RenameRefusal("only names defined in this program can be renamed")
    target = occurrence[2]
    conflict = _conflict(analysis, target, new_name)
    if conflict is not None:
        return RenameRefusal(conflict)
    return tuple(Edit(s, e, new_name) for s, e in occurrences_of(analysis.symbols, target))
