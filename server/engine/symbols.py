"""Scopes, definitions and name resolution over a parse `Outline`.

Scopes are the file (-1) and every function or class body (its definition index). A name is
looked up in its scope, then the enclosing ones. Implicit declaration: an assignment (or a
loop variable) whose name resolves nowhere defines a variable in its scope, so BASIC `X = 1`,
Python-like `x = 1` and even undeclared Pascal assignments never produce noise. BASIC line
numbers are `label` definitions and GOTO/GOSUB/THEN targets resolve to them.

Duplicates (reported by `check` as PC141) are two definitions of one name in one scope when
both are functions, procedures, classes, parameters, constants, labels or typed declarations;
re-declaring a plain variable (`remember x = ...` twice) is legal in the languages we serve.
"""

from __future__ import annotations

import bisect
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING

import attrs

from server.engine.nodes import Definition, Reference

if TYPE_CHECKING:
    from server.engine.nodes import Outline
    from server.engine.spec import LanguageSpec

_new = tuple.__new__  # builds NamedTuples without the Python-level __new__ frame (hot path)
_STRICT = frozenset({"function", "procedure", "class", "parameter", "constant", "label"})


@attrs.frozen
class Symbols:
    """Definitions (explicit, implicit, labels), resolved uses, unresolved names, duplicates.

    `definitions` extends the outline's definitions (same indexes) with implicit variables and
    line-number labels. `reference_targets[i]` is the definition of `references[i]` (-1 when
    unresolved), `assignment_targets[i]` that of `outline.assignments[i]`.
    `occurrences` are (start, end, definition) of every resolved name, sorted; `target_at`
    maps an occurrence's start to its definition. `aliases[i]` is the first definition when
    definition `i` re-declares a variable of the same scope (-1 otherwise); such a
    re-declaration is an occurrence of the first one.
    """

    definitions: tuple[Definition, ...]
    references: tuple[Reference, ...]
    reference_targets: tuple[int, ...]
    assignment_targets: tuple[int, ...]
    unresolved: tuple[Reference, ...]
    unresolved_labels: tuple[Reference, ...]
    duplicates: tuple[tuple[int, int], ...]
    occurrences: tuple[tuple[int, int, int], ...]
    target_at: dict[int, int]
    aliases: tuple[int, ...]


def build_symbols(spec: LanguageSpec, outline: Outline) -> Symbols:
    """Resolve every name of `outline`; never raises."""
    fold = spec.fold
    case_sensitive = spec.case_sensitive
    defs = list(outline.definitions)
    table: dict[tuple[int, str], int] = {}
    duplicates: list[tuple[int, int]] = []
    aliases: dict[int, int] = {}

    def register(index: int) -> None:
        d = defs[index]
        key = (d.scope, fold(d.name))
        first = table.get(key)
        if first is None:
            table[key] = index
        elif _strict(defs[first]) and _strict(d):
            duplicates.append((index, first))
        elif d.kind == defs[first].kind == "variable":
            aliases[index] = first  # a re-declared variable is the same symbol

    def resolve(name: str, scope: int) -> int:
        key = name if case_sensitive else name.upper()  # `fold`, without the call
        seen = 0
        while seen < 1000:
            hit = table.get((scope, key))
            if hit is not None:
                return hit
            if scope < 0:
                return -1
            scope = defs[scope].scope if scope < len(defs) else -1
            seen += 1
        return -1

    for i in range(len(defs)):
        register(i)
    labels: dict[str, int] = {}
    for number, start, end in outline.line_numbers:
        fields = (number, "label", start, end, start, end, -1, (), None, None, start, end, False)
        defs.append(_new(Definition, fields))
        if number in labels:
            duplicates.append((len(defs) - 1, labels[number]))
        else:
            labels[number] = len(defs) - 1
    occurrences: list[tuple[int, int, int]] = [
        (d.name_start, d.name_end, aliases.get(i, i)) for i, d in enumerate(defs)
    ]
    assignment_targets: list[int] = []
    for name, start, end, _, value, scope in outline.assignments:
        target = resolve(name, scope)
        if target < 0:
            row = (
                name,
                "variable",
                start,
                end,
                start,
                end,
                scope,
                (),
                None,
                value,
                start,
                end,
                True,
            )
            defs.append(_new(Definition, row))
            target = len(defs) - 1
            table[(scope, fold(name))] = target
        occurrences.append((start, end, target))
        assignment_targets.append(target)
    targets: list[int] = []
    unresolved: list[Reference] = []
    for ref in outline.references:
        name, start, end, scope = ref
        target = resolve(name, scope)
        targets.append(target)
        if target < 0:
            unresolved.append(ref)
        else:
            occurrences.append((start, end, target))
    unresolved_labels: list[Reference] = []
    for jump in outline.jump_targets:
        hit = labels.get(jump.number)
        if hit is None:
            unresolved_labels.append(Reference(jump.number, jump.start, jump.end, -1))
        else:
            occurrences.append((jump.start, jump.end, hit))
    occurrences.sort()
    return Symbols(
        tuple(defs),
        outline.references,
        tuple(targets),
        tuple(assignment_targets),
        tuple(unresolved),
        tuple(unresolved_labels),
        tuple(duplicates),
        tuple(occurrences),
        dict(zip(map(itemgetter(0), occurrences), map(itemgetter(2), occurrences), strict=True)),
        tuple(map(aliases.get, range(len(defs)), repeat(-1))),
    )


def _strict(d: Definition) -> bool:
    """Whether a second definition of this name in one scope is a real duplicate."""
    return d.kind in _STRICT or (d.declared_type is not None and not d.implicit)


def symbol_at(symbols: Symbols, offset: int) -> int | None:
    """The definition index of the name at `offset` (a cursor just after a name counts)."""
    occ = symbols.occurrences
    i = bisect.bisect_right(occ, (offset, 1 << 62, 1 << 62))
    for j in (i - 1, i - 2):
        if 0 <= j < len(occ):
            start, end, target = occ[j]
            if start <= offset <= end and (j == i - 1 or offset == end):
                return target
    return None


def occurrences_of(symbols: Symbols, index: int) -> tuple[tuple[int, int], ...]:
    """Every (start, end) naming definition `index`: the definition itself and all uses."""
    return tuple((start, end) for start, end, target in symbols.occurrences if target == index)
