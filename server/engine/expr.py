"""A Pratt expression parser over lexed tokens, the base of the structural parser.

Operator precedences come from the spec's declared operators; undeclared operators take the
precedence of their class (or, and, comparison, shift, additive, multiplicative, power),
interpolated between the declared classes so that both the 1-6 and the 1-20 scales of
real configs work. Keyword operators are recognised by their originals (`and`, `or`, `in`,
`is`, `==` as in TeachScript's `equals`, `mod`, `div`). Nesting deeper than `MAX_DEPTH`
stops the expression with a PC110 diagnostic instead of exhausting Python's stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.engine.diagnostic import Diagnostic, Severity
from server.engine.nodes import Call, Expr, Reference
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from server.engine.spec import LanguageSpec

MAX_DEPTH = 80
ASSIGN_OPS = frozenset({":=", "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "<-"})
_CLASSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("or", frozenset({"or", "||", "OR"})),
    ("and", frozenset({"and", "&&", "AND"})),
    ("cmp", frozenset({"==", "!=", "<", ">", "<=", ">=", "<>", "=", "in", "is", "<=>"})),
    ("shift", frozenset({"<<", ">>", "|", "&"})),
    ("add", frozenset({"+", "-", ".."})),
    ("mul", frozenset({"*", "/", "//", "%", "mod", "div", "MOD", "DIV"})),
    ("pow", frozenset({"**", "^"})),
)
_WORD_OPS = {"and": "and", "or": "or", "in": "in", "is": "is", "==": "==", "!=": "!=",
             "mod": "mod", "div": "div"}  # fmt: skip
_TRUE_FALSE = frozenset({"true", "false", "True", "False"})
_NONE = frozenset({"null", "None", "nil", "none", "nothing"})
_UNARY_WORDS = frozenset({"not"})
_EXPR_KEYWORDS = frozenset(_WORD_OPS) | _TRUE_FALSE | _NONE | _UNARY_WORDS | {"self", "super"}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset({")", "]", "}"})


class OpTable:
    """Binary operator precedences and associativity of one spec."""

    def __init__(self, spec: LanguageSpec) -> None:
        declared: dict[str, tuple[float, bool]] = {}
        for op in spec.operators:
            if op.symbol.strip() and op.symbol not in ASSIGN_OPS - {"="}:
                declared[spec.fold(op.symbol)] = (float(op.precedence), op.associativity == "right")
        if len({p for p, _ in declared.values()}) < 2:
            # e.g. TeachScript's name->symbol map: symbols without precedences
            declared = {sym: (0.0, right) for sym, (_, right) in declared.items()}
            flat = set(declared)
            declared = {}
        else:
            flat = set()
        values: list[float | None] = []
        for _, members in _CLASSES:
            found = [declared[spec.fold(m)][0] for m in members if spec.fold(m) in declared]
            values.append(min(found) if found else None)
        filled = _interpolate(values)
        self.prec: dict[str, tuple[float, bool]] = {}
        for (name, members), value in zip(_CLASSES, filled, strict=True):
            for m in members:
                self.prec.setdefault(spec.fold(m), (value, name == "pow"))
        self.prec.update(declared)
        for sym in flat:
            self.prec.setdefault(sym, (filled[2], False))
        self.unary = filled[2] + 0.25  # `not` binds looser than comparisons' operands
        self.neg = filled[6] - 0.25  # unary minus: tighter than `*`, looser than `**`


def _interpolate(values: list[float | None]) -> list[float]:
    """Fill unknown class precedences between (or beyond) the known ones."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return [float(i + 1) for i in range(len(values))]
    out: list[float] = []
    for i, v in enumerate(values):
        if v is not None:
            out.append(v)
            continue
        left = [(j, w) for j, w in known if j < i]
        right = [(j, w) for j, w in known if j > i]
        if left and right:
            (a, va), (b, vb) = left[-1], right[0]
            out.append(va + (vb - va) * (i - a) / (b - a))
        elif left:
            out.append(left[-1][1] + (i - left[-1][0]))
        else:
            out.append(right[0][1] - (right[0][0] - i))
    return out


_TABLES: dict[int, tuple[LanguageSpec, OpTable]] = {}


def op_table(spec: LanguageSpec) -> OpTable:
    """The operator table of `spec`, cached by identity (bounded)."""
    hit = _TABLES.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_TABLES) >= 64:
        _TABLES.clear()
    table = OpTable(spec)
    _TABLES[id(spec)] = (spec, table)
    return table


class ExprParser:
    """Cursor over significant tokens (no comments) with the expression grammar."""

    def __init__(self, spec: LanguageSpec, toks: Sequence[Token]) -> None:
        self.spec = spec
        self.toks = toks
        self.n = len(toks)
        self.pos = 0
        self.ops = op_table(spec)
        self.scope = -1
        self.depth = 0
        self.references: list[Reference] = []
        self.calls: list[Call] = []
        self.problems: list[Diagnostic] = []
        self.member = spec.member_access or "."
        self.postfix_starts = frozenset({"(", "[", self.member})
        self.terminator = spec.statement_terminator
        self._orig: dict[str, frozenset[str]] = {}
        self._binary: dict[str, tuple[str, float, bool] | None] = {}

    def originals(self, tok: Token) -> frozenset[str]:
        """The originals of a keyword token (memoised per spelling)."""
        if tok.kind is not TokenKind.KEYWORD:
            return frozenset()
        got = self._orig.get(tok.text)
        if got is None:
            got = self._orig[tok.text] = self.spec.originals_of(tok.text)
        return got

    def problem(self, tok: Token, message: str) -> None:
        """Report an unexpected token (PC110)."""
        end = tok.end if tok.kind is not TokenKind.NEWLINE else tok.start
        self.problems.append(Diagnostic(tok.start, end, Severity.ERROR, "PC110", message))

    def peek(self) -> Token | None:
        """The current token, or None at the end."""
        return self.toks[self.pos] if self.pos < self.n else None

    def skip_newlines(self) -> None:
        """Skip line breaks (inside brackets, or where an operand must follow)."""
        while self.pos < self.n and self.toks[self.pos].kind is TokenKind.NEWLINE:
            self.pos += 1

    def binary_prec(self, tok: Token, no_assign: bool) -> tuple[str, float, bool] | None:
        """(operator, precedence, right-assoc) when `tok` is a binary operator here."""
        text = tok[1]
        if no_assign and text in ASSIGN_OPS and tok[0] is _OPERATOR:
            return None
        memo = self._binary
        if text in memo:
            return memo[text]
        found: tuple[str, float, bool] | None = None
        if tok[0] is _OPERATOR:
            hit = self.ops.prec.get(self.spec.fold(text))
            found = (text, hit[0], hit[1]) if hit is not None else None
        elif tok[0] is _KEYWORD:
            for original in sorted(self.originals(tok)):
                word = _WORD_OPS.get(original)
                if word is not None:
                    hit = self.ops.prec.get(self.spec.fold(word)) or self.ops.prec.get(word)
                    if hit is not None:
                        found = (word, hit[0], hit[1])
                        break
        memo[text] = found
        return found

    def expr(self, min_prec: float = -1e9, no_assign: bool = False) -> Expr:
        """One expression; an `error` Expr (with PC110) when none starts here.

        Precedence climbing with an explicit stack of pending `(left, op, floor)` entries: the
        same trees, depth accounting and diagnostics as the recursive Pratt formulation (each
        pending operator counts one level of `depth`), without a Python call per operator.
        Names, numbers and strings, the commonest operands, are read inline.
        """
        if self.depth >= MAX_DEPTH:
            return self._too_deep()
        toks = self.toks
        n = self.n
        pos = self.pos
        if pos + 1 < n:
            # Fast path: a lone name, number or string before a line break, `,`, `)`, ...
            tok = toks[pos]
            kind = tok[0]
            if kind is _IDENT or kind is _NUMBER or kind is _STRING:
                nxt = toks[pos + 1]
                after = nxt[0]
                if (
                    after is _NEWLINE
                    or (after is _PUNCT and nxt[1] not in self.postfix_starts)
                    or (no_assign and after is _OPERATOR and nxt[1] in ASSIGN_OPS)
                ):
                    self.pos = pos + 1
                    text = tok[1]
                    if kind is _IDENT:
                        self.references.append(_new(Reference, (text, tok[2], tok[3], self.scope)))
                        return _new(Expr, ("name", tok[2], tok[3], text, ()))
                    if kind is _STRING:
                        return _new(Expr, ("str", tok[2], tok[3], text, ()))
                    return _new(
                        Expr,
                        ("int" if text.isdigit() else _number_kind(text), tok[2], tok[3], text, ()),
                    )
        self.depth += 1
        memo = self._binary
        references = self.references
        postfix_starts = self.postfix_starts
        stack: list[tuple[Expr, str, float]] = []
        floor = min_prec
        while True:
            pos = self.pos
            lead = toks[pos][0] if pos < n else None
            if lead is _IDENT:
                tok = toks[pos]
                pos = self.pos = pos + 1
                references.append(_new(Reference, (tok[1], tok[2], tok[3], self.scope)))
                left = _new(Expr, ("name", tok[2], tok[3], tok[1], ()))
            elif lead is _NUMBER:
                tok = toks[pos]
                pos = self.pos = pos + 1
                text = tok[1]
                kind_ = "int" if text.isdigit() else _number_kind(text)
                left = _new(Expr, (kind_, tok[2], tok[3], text, ()))
            elif lead is _STRING:
                tok = toks[pos]
                pos = self.pos = pos + 1
                left = _new(Expr, ("str", tok[2], tok[3], tok[1], ()))
            elif lead is _BUILTIN:
                tok = toks[pos]
                pos = self.pos = pos + 1
                left = _new(Expr, ("builtin", tok[2], tok[3], tok[1], ()))
            else:
                left = self.unary(no_assign)
                pos = -1  # unary() already took its postfix operators
            if 0 <= pos < n:
                nxt = toks[pos]
                if nxt[0] is _PUNCT and nxt[1] in postfix_starts:
                    left = self.postfix(left)
            # the binary operator after the operand, if any
            pos = self.pos
            if pos >= n:
                break
            tok = toks[pos]
            kind = tok[0]
            if kind is not _OPERATOR and kind is not _KEYWORD:
                break
            text = tok[1]
            if no_assign and kind is _OPERATOR and text in ASSIGN_OPS:
                break
            found = memo.get(text, _MISS)
            if found is _MISS:
                found = self.binary_prec(tok, no_assign)
            if found is None:
                break
            op, prec, right = found
            while prec < floor and stack:
                pleft, pop, floor = stack.pop()
                self.depth -= 1
                left = _new(Expr, ("binary", pleft[1], left[2], pop, (pleft, left)))
            if prec < floor:
                break
            pos += 1
            self.pos = pos
            if self.terminator is not None and pos < n and toks[pos][0] is _NEWLINE:
                self.skip_newlines()
            if self.depth >= MAX_DEPTH:
                rhs = self._too_deep()
                left = _new(Expr, ("binary", left[1], rhs[2], op, (left, rhs)))
                break  # `_too_deep` moved to the end of the input
            stack.append((left, op, floor))
            self.depth += 1
            floor = prec if right else prec + 1e-6
        while stack:
            pleft, pop, _ = stack.pop()
            self.depth -= 1
            left = _new(Expr, ("binary", pleft[1], left[2], pop, (pleft, left)))
        self.depth -= 1
        return left

    def _too_deep(self) -> Expr:
        """Give up on an expression nested deeper than `MAX_DEPTH` (PC110), skipping the rest."""
        tok = self.peek()
        if tok is None:
            return Expr("error", 0, 0, "")
        self.problem(tok, "expression nested too deeply")
        self.pos = self.n
        return Expr("error", tok.start, tok.start, "")

    def unary(self, no_assign: bool) -> Expr:
        """A prefix operator application or a postfix expression."""
        if self.pos >= self.n:
            return Expr("error", 0, 0, "")
        tok = self.toks[self.pos]
        kind = tok[0]
        if kind is _IDENT:
            self.pos += 1
            self.references.append(_new(Reference, (tok[1], tok[2], tok[3], self.scope)))
            left = _new(Expr, ("name", tok[2], tok[3], tok[1], ()))
        elif kind is _STRING:
            self.pos += 1
            left = _new(Expr, ("str", tok[2], tok[3], tok[1], ()))
        elif kind is _OPERATOR and tok.text in ("-", "+", "!", "~"):
            self.pos += 1
            operand = self.expr(self.ops.neg, no_assign)
            return Expr("unary", tok.start, operand.end, tok.text, (operand,))
        elif kind is _KEYWORD and "not" in self.originals(tok):
            self.pos += 1
            operand = self.expr(self.ops.unary, no_assign)
            return Expr("unary", tok.start, operand.end, "not", (operand,))
        else:
            left = self.primary()
        if self.pos < self.n:
            nxt = self.toks[self.pos]
            if nxt[0] is _PUNCT and nxt[1] in self.postfix_starts:
                return self.postfix(left)
        return left

    def primary(self) -> Expr:
        """A literal, name, bracketed expression or list; PC110 for anything else."""
        tok = self.toks[self.pos] if self.pos < self.n else None
        if tok is None:
            return Expr("error", 0, 0, "")
        kind = tok.kind
        if kind is TokenKind.IDENT:
            self.pos += 1
            self.references.append(Reference(tok.text, tok.start, tok.end, self.scope))
            return Expr("name", tok.start, tok.end, tok.text)
        if kind is TokenKind.NUMBER:
            self.pos += 1
            return Expr(_number_kind(tok.text), tok.start, tok.end, tok.text)
        if kind is TokenKind.STRING:
            self.pos += 1
            return Expr("str", tok.start, tok.end, tok.text)
        if kind is TokenKind.BUILTIN:
            self.pos += 1
            return Expr("builtin", tok.start, tok.end, tok.text)
        if kind is TokenKind.KEYWORD:
            originals = self.originals(tok)
            if originals & _TRUE_FALSE:
                self.pos += 1
                return Expr("bool", tok.start, tok.end, tok.text)
            if originals & _NONE:
                self.pos += 1
                return Expr("none", tok.start, tok.end, tok.text)
            if originals & {"self", "super", "this"}:
                self.pos += 1
                return Expr("keyword", tok.start, tok.end, tok.text)
        if kind is TokenKind.PUNCT and tok.text in _OPENERS:
            return self.bracketed(tok)
        if tok.kind is not TokenKind.PUNCT or tok.text not in (")", "]", "}"):
            shown = "end of line" if kind is TokenKind.NEWLINE else f"'{tok.text}'"
            self.problem(tok, f"unexpected {shown}: expected an expression")
        return Expr("error", tok.start, tok.start, "")

    def bracketed(self, tok: Token) -> Expr:
        """`( ... )`, `[ ... ]` or `{ ... }` starting at `tok`."""
        closer = _OPENERS[tok.text]
        self.pos += 1
        items = self.items(closer)
        end = self.close(closer, tok.end)
        kind = {"(": "paren", "[": "list", "{": "dict"}[tok.text]
        if kind == "paren" and len(items) != 1:
            kind = "list"
        return Expr(kind, tok.start, end, tok.text, items)

    def items(self, closer: str) -> tuple[Expr, ...]:
        """Comma-separated expressions up to (not including) `closer`; newlines ignored."""
        out: list[Expr] = []
        toks = self.toks
        n = self.n
        newline = TokenKind.NEWLINE
        postfix_starts = self.postfix_starts
        while True:
            while self.pos < n and toks[self.pos][0] is newline:
                self.pos += 1
            pos = self.pos
            if pos >= n or toks[pos][1] in _CLOSERS:
                break
            tok = toks[pos]
            kind = tok[0]
            nxt = toks[pos + 1] if pos + 1 < n else tok
            if (
                (kind is _IDENT or kind is _NUMBER or kind is _STRING)
                and pos + 1 < n
                and (nxt[0] is newline or (nxt[0] is _PUNCT and nxt[1] not in postfix_starts))
                and self.depth < MAX_DEPTH
            ):
                # `self.expr()` in short for a lone name or literal (its fast path)
                self.pos = pos + 1
                text = tok[1]
                if kind is _IDENT:
                    self.references.append(_new(Reference, (text, tok[2], tok[3], self.scope)))
                    item = _new(Expr, ("name", tok[2], tok[3], text, ()))
                elif kind is _STRING:
                    item = _new(Expr, ("str", tok[2], tok[3], text, ()))
                else:
                    item = _new(
                        Expr,
                        ("int" if text.isdigit() else _number_kind(text), tok[2], tok[3], text, ()),
                    )
            else:
                item = self.expr()
            while self.pos < self.n and toks[self.pos][0] is newline:
                self.pos += 1
            if self.pos >= self.n:
                out.append(item)
                break
            nxt = toks[self.pos]
            if nxt[1] == ":" and closer in ("}", "]"):
                self.pos += 1  # dict entry or slice
                self.skip_newlines()
                after = self.peek()
                if after is not None and after.text not in (",", closer):
                    value = self.expr()
                    item = Expr("binary", item.start, value.end, ":", (item, value))
                self.skip_newlines()
                nxt = toks[self.pos] if self.pos < self.n else nxt
            out.append(item)
            text = nxt[1]
            if text == ",":
                self.pos += 1
                continue
            if text in _CLOSERS or self.pos >= self.n:
                break
            if item.kind != "error" or item.start != item.end:
                self.problem(nxt, f"unexpected '{text}': expected ',' or '{closer}'")
            self.skip_to(closer)
            break
        return tuple(out)

    def close(self, closer: str, fallback: int) -> int:
        """Consume `closer` when present; the end offset of the bracketed expression."""
        pos = self.pos
        tok = self.toks[pos] if pos < self.n else None
        if tok is not None and tok[1] == closer:
            self.pos = pos + 1
            return tok[3]
        prev = self.toks[self.pos - 1] if self.pos > 0 else None
        return max(fallback, prev.end if prev is not None else fallback)

    def skip_to(self, closer: str) -> None:
        """Skip to the `closer` that balances the current bracket (or the end)."""
        depth = 0
        toks = self.toks
        while self.pos < self.n:
            text = toks[self.pos].text
            if text in _OPENERS and toks[self.pos].kind is TokenKind.PUNCT:
                depth += 1
            elif text in (")", "]", "}") and toks[self.pos].kind is TokenKind.PUNCT:
                if depth == 0:
                    return
                depth -= 1
            self.pos += 1

    def postfix(self, left: Expr) -> Expr:
        """Calls, indexing and member access after a primary."""
        toks = self.toks
        while self.pos < self.n and left[0] != "error":
            tok = toks[self.pos]
            text = tok[1]
            if tok[0] is _PUNCT and text == "(" and left[0] in _CALLABLE:
                self.pos += 1
                args = self.items(")")
                pos = self.pos
                if pos < self.n and toks[pos][1] == ")":  # `close` in short
                    self.pos = pos + 1
                    end = toks[pos][3]
                else:
                    end = self.close(")", tok[3])
                callee = left[0]
                if callee in ("name", "builtin"):  # a call of a plain name is recorded
                    start = left[1]
                    fields = (left[3], start, left[2], args, True, callee == "builtin", start, end)
                    self.calls.append(_new(Call, (*fields, self.scope)))
                left = _new(Expr, ("call", left[1], end, "(", (left, *args)))
            elif tok[0] is _PUNCT and text == "[" and left[0] in _INDEXABLE:
                self.pos += 1
                args = self.items("]")
                end = self.close("]", tok[3])
                left = _new(Expr, ("index", left[1], end, "[", (left, *args)))
            elif text == self.member and self.pos + 1 < self.n:
                nxt = toks[self.pos + 1]
                kind = nxt[0]
                if kind is not _IDENT and kind is not _BUILTIN and kind is not _KEYWORD:
                    break
                self.pos += 2
                left = _new(Expr, ("member", left[1], nxt[3], nxt[1], (left,)))
            else:
                break
        return left


def _number_kind(text: str) -> str:
    """`float` or `int` for a number literal."""
    is_float = ("." in text or "e" in text or "E" in text) and text[:2] not in ("0x", "0X")
    return "float" if is_float else "int"


_new = tuple.__new__  # builds NamedTuples without the Python-level __new__ frame (hot path)
_IDENT, _BUILTIN, _NUMBER, _STRING, _OPERATOR, _KEYWORD, _PUNCT, _NEWLINE = (
    TokenKind.IDENT,
    TokenKind.BUILTIN,
    TokenKind.NUMBER,
    TokenKind.STRING,
    TokenKind.OPERATOR,
    TokenKind.KEYWORD,
    TokenKind.PUNCT,
    TokenKind.NEWLINE,
)
_MISS: tuple[str, float, bool] = ("", 0.0, False)  # "not memoised yet" for `_binary.get`
_CALLABLE = frozenset({"name", "builtin", "member", "call", "index", "paren"})
_INDEXABLE = frozenset({"name", "builtin", "member", "call", "index", "paren", "str", "list"})
