"""Type inference over the outline and symbols, and conservative type-mismatch warnings.

Type names: int, float, str, bool, none, list, dict, unknown, or a declared name as written.
Sources: literals (`true`/`false` originals are bool, null/None/nil are none), declared
types (Pascal-ish INTEGER/REAL/STRING/BOOLEAN/CHAR and int/float/str/bool, any case),
`Builtin.return_type`, assignments (all known assigned types must agree; int with float
gives float; none with T gives T), operators (int+int=int, int+float=float, str+str=str,
`/` float, DIV/MOD/`//` int, comparisons and logical operators bool) and function returns
(declared, else the agreeing types of returned values or of assignments to a Pascal
function's name). Recursion is bounded: a chain deeper than `_MAX_DEPTH` is unknown.

PC130 (warning) is reported only when both sides are known: a value of another type assigned
to a variable with a declared type (int into a real is fine), and `+`, `-` or `/` between a
string and a number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from server.engine.diagnostic import Diagnostic, Severity

if TYPE_CHECKING:
    from server.engine.analysis import Analysis
    from server.engine.nodes import Expr, Outline
    from server.engine.spec import LanguageSpec
    from server.engine.symbols import Symbols

UNKNOWN = "unknown"
_DECLARED = {
    "INTEGER": "int", "INT": "int", "LONGINT": "int", "WORD": "int", "BYTE": "int",
    "SHORTINT": "int", "REAL": "float", "FLOAT": "float", "DOUBLE": "float",
    "SINGLE": "float", "DECIMAL": "float", "STRING": "str", "STR": "str", "CHAR": "str",
    "TEXT": "str", "BOOLEAN": "bool", "BOOL": "bool", "LIST": "list", "DICT": "dict",
}  # fmt: skip
_LITERALS = {"int": "int", "float": "float", "str": "str", "bool": "bool", "none": "none",
             "list": "list", "dict": "dict"}  # fmt: skip
_NUMERIC = frozenset({"int", "float"})
_COMPARE = frozenset({"==", "!=", "<", ">", "<=", ">=", "<>", "=", "in", "is"})
_LOGIC = frozenset({"and", "or", "&&", "||"})
_INT_OPS = frozenset({"//", "div", "DIV"})
_MOD_OPS = frozenset({"%", "mod", "MOD"})
_ARITH = frozenset({"+", "-", "/"})  # the operators `_mismatch` can flag
_MAX_DEPTH = 150


@attrs.frozen(eq=False)
class Types:
    """The inferred type of every symbol definition, and PC130 findings."""

    definition_types: tuple[str, ...]
    problems: tuple[Diagnostic, ...]


def normalize_type(declared: str | None) -> str:
    """Our type name for a declared type; unknown names stay as written."""
    if not declared:
        return UNKNOWN
    hit = _NORMALIZED.get(declared)
    if hit is None:
        hit = _DECLARED.get(declared.strip().upper(), declared.strip())
        if len(_NORMALIZED) < 4096:  # bounded: type names come from documents
            _NORMALIZED[declared] = hit
    return hit


_NORMALIZED: dict[str, str] = {}
_BINARY: dict[tuple[str, str, str], str] = {}  # (operator, left, right) -> `binary_type`


class Inferer:
    """Memoised, depth-bounded type computation for one analysis."""

    def __init__(self, spec: LanguageSpec, outline: Outline, symbols: Symbols) -> None:
        self.spec = spec
        self.outline = outline
        self.symbols = symbols
        self.memo: dict[int, str] = {}
        self.builtin_types: dict[str, str] = {}  # builtin spelling -> return type
        self.depth = 0
        self.target_at = symbols.target_at
        defs = symbols.definitions
        self.assigned: list[list[Expr]] = [[] for _ in defs]
        for a, target in zip(outline.assignments, symbols.assignment_targets, strict=True):
            if a.value is not None and 0 <= target < len(defs) and a.op in (":=", "=", "<-"):
                self.assigned[target].append(a.value)
        for i, alias in enumerate(symbols.aliases):
            value = defs[i].value
            if alias >= 0 and value is not None:
                self.assigned[alias].append(value)
        self.returned: list[list[Expr]] = [[] for _ in defs]
        for r in outline.returns:
            if r.value is not None and 0 <= r.scope < len(defs):
                self.returned[r.scope].append(r.value)

    def definition(self, index: int) -> str:
        """The type of definition `index`."""
        hit = self.memo.get(index)
        if hit is not None:
            return hit
        if self.depth > _MAX_DEPTH:
            return UNKNOWN
        self.memo[index] = UNKNOWN  # cycles resolve to unknown
        self.depth += 1
        d = self.symbols.definitions[index]
        if d.declared_type:
            result = normalize_type(d.declared_type)
        elif d.kind in ("function", "procedure"):
            values = self.returned[index] + self.assigned[index]
            if d.value is not None:
                values.append(d.value)
            result = self.combine(values)
            if result == UNKNOWN and d.kind == "procedure" and not values:
                result = "none"
        elif d.kind in ("variable", "constant"):
            values = ([d.value] if d.value is not None else []) + self.assigned[index]
            result = self.combine(values)
        elif d.kind == "label":
            result = "int"
        else:
            result = UNKNOWN
        self.depth -= 1
        self.memo[index] = result
        return result

    def combine(self, values: list[Expr]) -> str:
        """The agreed type of several assigned/returned values."""
        found: set[str] = set()
        for value in values:
            t = self.expr(value)
            if t != UNKNOWN:
                found.add(t)
        if len(found) > 1:
            found.discard("none")
        if found == {"int", "float"}:
            return "float"
        return found.pop() if len(found) == 1 else UNKNOWN

    def expr(self, e: Expr, check: list[Diagnostic] | None = None) -> str:
        """The type of expression `e`; appends PC130 findings to `check` when given."""
        kind, start, end, text, children = e
        literal = _LITERALS.get(kind)
        if literal is not None and not children:
            return literal
        if self.depth > _MAX_DEPTH:
            return UNKNOWN
        self.depth += 1
        result = UNKNOWN
        if kind == "name":
            target = self.target_at.get(start)
            if target is not None and target >= 0:
                hit = self.memo.get(target)
                result = hit if hit is not None else self.definition(target)
        elif kind == "binary" and len(children) == 2:
            a, b = children
            # A literal operand is its own type, and a name whose definition is typed already
            # needs no call (both as in `expr`, below the depth bound it checks).
            left = None if a[4] else _LITERALS.get(a[0])
            if left is None and a[0] == "name" and self.depth <= _MAX_DEPTH:
                target = self.target_at.get(a[1], -1)
                left = self.memo.get(target) if target >= 0 else UNKNOWN
            if left is None:
                left = self.expr(a, check)
            right = None if b[4] else _LITERALS.get(b[0])
            if right is None and b[0] == "name" and self.depth <= _MAX_DEPTH:
                target = self.target_at.get(b[1], -1)
                right = self.memo.get(target) if target >= 0 else UNKNOWN
            if right is None:
                right = self.expr(b, check)
            found = _BINARY.get((text, left, right))
            if found is None:
                found = binary_type(text, left, right)
                if len(_BINARY) < 4096:  # bounded: declared type names come from documents
                    _BINARY[text, left, right] = found
            result = found
            if (
                check is not None
                and (left == "str" or right == "str")
                and text in _ARITH
                and _mismatch(text, left, right)
            ):
                message = f"type mismatch: '{text}' between {left} and {right}"
                check.append(Diagnostic(start, end, Severity.WARNING, "PC130", message))
        elif literal is not None:
            if check is not None:
                for child in children:
                    if child[4]:  # a leaf has no findings
                        self.expr(child, check)
            result = literal
        elif kind == "call":
            if check is not None:
                for child in children[1:]:
                    if child[4]:  # a leaf (name, literal) has no findings
                        self.expr(child, check)
            if not children:
                result = UNKNOWN
            else:
                # a builtin's result type, memoised per spelling, without a call
                callee = children[0]
                hit = self.builtin_types.get(callee[3]) if callee[0] == "builtin" else None
                result = hit if hit is not None else self.call(callee)
        elif kind == "paren":
            result = self.expr(children[0], check) if children else UNKNOWN
        elif kind == "unary":
            operand = self.expr(children[0], check) if children else UNKNOWN
            numeric = operand if operand in _NUMERIC else UNKNOWN
            result = "bool" if text == "not" else numeric
        elif check is not None:
            for child in children:
                if child[4]:  # a leaf has no findings
                    self.expr(child, check)
        self.depth -= 1
        return result

    def call(self, callee: Expr) -> str:
        """The result type of calling `callee`."""
        if callee.kind == "builtin":
            found = self.builtin_types.get(callee.text)
            if found is None:
                fns = self.spec.builtins_by_name.get(self.spec.fold(callee.text), ())
                found = fns[0].return_type or UNKNOWN if fns else UNKNOWN
                self.builtin_types[callee.text] = found
            return found
        if callee.kind == "name":
            target = self.symbols.target_at.get(callee.start)
            if target is not None and target >= 0:
                d = self.symbols.definitions[target]
                if d.kind in ("function", "procedure"):
                    return self.definition(target)
        return UNKNOWN


def binary_type(op: str, left: str, right: str) -> str:
    """The result type of `left op right`."""
    if op in _COMPARE or (op in _LOGIC and left == right == "bool"):
        return "bool"
    if op in _LOGIC:
        return UNKNOWN
    if op == "/":
        return "float" if left in _NUMERIC and right in _NUMERIC else UNKNOWN
    if op in _INT_OPS:
        return "int" if left in _NUMERIC and right in _NUMERIC else UNKNOWN
    if left in _NUMERIC and right in _NUMERIC:
        if op in _MOD_OPS or op in ("+", "-", "*", "**", "^"):
            return "int" if left == right == "int" else "float"
        return UNKNOWN
    if op == "+" and left == right and left in ("str", "list"):
        return left
    if op == "*" and {left, right} == {"str", "int"}:
        return "str"
    return UNKNOWN


def _mismatch(op: str, left: str, right: str) -> bool:
    """A certain str/number clash under `+`, `-` or `/`."""
    if op not in ("+", "-", "/"):
        return False
    return (left == "str" and right in _NUMERIC) or (right == "str" and left in _NUMERIC)


def _compatible(declared: str, actual: str) -> bool:
    """Whether a value of type `actual` may be stored in a variable declared `declared`."""
    if declared == actual or UNKNOWN in (declared, actual) or actual == "none":
        return True
    if declared not in ("int", "float", "str", "bool", "list", "dict"):
        return True  # a declared name we do not know: never guess
    return declared == "float" and actual == "int"


def infer_types(spec: LanguageSpec, outline: Outline, symbols: Symbols) -> Types:
    """Types of all definitions plus PC130 findings; never raises."""
    inf = Inferer(spec, outline, symbols)
    # A line-number label is an int; no name resolves to one, so it needs no memo entry.
    definition = inf.definition
    types = tuple(
        ["int" if d[1] == "label" else definition(i) for i, d in enumerate(symbols.definitions)]
    )
    problems: list[Diagnostic] = []
    # Every definition type is final now, so an expression's type no longer depends on when
    # it is asked for: remember the top-level ones for the declared-type checks below
    # (a leaf, a name or a literal, has no findings; those checks type it when they need to).
    top: dict[int, str] = {}
    for e in outline.exprs:
        if e[4]:
            top[id(e)] = inf.expr(e, problems)
    defs = symbols.definitions
    for a, target in zip(outline.assignments, symbols.assignment_targets, strict=True):
        if a.value is None or not (0 <= target < len(defs)) or a.op not in (":=", "=", "<-"):
            continue
        if not defs[target].declared_type:
            continue  # `normalize_type` would say unknown
        declared = normalize_type(defs[target].declared_type)
        if declared == UNKNOWN or defs[target].kind not in ("variable", "constant", "function"):
            continue
        actual = top.get(id(a.value)) or inf.expr(a.value)
        if declared != actual and not _compatible(declared, actual):
            problems.append(
                Diagnostic(
                    a.value.start,
                    a.value.end,
                    Severity.WARNING,
                    "PC130",
                    f"type mismatch: '{a.name}' is declared {defs[target].declared_type} "
                    f"but is assigned a {actual}",
                )
            )
    for d in defs:
        if d.declared_type and d.value is not None and d.kind in ("variable", "constant"):
            actual = top.get(id(d.value)) or inf.expr(d.value)
            declared = normalize_type(d.declared_type)
            if declared != actual and not _compatible(declared, actual):
                problems.append(
                    Diagnostic(
                        d.value.start,
                        d.value.end,
                        Severity.WARNING,
                        "PC130",
                        f"type mismatch: '{d.name}' is declared {d.declared_type} "
                        f"but is initialised with a {actual}",
                    )
                )
    return Types(types, tuple(problems))


def type_of_definition(analysis: Analysis, symbol: int) -> str:
    """The inferred type of definition `symbol` of an analysis ("unknown" when out of range)."""
    types = analysis.types.definition_types
    return types[symbol] if 0 <= symbol < len(types) else UNKNOWN


def type_at(analysis: Analysis, offset: int) -> str:
    """The type of the name or innermost expression at `offset`; "unknown" when unknown."""
    from server.engine.symbols import symbol_at

    target = symbol_at(analysis.symbols, offset)
    if target is not None:
        return type_of_definition(analysis, target)
    found: Expr | None = None
    for e in analysis.outline.exprs:
        if e.start <= offset < e.end or (offset == e.end and e.start < e.end):
            found = e
            break
    if found is None:
        return UNKNOWN
    steps = 0
    while steps < _MAX_DEPTH:
        inner = next((c for c in found.children if c.start <= offset < c.end), None)
        if inner is None:
            break
        found = inner
        steps += 1
    return Inferer(analysis.spec, analysis.outline, analysis.symbols).expr(found)
