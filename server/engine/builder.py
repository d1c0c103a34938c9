"""Shared state of the structural parsers: records, scopes, block lookups, keyword roles."""

from __future__ import annotations

import bisect
from operator import itemgetter
from typing import TYPE_CHECKING

from server.engine.expr import ExprParser
from server.engine.nodes import (
    Assignment,
    Definition,
    DefinitionKind,
    Expr,
    Label,
    Outline,
    Return,
)
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from server.engine.blocks import Block, BlockStructure
    from server.engine.spec import LanguageSpec

FUNCTION_ORIGINALS = frozenset({"def", "function", "procedure", "define", "sub", "defun"})
CLASS_ORIGINALS = frozenset({"class", "struct", "module", "interface"})
VARIABLE_ORIGINALS = frozenset({"var", "let", "dim", "array", "local", "global"})
CONSTANT_ORIGINALS = frozenset({"const"})
IMPORT_ORIGINALS = frozenset({"import", "from", "require", "uses", "include"})
CONDITION_ORIGINALS = frozenset({"if", "elif", "elsif", "elseif", "while", "until", "unless"})
JUMP_ORIGINALS = frozenset({"goto", "gosub", "call"})
LOOP = "for"
EXPRESSION_ORIGINALS = frozenset(
    {"and", "or", "not", "in", "is", "==", "!=", "mod", "div", "true", "false", "True",
     "False", "null", "None", "nil", "none", "nothing", "self", "super", "this"}
)  # fmt: skip


class Builder(ExprParser):
    """Collected records shared by the statement and S-expression parsers."""

    def __init__(self, spec: LanguageSpec, toks: Sequence[Token], blocks: BlockStructure) -> None:
        super().__init__(spec, toks)
        self.definitions: list[Definition] = []
        self.assignments: list[Assignment] = []
        self.returns: list[Return] = []
        self.imports: list[int] = []
        self.line_numbers: list[Label] = []
        self.jump_targets: list[Label] = []
        self.exprs: list[Expr] = []
        self.scopes: list[tuple[int, int]] = []  # (definition index, end offset)
        real = [b for b in blocks.blocks if b[6] != "bracket"]
        # C-level passes: an S-expression program has a block per list
        self.block_starts = list(map(itemgetter(2), real))
        self.block_at: dict[int, Block] = dict(zip(self.block_starts, real, strict=True))
        self.real_blocks = real
        self.closer_starts = frozenset(map(itemgetter(4), real)) - {None}
        self.text = ""
        self.indent = spec.blocks.style == "indent"
        self.roles: dict[str, str] = {}

    def define(
        self,
        tok: Token,
        kind: DefinitionKind,
        start: int,
        end: int,
        *,
        declared_type: str | None = None,
        value: Expr | None = None,
    ) -> int:
        """Append a definition named by `tok` in the current scope; its index."""
        self.definitions.append(
            Definition(
                tok.text,
                kind,
                start,
                end,
                tok.start,
                tok.end,
                self.scope,
                declared_type=declared_type,
                value=value,
                body_start=start,
                body_end=end,
            )
        )
        return len(self.definitions) - 1

    def enter(self, index: int, end: int) -> None:
        """Open the scope of definition `index` until offset `end`."""
        self.scopes.append((index, end))
        self.scope = index

    def leave_until(self, offset: int) -> None:
        """Close the scopes that end at or before `offset`."""
        scopes = self.scopes
        while scopes and scopes[-1][1] <= offset:
            scopes.pop()
        self.scope = scopes[-1][0] if scopes else -1

    def block_after(self, offset: int) -> Block | None:
        """The first non-bracket block opening at or after `offset`."""
        i = bisect.bisect_left(self.block_starts, offset)
        return self.real_blocks[i] if i < len(self.real_blocks) else None

    def finish(self) -> Outline:
        """Freeze the collected records."""
        self.problems.sort(key=lambda d: (d.start, d.end))
        return Outline(
            tuple(self.definitions),
            tuple(self.assignments),
            tuple(self.references),
            tuple(self.calls),
            tuple(self.returns),
            tuple(self.imports),
            tuple(self.line_numbers),
            tuple(self.jump_targets),
            tuple(self.exprs),
            tuple(self.problems),
        )

    def role(self, tok: Token) -> str:
        """What a keyword does, from its originals (memoised per spelling)."""
        got = self.roles.get(tok.text)
        if got is None:
            got = self.roles[tok.text] = _role(self.originals(tok))
        return got

    def boundary(self, tok: Token) -> bool:
        """A token that ends a statement: line break, terminator, `:`, block delimiters."""
        kind = tok[0]
        if kind is _NEWLINE:
            return True
        text = tok[1]
        if kind is _KEYWORD:
            role = self.roles.get(text)
            return (role or self.role(tok)) != "expr"
        if text == self.terminator:
            return True
        return kind is _PUNCT and (
            text == ":" or tok[2] in self.block_at or tok[2] in self.closer_starts
        )

    def resync(self) -> None:
        """Skip to the next statement boundary."""
        while self.pos < self.n and not self.boundary(self.toks[self.pos]):
            self.pos += 1


_NEWLINE, _KEYWORD, _PUNCT = TokenKind.NEWLINE, TokenKind.KEYWORD, TokenKind.PUNCT
_STATEMENT_WORDS = frozenset({"return", "if", "while", "for", "def", "function"})


def _role(originals: frozenset[str]) -> str:
    """The statement role of a keyword with these originals (first match wins)."""
    if originals & EXPRESSION_ORIGINALS and not originals & _STATEMENT_WORDS:
        return "expr"
    if originals & FUNCTION_ORIGINALS:
        only_procedure = "procedure" in originals and "function" not in originals
        return "procedure" if only_procedure else "function"
    table = (
        (CLASS_ORIGINALS, "class"),
        (frozenset({"type"}), "type"),
        (VARIABLE_ORIGINALS, "variable"),
        (CONSTANT_ORIGINALS, "constant"),
        (IMPORT_ORIGINALS, "import"),
        (frozenset({"return"}), "return"),
        (CONDITION_ORIGINALS, "condition"),
        (frozenset({LOOP}), "loop"),
        (JUMP_ORIGINALS, "jump"),
        (frozenset({"program"}), "program"),
        (frozenset({"end"}), "end"),
    )
    for words, role in table:
        if originals & words:
            return role
    return "other"
