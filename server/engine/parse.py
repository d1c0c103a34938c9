"""Structural parser with error recovery: definitions, assignments, calls, imports, uses.

`parse(spec, tokens, text, blocks)` walks the significant tokens once, statement by statement.
What a keyword does comes from its originals (a word may have several, §12.3):
def/function/procedure/define/sub -> function; class/module/struct and `TYPE Name =` ->
class; var/let/dim/array -> variable (Pascal `VAR` sections with `: TYPE`); const ->
constant; import/from/require/uses -> import; return; if/elif/while/until/unless -> a
condition; for -> loop variables; goto/gosub/call -> line-number targets. A function's
scope is its body block from `blocks` (the `:` block, the block its keyword opens, or the
next block after the header such as Pascal's BEGIN). BASIC statement-form calls
(`PRINT "a"; X`) are recorded unparenthesised (§12.9). S-expression languages go to `sexpr`.

An unexpected token yields PC110 and the parser resumes at the next statement boundary
(line break, terminator, `:`, or a statement keyword). Never raises; linear time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine.decls import Declarations
from server.engine.expr import ASSIGN_OPS, MAX_DEPTH
from server.engine.nodes import Assignment, Call, Expr, Label, Reference, Return
from server.engine.tokens import Token, TokenKind

_new = tuple.__new__  # builds NamedTuples without the Python-level __new__ frame (hot path)
_IDENT, _BUILTIN, _OPERATOR, _PUNCT = (
    TokenKind.IDENT,
    TokenKind.BUILTIN,
    TokenKind.OPERATOR,
    TokenKind.PUNCT,
)
_ARGS = (TokenKind.STRING, TokenKind.NUMBER, TokenKind.IDENT)
_PLAIN_ASSIGN = frozenset({":=", "=", "<-"})

if TYPE_CHECKING:
    from collections.abc import Sequence

    from server.engine.blocks import BlockStructure
    from server.engine.nodes import Outline
    from server.engine.spec import LanguageSpec


def parse(
    spec: LanguageSpec,
    tokens: tuple[Token, ...],
    text: str,
    blocks: BlockStructure,
    *,
    skippable: bool = True,
) -> Outline:
    """The syntax outline of `tokens`; never raises.

    Comments and invalid characters are skipped; `skippable=False` says there are none
    (`Lexed.skippable`), which saves looking.
    """
    toks: Sequence[Token] = tokens
    if skippable:
        comment, error = TokenKind.COMMENT, TokenKind.ERROR
        toks = [t for t in tokens if t[0] is not comment and t[0] is not error]
    if spec.blocks.style == "sexpr":
        from server.engine.sexpr import SexprParser

        return SexprParser(spec, toks, blocks).run()
    return _Parser(spec, toks, text, blocks).run()


class _Parser(Declarations):
    """Statement-level parser for every non-S-expression style."""

    def __init__(
        self, spec: LanguageSpec, toks: Sequence[Token], text: str, blocks: BlockStructure
    ) -> None:
        super().__init__(spec, toks, blocks)
        self.text = text
        self.arg_seps = {",", ";"} - {spec.statement_terminator}

    def run(self) -> Outline:
        """Parse every statement."""
        toks = self.toks
        n = self.n
        newline, punct, line_number = TokenKind.NEWLINE, TokenKind.PUNCT, TokenKind.LINE_NUMBER
        terminator = self.terminator
        block_at = self.block_at
        closer_starts = self.closer_starts
        boundary = self.boundary
        statement = self.statement
        line_numbers_on = self.spec.line_numbers
        pos = self.pos
        while pos < n:
            tok = toks[pos]
            kind = tok[0]
            if (
                kind is newline
                or tok[1] == terminator
                or (
                    kind is punct
                    and (tok[1] == ":" or tok[2] in block_at or tok[2] in closer_starts)
                )
            ):
                pos += 1
                continue
            if kind is line_number:
                self.line_numbers.append(_new(Label, (tok[1], tok[2], tok[3])))
                pos += 1
                continue
            self.pos = pos
            if self.scopes:
                self.leave_until(tok[2])
            if kind is _BUILTIN or (
                kind is _IDENT and (not line_numbers_on or tok[1].upper() != "DEF")
            ):
                self.simple_statement()  # the commonest case, without `statement`'s BASIC checks
                checked = True
            else:
                checked = statement(tok)
            if self.pos == pos:
                self.pos += 1
            pos = self.pos
            if checked and pos < n:
                nxt = toks[pos]
                # `boundary(nxt)` in short for the commonest boundaries: line break, terminator
                if nxt[0] is not newline and nxt[1] != terminator and not boundary(nxt):
                    if nxt.kind is not punct or nxt.text not in (")", "]", "}"):
                        self.problem(nxt, f"unexpected '{nxt.text}'")
                    self.resync()
                    pos = self.pos
        self.pos = pos
        return self.finish()

    def statement(self, tok: Token) -> bool:
        """Dispatch one statement on its first token; False when anything may follow it."""
        kind = tok[0]
        if kind is TokenKind.KEYWORD:
            role = self.role(tok)
            if role == "expr":
                self.simple_statement()
            elif role in ("function", "procedure"):
                self.function(tok, role)
            elif role == "class":
                self.class_def(tok)
            elif role == "type" and self.looks_like_type_section():
                self.type_section()
            elif role in ("variable", "constant"):
                self.declarations(role)
            elif role == "import":
                self.import_statement()
            elif role == "return":
                self.return_statement(tok)
            elif role == "condition":
                self.pos += 1
                self.condition()
            elif role == "loop":
                self.loop(tok)
            elif role == "jump":
                self.jump()
            elif role == "program":
                self.pos += 2 if self.pos + 1 < self.n else 1
            elif role == "end":
                self.pos += 1
                nxt = self.peek()
                if nxt is not None and nxt.text == ".":
                    self.pos += 1  # Pascal's final `END.`
            else:
                self.pos += 1  # BEGIN, THEN, DO, ELSE, LET, ...: a statement may follow
                return False
            return True
        if (
            tok.kind is TokenKind.IDENT
            and self.spec.line_numbers
            and tok.text.upper() == "DEF"
            and self.pos + 1 < self.n
            and self.toks[self.pos + 1].kind is TokenKind.IDENT
        ):
            self.function(tok, "function")  # GW-BASIC `DEF FNA(X) = ...`
            return True
        if tok.kind is TokenKind.NUMBER and self.spec.line_numbers:
            self.pos += 1  # `THEN 100`
            self.jump_targets.append(Label(tok.text, tok.start, tok.end))
            return True
        self.simple_statement()
        return True

    def condition(self) -> None:
        """The expression after IF/WHILE/...; stops at THEN/DO/`:`/line end."""
        tok = self.peek()
        if tok is not None and not self.boundary(tok):
            self.exprs.append(self.expr())

    def simple_statement(self) -> None:
        """An assignment, a call or an expression statement."""
        toks = self.toks
        n = self.n
        pos = self.pos
        first = toks[pos]
        nxt = toks[pos + 1] if pos + 1 < n else None
        kind = first[0]
        if (
            kind is _IDENT
            and nxt is not None
            and nxt[0] is _OPERATOR
            and nxt[1] in _PLAIN_ASSIGN
            and self.depth < MAX_DEPTH
        ):
            # `name = value`: the general path below in short (the target's reference, which
            # the assignment replaces, is never recorded)
            self.pos = pos + 2
            value = self.expr()
            self.exprs.append(value)
            fields = (first[1], first[2], first[3], nxt[1], value, self.scope)
            self.assignments.append(_new(Assignment, fields))
            return
        # Only a builtin not followed by `(`, or a name followed by a name or literal, can be a
        # statement-form call.
        if (
            (
                kind is _BUILTIN
                and (
                    nxt is None or nxt[1] != "(" or nxt[0] is not _PUNCT or nxt[2] in self.block_at
                )
            )
            or (kind is _IDENT and nxt is not None and nxt[0] in _ARGS)
        ) and self.statement_form(first, nxt):
            self.statement_call(first)
            return
        if self.pos >= n:
            return
        mark = len(self.references)
        targets = [self.expr(no_assign=True)]
        pos = self.pos
        while pos < n and toks[pos][1] == "," and toks[pos][0] is _PUNCT:
            self.pos = pos + 1
            targets.append(self.expr(no_assign=True))
            pos = self.pos
        tok = toks[pos] if pos < n else None
        if tok is None or tok[0] is not _OPERATOR or tok[1] not in ASSIGN_OPS:
            self.exprs.extend(targets)
            return
        self.pos = pos + 1
        value = self.expr()
        self.exprs.append(value)
        self.assign(targets, tok[1], value, mark)

    def assign(self, targets: list[Expr], op: str, value: Expr | None, mark: int) -> None:
        """Record plain-name targets as assignments (and drop their uses unless compound)."""
        if len(targets) == 1:
            target = targets[0]
            if target[0] != "name":
                self.exprs.append(target)
                return
            if op in (":=", "=", "<-"):
                # A plain-name target recorded exactly one reference, the first after `mark`.
                refs = self.references
                if mark < len(refs) and refs[mark][1] == target[1]:
                    del refs[mark]
            self.assignments.append(
                _new(Assignment, (target[3], target[1], target[2], op, value, self.scope))
            )
            return
        names = {t.start for t in targets if t.kind == "name"}
        if op in (":=", "=", "<-") and names:
            self.references[mark:] = [r for r in self.references[mark:] if r.start not in names]
        for target in targets:
            if target.kind == "name":
                single = value if len(targets) == 1 else None
                self.assignments.append(
                    Assignment(target.text, target.start, target.end, op, single, self.scope)
                )
            else:
                self.exprs.append(target)

    def statement_form(self, first: Token, nxt: Token | None) -> bool:
        """`PRINT "a"; X` / `puts x`: a name followed directly by an argument."""
        if first[0] is _BUILTIN:
            if nxt is None or self.boundary(nxt):
                return True
            return not (nxt[0] is _PUNCT and nxt[1] in ("(", "[", self.member)) and (
                nxt[0] is not _OPERATOR or nxt[1] in ("-", "+")
            )
        if first[0] is _IDENT and nxt is not None:
            if nxt[0] is _IDENT and self.pos + 2 < self.n:
                after = self.toks[self.pos + 2]
                if after[0] is _OPERATOR and after[1] in ASSIGN_OPS:
                    # `remember x = 1` where `remember` is not a keyword of this config
                    # (§12.13): report the unknown word, keep the assignment.
                    self.references.append(self.ref(first))
                    self.pos += 1
                    return False
            return nxt[0] in _ARGS
        return False

    def statement_call(self, first: Token) -> None:
        """Arguments of a statement-form call, separated by `,` or `;`."""
        self.pos += 1
        args: list[Expr] = []
        toks = self.toks
        n = self.n
        boundary = self.boundary
        arg_seps = self.arg_seps
        while self.pos < n:
            tok = toks[self.pos]
            if boundary(tok):
                break
            if tok[1] in arg_seps and tok[0] is _PUNCT:
                self.pos += 1
                continue
            before = self.pos
            args.append(self.expr())
            if self.pos == before:
                break
        self.exprs.extend(args)
        is_builtin = first[0] is _BUILTIN
        start = first[2]
        if not is_builtin:
            self.references.append(_new(Reference, (first[1], start, first[3], self.scope)))
        end = args[-1][2] if args else first[3]
        fields = (first[1], start, first[3], tuple(args), False, is_builtin, start, end)
        self.calls.append(_new(Call, (*fields, self.scope)))

    def ref(self, tok: Token) -> Reference:
        """A reference record for `tok` in the current scope."""
        return Reference(tok.text, tok.start, tok.end, self.scope)

    # -- definitions ------------------------------------------------------------------------

    def return_statement(self, kw: Token) -> None:
        """`return [expr]`."""
        self.pos += 1
        tok = self.peek()
        value = None
        if tok is not None and not self.boundary(tok):
            value = self.expr()
            self.exprs.append(value)
        end = value.end if value is not None else kw.end
        self.returns.append(Return(value, kw.start, end, self.scope))

    def loop(self, kw: Token) -> None:
        """`for i, j in xs` / `FOR I = 1 TO 10 STEP 2` / `FOR i := 1 TO n DO`."""
        self.pos += 1
        names: list[Token] = []
        while (tok := self.peek()) is not None and tok.kind is TokenKind.IDENT:
            names.append(tok)
            self.pos += 1
            if (sep := self.peek()) is None or sep.text != ",":
                break
            self.pos += 1
        value: Expr | None = None
        while (tok := self.peek()) is not None and tok.kind is not TokenKind.NEWLINE:
            if tok.text in ("=", ":=") or self.originals(tok) & {
                "in",
                "to",
                "downto",
                "step",
                "of",
            }:
                self.pos += 1
                expr = self.expr()
                self.exprs.append(expr)
                if value is None and tok.text in ("=", ":="):
                    value = expr
                continue
            break
        for name in names:
            self.assignments.append(
                Assignment(name.text, name.start, name.end, "for", value, self.scope)
            )

    def jump(self) -> None:
        """`GOTO 100` / `GOSUB 200` / `CALL name`."""
        self.pos += 1
        tok = self.peek()
        if tok is None:
            return
        if tok.kind is TokenKind.NUMBER or tok.kind is TokenKind.LINE_NUMBER:
            self.jump_targets.append(Label(tok.text, tok.start, tok.end))
            self.pos += 1
        elif not self.boundary(tok):
            self.simple_statement()
