"""Inlay hints: inferred variable types and parameter names at call arguments.

A type hint (`: int`) follows the name of a variable or constant definition that declares no
type, when inference knows the type; a re-declaration of a variable gets none (its first
definition has it). A parameter hint (`text:`) precedes each argument of a parenthesised call
of a builtin with declared parameter names or of a user function, unless the argument is
that very name. Only hints whose offset lies in `[start, end)` are returned, sorted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from server.engine.infer import UNKNOWN

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.engine.analysis import Analysis
    from server.engine.nodes import Expr

__all__ = ["InlayHint", "InlayHintKind", "inlay_hints"]

InlayHintKind = Literal["type", "parameter"]


class InlayHint(NamedTuple):
    """A hint shown at `offset`: a type label after a name, or a parameter label before an arg."""

    offset: int
    label: str
    kind: InlayHintKind


def _type_hints(analysis: Analysis, start: int, end: int) -> list[InlayHint]:
    """`: type` after undeclared variable and constant names with a known type."""
    out: list[InlayHint] = []
    symbols = analysis.symbols
    types = analysis.types.definition_types
    aliases = symbols.aliases
    for i, d in enumerate(symbols.definitions):
        if d.kind not in ("variable", "constant") or d.declared_type:
            continue
        if not start <= d.name_end < end or (i < len(aliases) and aliases[i] >= 0):
            continue
        type_ = types[i] if i < len(types) else UNKNOWN
        if type_ and type_ != UNKNOWN:
            out.append(InlayHint(d.name_end, f": {type_}", "type"))
    return out


def _parameter_hints(analysis: Analysis, start: int, end: int) -> list[InlayHint]:
    """`name:` before the arguments of calls with known parameter names."""
    out: list[InlayHint] = []
    spec = analysis.spec
    symbols = analysis.symbols
    defs = symbols.definitions
    for call in analysis.tree.calls:
        if not call.parenthesised or call.call_end < start or call.call_start >= end:
            continue
        names: tuple[str, ...] = ()
        if call.is_builtin:
            fns = spec.builtins_by_name.get(spec.fold(call.name), ())
            names = fns[0].params if fns else ()
        else:
            target = symbols.target_at.get(call.start)
            if target is not None and 0 <= target < len(defs):
                d = defs[target]
                if d.kind in ("function", "procedure"):
                    names = tuple(defs[p].name for p in d.params if p < len(defs))
        for name, arg in zip(names, call.args, strict=False):
            if _skip(arg, name, spec.fold) or not start <= arg.start < end:
                continue
            out.append(InlayHint(arg.start, f"{name}:", "parameter"))
    return out


def _skip(arg: Expr, name: str, fold: Callable[[str], str]) -> bool:
    """An empty (error) argument, or one that is just the parameter's own name."""
    if arg.kind == "error" or arg.start >= arg.end:
        return True
    return arg.kind == "name" and fold(arg.text) == fold(name)


def inlay_hints(analysis: Analysis, start: int, end: int) -> tuple[InlayHint, ...]:
    """Type and parameter-name hints with offsets in `[start, end)`, sorted; never raises."""
    size = len(analysis.text)
    start = max(0, min(start, size))
    end = max(start, min(end, size + 1))
    hints = _type_hints(analysis, start, end) + _parameter_hints(analysis, start, end)
    hints.sort()
    return tuple(hints)
