"""Declaration statements: functions, parameters, classes, TYPE sections, VAR/CONST, imports.

Split from `parse.py`; `_Parser` inherits these methods. Pascal parameter groups
(`a, b : INTEGER; VAR c : REAL`), return types (`: INTEGER`, `-> int`), BASIC `DEF FNA(X) =`
bodies, `DIM A(10)` bounds and `USES a, b;` lists are handled here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine.builder import Builder
from server.engine.nodes import Definition, DefinitionKind
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.blocks import Block


class Declarations(Builder):
    """The declaration half of the statement parser."""

    def function(self, kw: Token, role: str) -> None:
        """`def name(params) [: TYPE]` with its body scope."""
        self.pos += 1
        name = self.peek()
        if name is None or name.kind not in (TokenKind.IDENT, TokenKind.BUILTIN):
            return
        self.pos += 1
        kind: DefinitionKind = "procedure" if role == "procedure" else "function"
        index = len(self.definitions)
        self.definitions.append(
            Definition(name.text, kind, kw.start, name.end, name.start, name.end, self.scope)
        )
        outer = self.scope
        self.scope = index
        params = self.params()
        self.scope = outer
        declared = self.return_type()
        body_start, body_end, value = kw.start, self.header_end(), None
        tok = self.peek()
        if tok is not None and tok.kind is TokenKind.OPERATOR and tok.text == "=":
            self.pos += 1
            self.scope = index
            value = self.expr()
            self.scope = outer
            self.exprs.append(value)
            body_end = value.end
        else:
            block = self.body_block(kw)
            if block is not None:
                body_end = block.close_end if block.close_end is not None else len(self.text)
        self.definitions[index] = Definition(
            name.text,
            kind,
            kw.start,
            max(body_end, name.end),
            name.start,
            name.end,
            outer,
            params,
            declared,
            value,
            body_start,
            max(body_end, name.end),
        )
        self.enter(index, max(body_end, name.end))

    def header_end(self) -> int:
        """End offset of the last consumed token."""
        return self.toks[self.pos - 1].end if self.pos > 0 else 0

    def body_block(self, kw: Token) -> Block | None:
        """The block that holds a definition's body."""
        block = self.block_at.get(kw.start)
        if block is not None:
            return block
        tok = self.peek()
        if self.indent:
            return self.block_at.get(tok.start) if tok is not None and tok.text == ":" else None
        return self.block_after(self.header_end())

    def params(self) -> tuple[int, ...]:
        """`(a, b : INTEGER; VAR c : REAL = 1)` -> parameter definition indexes."""
        tok = self.peek()
        if tok is None or tok.text != "(" or tok.kind is not TokenKind.PUNCT:
            return ()
        self.pos += 1
        out: list[int] = []
        group: list[int] = []
        while (tok := self.peek()) is not None and tok.text != ")":
            if tok.kind is TokenKind.IDENT or tok.kind is TokenKind.BUILTIN:
                group.append(self.define(tok, "parameter", tok.start, tok.end))
                self.pos += 1
            elif tok.text in (",", ";") or tok.kind is TokenKind.NEWLINE:
                if tok.text == ";":
                    out.extend(group)
                    group = []
                self.pos += 1
            elif tok.text == ":":
                self.pos += 1
                type_name = self.type_text({",", ";", ")", "="})
                for i in group:
                    self.definitions[i] = self.definitions[i]._replace(declared_type=type_name)
                out.extend(group)
                group = []
            elif tok.text == "=" and tok.kind is TokenKind.OPERATOR:
                self.pos += 1
                default = self.expr()
                self.exprs.append(default)
                if group:
                    last = self.definitions[group[-1]]
                    self.definitions[group[-1]] = last._replace(value=default)
            elif tok.kind is TokenKind.KEYWORD:
                self.pos += 1  # VAR / CONST parameter modes
            else:
                if tok.text in ("]", "}") or (tok.kind is TokenKind.PUNCT and tok.text == "("):
                    break
                self.problem(tok, f"unexpected '{tok.text}' in parameter list")
                self.pos += 1
        out.extend(group)
        if (tok := self.peek()) is not None and tok.text == ")":
            self.pos += 1
        return tuple(out)

    def type_text(self, stops: set[str]) -> str | None:
        """The source words of a type up to a stop token or line end."""
        words: list[str] = []
        while (tok := self.peek()) is not None and tok.kind is not TokenKind.NEWLINE:
            if tok.text in stops or (tok.text == self.terminator):
                break
            words.append(tok.text)
            self.pos += 1
        return " ".join(words) or None

    def return_type(self) -> str | None:
        """`: TYPE` (not an indent header's `:`) or `-> TYPE` after a parameter list."""
        tok = self.peek()
        if tok is None or tok.text not in (":", "->"):
            return None
        nxt = self.toks[self.pos + 1] if self.pos + 1 < self.n else None
        if nxt is None or nxt.kind is TokenKind.NEWLINE or (self.indent and tok.text == ":"):
            return None
        self.pos += 1
        return self.type_text({":", "=", "{"})

    def class_def(self, kw: Token) -> None:
        """`class Name ...` with its body scope."""
        self.pos += 1
        name = self.peek()
        if name is None or name.kind is not TokenKind.IDENT:
            return
        self.pos += 1
        while (tok := self.peek()) is not None and not self.boundary(tok):
            self.pos += 1  # superclass lists and the like
        block = self.body_block(kw)
        end = name.end
        if block is not None and block.close_end is not None:
            end = block.close_end
        index = self.define(name, "class", kw.start, end)
        self.enter(index, end)

    def looks_like_type_section(self) -> bool:
        """`TYPE Name = ...` (Pascal) rather than `type` used as a name."""
        p = self.pos + 1
        while p < self.n and self.toks[p].kind is TokenKind.NEWLINE:
            p += 1
        return (
            p + 1 < self.n and self.toks[p].kind is TokenKind.IDENT and self.toks[p + 1].text == "="
        )

    def type_section(self) -> None:
        """`TYPE A = RECORD ... END; B = ...;` -> class definitions."""
        self.pos += 1
        while True:
            self.skip_newlines()
            name = self.peek()
            if name is None or name.kind is not TokenKind.IDENT:
                return
            after = self.toks[self.pos + 1] if self.pos + 1 < self.n else None
            if after is None or after.text != "=":
                return
            self.pos += 2
            body = self.peek()
            end = name.end
            block = self.block_at.get(body.start) if body is not None else None
            if block is not None and block.close_token is not None:
                end = block.close_end or end
                self.pos = self.index_at(end)
            else:
                self.resync()
            self.define(name, "class", name.start, end)
            tok = self.peek()
            if tok is not None and tok.text == self.terminator:
                self.pos += 1

    def index_at(self, offset: int) -> int:
        """The index of the first significant token starting at or after `offset`."""
        lo, hi = self.pos, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.toks[mid].start < offset:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def declarations(self, role: str) -> None:
        """`VAR a, b : T [= v]; ...`, `let x = v`, `DIM A(10), B$(5)`."""
        kind: DefinitionKind = "constant" if role == "constant" else "variable"
        self.pos += 1
        section = self.terminator == ";"
        while True:
            if section:
                self.skip_newlines()
            names: list[Token] = []
            while (tok := self.peek()) is not None and tok.kind is TokenKind.IDENT:
                names.append(tok)
                self.pos += 1
                nxt = self.peek()
                if nxt is not None and nxt.text in ("(", "[") and nxt.kind is TokenKind.PUNCT:
                    self.exprs.append(self.bracketed(nxt))  # array bounds
                    nxt = self.peek()
                if nxt is None or nxt.text != ",":
                    break
                self.pos += 1
            if not names:
                return
            declared = None
            if (tok := self.peek()) is not None and tok.text == ":":
                self.pos += 1
                declared = self.type_text({"=", ":="})
            value = None
            if (tok := self.peek()) is not None and tok.text in ("=", ":="):
                self.pos += 1
                value = self.expr()
                self.exprs.append(value)
            for name in names:
                end = value.end if value is not None else name.end
                self.define(name, kind, name.start, end, declared_type=declared, value=value)
            if not section or (declared is None and value is None):
                return
            if (tok := self.peek()) is not None and tok.text == self.terminator:
                self.pos += 1
            if not self.section_continues():
                return

    def section_continues(self) -> bool:
        """Another `name [, name] :` / `name =` line follows in a VAR/CONST section."""
        p = self.pos
        while p < self.n and self.toks[p].kind is TokenKind.NEWLINE:
            p += 1
        return (
            p + 1 < self.n
            and self.toks[p].kind is TokenKind.IDENT
            and self.toks[p + 1].text in (",", ":", "=")
        )

    def import_statement(self) -> None:
        """`import a.b as c, d` / `from m import x, y` / `USES crt;` -> import definitions."""
        self.pos += 1
        while (tok := self.peek()) is not None and tok.kind is not TokenKind.NEWLINE:
            if tok.text == self.terminator:
                break
            if tok.kind is TokenKind.IDENT or tok.kind is TokenKind.BUILTIN:
                start = tok
                self.pos += 1
                while (
                    (dot := self.peek()) is not None
                    and dot.text == self.member
                    and self.pos + 1 < self.n
                    and self.toks[self.pos + 1].kind is TokenKind.IDENT
                ):
                    self.pos += 2
                last = self.toks[self.pos - 1]
                alias = self.peek()
                if alias is not None and "as" in self.originals(alias) and self.pos + 1 < self.n:
                    self.pos += 1
                    last = start = self.toks[self.pos]
                    self.pos += 1
                index = self.define(start, "import", start.start, last.end)
                self.imports.append(index)
            else:
                self.pos += 1
