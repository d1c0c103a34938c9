"""Structural parse of S-expression languages: `(define (f x) ...)`, `(define x 1)`, calls.

One iterative pass with an explicit frame stack (deep nesting never touches Python's stack).
A form whose head means define/def/function defines a function when its second element is a
list `(name params...)` and a variable when it is a name; `lambda` parameter lists and
`let` bindings define variables; names after a quote `'` are data, not uses. A form headed
by a name or builtin is a parenthesised call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine.builder import Builder
from server.engine.nodes import Call, Definition, DefinitionKind, Expr, Reference
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from server.engine.blocks import BlockStructure
    from server.engine.nodes import Outline
    from server.engine.spec import LanguageSpec

_DEFINE = frozenset({"define", "def", "defun"})
_LAMBDA = frozenset({"lambda", "function"})  # lisp_like spells `function` as `lambda`
_LET = frozenset({"let", "let*", "letrec"})
_OPEN = {"(": ")", "[": "]"}
_new = tuple.__new__  # builds NamedTuples without the Python-level __new__ frame (hot path)
_NEWLINE, _PUNCT, _IDENT, _STRING = (
    TokenKind.NEWLINE,
    TokenKind.PUNCT,
    TokenKind.IDENT,
    TokenKind.STRING,
)
_NUMBER, _BUILTIN, _OPERATOR, _KEYWORD = (
    TokenKind.NUMBER,
    TokenKind.BUILTIN,
    TokenKind.OPERATOR,
    TokenKind.KEYWORD,
)


class _Frame:
    """One open list while scanning."""

    __slots__ = ("form", "head", "items", "open", "quoted", "role")

    def __init__(self, open_tok: Token, role: str, quoted: bool) -> None:
        self.open = open_tok
        self.role = role  # plain, signature, params, bindings, binding
        self.form = "plain"  # plain, define, lambda, let, call
        self.head: Expr | None = None
        self.items: list[Expr] = []
        self.quoted = quoted


class SexprParser(Builder):
    """The S-expression parser; shares the record lists of the statement parser."""

    def __init__(self, spec: LanguageSpec, toks: Sequence[Token], blocks: BlockStructure) -> None:
        super().__init__(spec, toks, blocks)
        self._define_opens: list[int] = []  # offsets of the define forms being scanned

    def run(self) -> Outline:
        """Scan all tokens once."""
        stack: list[_Frame] = []
        quote_next = False
        scopes = self.scopes
        references = self.references
        calls = self.calls
        keywords: dict[str, tuple[str, str]] = {}  # spelling -> (expression kind, form)
        newline, punct, ident, string = _NEWLINE, _PUNCT, _IDENT, _STRING
        number, builtin, operator, keyword = _NUMBER, _BUILTIN, _OPERATOR, _KEYWORD
        for tok in self.toks:
            kind = tok[0]
            if kind is newline:
                continue
            start = tok[2]
            if scopes and scopes[-1][1] <= start:
                self.leave_until(start)
            text = tok[1]
            if kind is punct:
                if text in _OPEN:
                    if stack:
                        parent = stack[-1]
                        # `_child_role` in short for a list inside an ordinary form or call
                        plain = parent.role != "bindings" and (
                            parent.items or parent.form in ("call", "plain")
                        )
                        role = "plain" if plain else self._child_role(parent)
                        quoted = quote_next or parent.quoted
                    else:
                        role = "plain"
                        quoted = quote_next
                    stack.append(_Frame(tok, role, quoted))
                    quote_next = False
                    continue
                if text in (")", "]"):
                    if not stack:
                        continue
                    done = stack.pop()
                    head = done.head
                    form = done.form
                    if head is None or form not in ("call", "plain"):
                        self._close(done, tok, stack)
                        continue
                    # `_close` in short for a call or an ordinary list
                    open_start = done.open[2]
                    end = tok[3]
                    if form == "call":
                        args = tuple(done.items)
                        is_builtin = head[0] == "builtin"
                        call = (head[3], head[1], head[2], args, True, is_builtin, open_start, end)
                        calls.append(_new(Call, (*call, self.scope)))
                        expr = _new(Expr, ("call", open_start, end, "(", (head, *args)))
                    else:
                        expr = _new(Expr, ("list", open_start, end, "(", (head, *done.items)))
                    if not stack:
                        self.exprs.append(expr)
                    elif stack[-1].head is None:
                        stack[-1].head = expr
                    else:
                        stack[-1].items.append(expr)
                    continue
            if text in ("'", "`") and kind is not string:
                quote_next = True
                continue
            frame = stack[-1] if stack else None
            if (
                kind is ident
                and not quote_next
                and frame is not None
                and frame.role == "plain"
                and not frame.quoted
                and (frame.form != "define" or frame.items)
            ):
                # The commonest atom: a use of a name inside an ordinary form.
                references.append(_new(Reference, (text, start, tok[3], self.scope)))
                atom = _new(Expr, ("name", start, tok[3], text, ()))
            elif kind is number:
                number_kind = "int" if text.isdigit() else _number_kind(text)
                atom = _new(Expr, (number_kind, start, tok[3], text, ()))
            elif kind is builtin or kind is operator:
                atom = _new(Expr, ("builtin", start, tok[3], text, ()))
            elif kind is keyword:
                # `_atom` in short: what a keyword is depends on its spelling alone
                meaning = keywords.get(text)
                if meaning is None:
                    meaning = keywords[text] = self._keyword(tok)
                atom = _new(Expr, (meaning[0], start, tok[3], text, ()))
            else:
                atom = self._atom(tok, frame, quote_next)
            quote_next = False
            if frame is None:
                self.exprs.append(atom)
            elif frame.head is not None:
                frame.items.append(atom)
            elif frame.role != "plain":
                frame.head = atom  # a signature, parameter list or binding has no form
            elif kind is keyword:
                frame.head = atom  # `_add` in short: a keyword decides the form
                form = keywords[text][1]
                if form != "plain":
                    frame.form = form
                    if form == "define":
                        self._define_opens.append(frame.open[2])
            else:
                frame.head = atom  # `_add` in short
                if atom[0] == "name" or atom[0] == "builtin":
                    frame.form = "call"
        while stack:
            frame = stack.pop()
            self._close(frame, None, stack)
        return self.finish()

    def _child_role(self, parent: _Frame) -> str:
        """The role of a list opening inside `parent`."""
        if parent.form == "define" and not parent.items:
            return "signature"
        if parent.form == "lambda" and not parent.items:
            return "params"
        if parent.form == "let" and not parent.items:
            return "bindings"
        if parent.role == "bindings":
            return "binding"
        return "plain"

    def _keyword(self, tok: Token) -> tuple[str, str]:
        """(expression kind, form of a list it heads) of a keyword, from its originals."""
        originals = self.originals(tok)
        kind = "keyword"
        if originals & {"true", "false", "True", "False"}:
            kind = "bool"
        elif originals & {"null", "None", "nil"}:
            kind = "none"
        form = "plain"
        if originals & _DEFINE:
            form = "define"
        elif originals & _LAMBDA:
            form = "lambda"
        elif originals & _LET:
            form = "let"
        return kind, form

    def _atom(self, tok: Token, frame: _Frame | None, quoted: bool) -> Expr:
        """A string, other token or name (`run` makes the numbers, builtins and keywords)."""
        kind = tok.kind
        if kind is TokenKind.STRING:
            return Expr("str", tok.start, tok.end, tok.text)
        if kind is not TokenKind.IDENT:
            return Expr("keyword", tok.start, tok.end, tok.text)
        quoted = quoted or (frame is not None and frame.quoted)
        if frame is not None and not quoted:
            role = frame.role
            if role == "signature" and frame.head is None:
                index = self._define_function(tok, frame)
                self.enter(index, self.definitions[index].body_end)
                return Expr("name", tok.start, tok.end, tok.text)
            if role in ("signature", "params") or (role == "binding" and frame.head is None):
                kind_: DefinitionKind = "parameter" if role != "binding" else "variable"
                index = self.define(tok, kind_, tok.start, tok.end)
                if role == "signature" and self.scope >= 0:
                    owner = self.definitions[self.scope]
                    self.definitions[self.scope] = owner._replace(params=(*owner.params, index))
                return Expr("name", tok.start, tok.end, tok.text)
            if frame.form == "define" and not frame.items:
                self.define(tok, "variable", tok.start, tok.end)
                return Expr("name", tok.start, tok.end, tok.text)
        if not quoted:
            self.references.append(Reference(tok.text, tok.start, tok.end, self.scope))
        return Expr("name", tok.start, tok.end, tok.text)

    def _define_function(self, name: Token, signature: _Frame) -> int:
        """Define the function named first in a `(define (name params...) body)` signature."""
        opener = self._define_opens[-1] if self._define_opens else signature.open.start
        block = self.block_at.get(opener)
        end = block.close_end if block is not None and block.close_end is not None else name.end
        start = block.open_start if block is not None else name.start
        self.definitions.append(
            Definition(
                name.text,
                "function",
                start,
                end,
                name.start,
                name.end,
                self.scope,
                body_start=start,
                body_end=end,
            )
        )
        return len(self.definitions) - 1

    def _close(self, frame: _Frame, closer: Token | None, stack: list[_Frame]) -> None:
        """Finish a list: record a call, fill a variable's value, add it to its parent."""
        items = frame.items
        end = closer[3] if closer is not None else items[-1][2] if items else frame.open[3]
        head = frame.head
        start = frame.open[2]
        form = frame.form
        if head is None:
            expr = _new(Expr, ("list", start, end, "(", ()))  # `items` fill once `head` is set
        elif form == "call":
            args = tuple(items)
            call = (head[3], head[1], head[2], args, True, head[0] == "builtin", start, end)
            self.calls.append(_new(Call, (*call, self.scope)))
            expr = _new(Expr, ("call", start, end, "(", (head, *args)))
        else:
            expr = _new(Expr, ("list", start, end, "(", (head, *items)))
        if form == "define":
            if self._define_opens and self._define_opens[-1] == frame.open.start:
                self._define_opens.pop()
            self._fill_value(frame)
        parent = stack[-1] if stack else None
        if parent is None:
            self.exprs.append(expr)
        elif parent.head is None:
            parent.head = expr
        else:
            parent.items.append(expr)

    def _fill_value(self, frame: _Frame) -> None:
        """`(define x value)`: attach the value expression to the variable."""
        if len(frame.items) < 2 or frame.items[0].kind != "name":
            return
        target = frame.items[0]
        for i in range(len(self.definitions) - 1, -1, -1):
            d = self.definitions[i]
            if d.name_start == target.start:
                if d.kind == "variable":
                    self.definitions[i] = d._replace(value=frame.items[1], end=frame.items[1].end)
                return
            if d.name_start < target.start:
                return


def _number_kind(text: str) -> str:
    """`float` or `int` for a number literal (S-expression rules: no hexadecimal)."""
    return "float" if "." in text or "e" in text.lower() else "int"
