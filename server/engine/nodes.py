"""Records of the structural parse: expressions, definitions, uses and the file outline.

The per-item records are NamedTuples rather than attrs classes for the same reason as
`Token`: the parser makes several per statement, a tuple costs a third of a frozen attrs
instance, and the whole analysis runs on every keystroke. They are immutable all the same.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import attrs

from server.engine.diagnostic import Diagnostic

DefinitionKind = Literal[
    "function", "procedure", "class", "variable", "constant", "parameter", "import", "label"
]


class Expr(NamedTuple):
    """An expression over `[start, end)`.

    `kind` is one of int, float, str, bool, none, name, builtin, list, dict, paren, binary,
    unary, call, member, index, keyword, error. `text` is the operator (binary, unary), the
    name (name, builtin, member: the member name), the literal text, or `(` for a
    parenthesised call. Calls keep the callee as the first child.
    """

    kind: str
    start: int
    end: int
    text: str
    children: tuple[Expr, ...] = ()


class Definition(NamedTuple):
    """A declared name: its kind, full range, name span and the scope it lives in.

    `scope` is the index of the enclosing function or class definition (-1 for the file);
    `body_start`/`body_end` is the range the definition scopes (functions and classes;
    equal to start/end otherwise); `params` are indexes of parameter definitions.
    `implicit` marks a variable created by a plain assignment or a loop.
    """

    name: str
    kind: DefinitionKind
    start: int
    end: int
    name_start: int
    name_end: int
    scope: int
    params: tuple[int, ...] = ()
    declared_type: str | None = None
    value: Expr | None = None
    body_start: int = 0
    body_end: int = 0
    implicit: bool = False


class Assignment(NamedTuple):
    """`target <op> value` where the target is a plain name."""

    name: str
    start: int
    end: int
    op: str
    value: Expr | None
    scope: int


class Reference(NamedTuple):
    """A use of a name (never a name after member access)."""

    name: str
    start: int
    end: int
    scope: int


class Call(NamedTuple):
    """A call of a plain name; `parenthesised` is False for statement-form calls (§12.9)."""

    name: str
    start: int
    end: int
    args: tuple[Expr, ...]
    parenthesised: bool
    is_builtin: bool
    call_start: int
    call_end: int
    scope: int


class Return(NamedTuple):
    """A return statement in function `scope` (-1 outside any function)."""

    value: Expr | None
    start: int
    end: int
    scope: int


class Label(NamedTuple):
    """A BASIC line number (a definition) or a GOTO/GOSUB/THEN target (a use)."""

    number: str
    start: int
    end: int


@attrs.frozen
class Outline:
    """Everything the structural parser found, in source order, plus its syntax problems."""

    definitions: tuple[Definition, ...]
    assignments: tuple[Assignment, ...]
    references: tuple[Reference, ...]
    calls: tuple[Call, ...]
    returns: tuple[Return, ...]
    imports: tuple[int, ...]
    line_numbers: tuple[Label, ...]
    jump_targets: tuple[Label, ...]
    exprs: tuple[Expr, ...]
    problems: tuple[Diagnostic, ...]
