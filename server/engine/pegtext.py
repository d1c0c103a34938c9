"""The PEG rule notation (PARSERCRAFT.md section 5) read into expression records, and checked.

Upstream joins a grammar's rules into `name <- pattern` lines and reads that text; we do the
same, so multi-line patterns behave as upstream (a line that neither starts with whitespace
or `|` nor defines a rule is lost). Unlike upstream, everything silently dropped is reported
as a `GrammarProblem`, as are undefined rules, a missing start rule, left recursion and bad
regexes. Nothing here raises; nesting is bounded so hostile configs cannot exhaust the stack.
"""

from __future__ import annotations

import re
import warnings

import attrs

__all__ = [
    "MAX_NESTING",
    "TOKENS",
    "Alt",
    "AnyChar",
    "Cls",
    "Expr",
    "GrammarProblem",
    "Lit",
    "Look",
    "Ref",
    "Rep",
    "Seq",
    "Tok",
    "check_rules",
    "compile_regex",
    "is_nullable",
    "left_calls",
    "left_recursion",
    "nullable_rules",
    "read_pattern",
    "read_rules",
    "references",
]

TOKENS = frozenset({"NUMBER", "STRING", "IDENT", "NEWLINE", "EOF", "INDENT", "DEDENT"})
MAX_NESTING = 64
_NAME = re.compile(r"\w+")
_LABEL = re.compile(r"@\w*:?")
_RULE_LINE = re.compile(r"\s*(\w+)\s*<-\s*(.*)$", re.DOTALL)


@attrs.frozen
class GrammarProblem:
    """A grammar finding: `rule` ('' for grammar-wide ones), 0-based `column` in its pattern."""

    rule: str
    column: int | None
    message: str


@attrs.frozen
class Lit:
    """A literal, backslash escapes kept raw."""

    text: str


@attrs.frozen
class Tok:
    """A built-in token such as `IDENT`."""

    name: str


@attrs.frozen
class Cls:
    """A character class; `body` is the text between the brackets."""

    body: str
    column: int


@attrs.frozen
class AnyChar:
    """The `.` expression: any one character."""


@attrs.frozen
class Ref:
    """A reference to a rule by name."""

    name: str
    column: int


@attrs.frozen
class Seq:
    """A sequence; the empty sequence always matches."""

    items: tuple[Expr, ...]


@attrs.frozen
class Alt:
    """An ordered choice."""

    alts: tuple[Expr, ...]


@attrs.frozen
class Rep:
    """`*`, `+` or `?` applied to `inner`."""

    op: str
    inner: Expr


@attrs.frozen
class Look:
    """`&` or `!` look-ahead on `inner`."""

    op: str
    inner: Expr


Expr = Lit | Tok | Cls | AnyChar | Ref | Seq | Alt | Rep | Look


def _combine(outer: str, inner: str) -> str:
    """The single operator equal to `(p inner) outer`: `(a+)+` is `a+`, any mix is `a*`."""
    return outer if outer == inner else "*"


class _Reader:
    """Recursive-descent reader for one pattern, collecting problems instead of raising."""

    def __init__(self, rule: str, text: str) -> None:
        self.rule = rule
        self.text = text
        self.pos = 0
        self.halted = False
        self.problems: list[GrammarProblem] = []

    def problem(self, column: int | None, message: str) -> None:
        self.problems.append(GrammarProblem(self.rule, column, message))

    def peek(self) -> str:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos
        return text[pos] if pos < len(text) and not self.halted else ""

    def choice(self, depth: int) -> Expr:
        alts = [self.sequence(depth)]
        while self.peek() == "/":
            self.pos += 1
            alts.append(self.sequence(depth))
        return alts[0] if len(alts) == 1 else Alt(tuple(alts))

    def sequence(self, depth: int) -> Expr:
        items: list[Expr] = []
        while (ch := self.peek()) and ch not in "/)":
            if ch == "{":
                self.skip_action()
                break
            item = self.item(depth)
            if item is None:
                break
            items.append(item)
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def skip_action(self) -> None:
        """Skip a `{ action }` (nested braces allowed, a missing `}` tolerated)."""
        level, pos = 0, self.pos
        while pos < len(self.text):
            level += {"{": 1, "}": -1}.get(self.text[pos], 0)
            pos += 1
            if level == 0:
                break
        self.pos = pos

    def item(self, depth: int) -> Expr | None:
        expr = self.prefixed(depth)
        while expr is not None and (op := self.peek()) and op in "*+?":
            self.pos += 1
            expr = (
                Rep(_combine(op, expr.op), expr.inner) if isinstance(expr, Rep) else Rep(op, expr)
            )
        return expr

    def prefixed(self, depth: int) -> Expr | None:
        if depth > MAX_NESTING:
            self.problem(self.pos, f"pattern nested deeper than {MAX_NESTING}; the rest is ignored")
            self.halted = True
            return None
        ch, start = self.peek(), self.pos
        if ch and ch in "@&!":
            label = _LABEL.match(self.text, start) if ch == "@" else None
            self.pos = label.end() if label else start + 1
            inner = self.prefixed(depth + 1)
            if inner is None and not self.halted:
                self.pos = start  # nothing to apply it to: report the pattern text from here
            return Look(ch, inner) if inner is not None and ch != "@" else inner
        return self.primary(depth) if ch else None

    def primary(self, depth: int) -> Expr | None:
        text, start = self.text, self.pos
        ch = text[start]
        if ch == "(":
            self.pos += 1
            inner = self.choice(depth + 1)
            if self.peek() == ")":
                self.pos += 1
            elif not self.halted:
                self.problem(start, f"missing ')' for the group opened at column {start}")
            return inner
        if ch in "'\"[":
            close = "]" if ch == "[" else ch
            end = start + 1
            if ch == "[":  # Python class syntax: a `]` first (after any `^`) is literal
                end += text.startswith("^", end)
                end += text.startswith("]", end)
            while end < len(text) and text[end] != close:
                end += 2 if text[end] == "\\" else 1
            body = text[start + 1 : min(end, len(text))]
            self.pos = min(end + 1, len(text))
            if end >= len(text):
                what = "character class" if ch == "[" else "literal"
                self.problem(start, f"unterminated {what} {text[start:]!r}; it runs to the end")
            return Cls(body, start) if ch == "[" else Lit(body)
        if ch == ".":
            self.pos += 1
            return AnyChar()
        name = _NAME.match(text, start)
        if name is None:
            return None
        self.pos = name.end()
        word = name.group()
        return Tok(word) if word in TOKENS else Ref(word, start)


def read_pattern(rule: str, text: str) -> tuple[Expr, tuple[GrammarProblem, ...]]:
    """The expression of one pattern and the problems found; trailing junk is reported."""
    reader = _Reader(rule, text)
    expr = reader.choice(0)
    if not reader.halted and reader.peek():
        rest = text[reader.pos :]
        shown = rest if len(rest) <= 30 else rest[:30] + "..."
        reader.problem(reader.pos, f"pattern text from {rest[0]!r} on is ignored: {shown!r}")
    return expr, tuple(reader.problems)


def read_rules(
    rules: tuple[tuple[str, str], ...],
) -> tuple[dict[str, Expr], tuple[GrammarProblem, ...]]:
    """Rule name -> expression, read the way upstream reads its joined `name <- pattern` text."""
    problems: list[GrammarProblem] = []
    patterns: dict[str, list[str]] = {}
    for origin, pattern in rules:
        current: str | None = None
        for number, line in enumerate(f"{origin} <- {pattern}".split("\n"), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if "<-" not in line and line[:1] in (" ", "\t", "|"):
                if current is not None:
                    patterns[current].append(stripped)
                continue
            match = _RULE_LINE.match(line)
            if match is None and number == 1:
                problems.append(GrammarProblem(origin, None, "rule name is not a word; dropped"))
                continue
            if match is None:
                problems.append(
                    GrammarProblem(
                        origin,
                        None,
                        f"pattern line {number} does not start with whitespace or '|' and is "
                        f"dropped: {stripped!r} (a YAML '|' block loses such lines; use '>')",
                    )
                )
                continue
            current = match.group(1)
            if number > 1:
                problems.append(
                    GrammarProblem(origin, None, f"pattern line {number} defines rule {current!r}")
                )
            elif current != origin:
                problems.append(GrammarProblem(origin, None, "rule name is not a word (\\w+)"))
            if current in patterns:
                problems.append(GrammarProblem(current, None, "rule defined twice; the last wins"))
            patterns[current] = [match.group(2).strip()]
    exprs: dict[str, Expr] = {}
    for name, parts in patterns.items():
        if name in TOKENS:
            problems.append(GrammarProblem(name, None, "rule is shadowed by the built-in token"))
        exprs[name], found = read_pattern(name, " ".join(parts))
        problems.extend(found)
    return exprs, tuple(problems)


def compile_regex(source: str) -> tuple[re.Pattern[str] | None, str | None]:
    """The compiled regex, or None and the reason (FutureWarnings count as problems too)."""
    # catch_warnings touches process-wide state; acceptable because compile results are cached.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compiled = re.compile(source)
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            return None, str(exc)
    if caught:
        return None, str(caught[0].message)
    return compiled, None


def check_rules(exprs: dict[str, Expr], start: str) -> tuple[GrammarProblem, ...]:
    """A missing start rule, undefined references and left recursion, as problems."""
    problems = (
        [GrammarProblem(start, None, "start rule is not defined")] if start not in exprs else []
    )
    for name, expr in exprs.items():
        problems.extend(
            GrammarProblem(name, ref.column, f"undefined rule {ref.name!r} never matches")
            for ref in references(expr)
            if ref.name not in exprs
        )
    return (*problems, *left_recursion(exprs))


def nullable_rules(exprs: dict[str, Expr]) -> frozenset[str]:
    """Rules that can succeed without consuming input (least fixpoint)."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, expr in exprs.items():
            if name not in found and is_nullable(expr, found):
                found.add(name)
                changed = True
    return frozenset(found)


def is_nullable(expr: Expr, nullable: set[str] | frozenset[str]) -> bool:
    """True when `expr` can succeed without consuming input, given the nullable rules."""
    match expr:
        case Lit(text):
            return text == ""
        case Tok(name):
            return name == "EOF"
        case Ref(name, _):
            return name in nullable
        case Seq(items):
            return all(is_nullable(item, nullable) for item in items)
        case Alt(alts):
            return any(is_nullable(alt, nullable) for alt in alts)
        case Rep(op, inner):
            return op != "+" or is_nullable(inner, nullable)
        case Look():
            return True
    return False


def left_calls(expr: Expr, nullable: frozenset[str]) -> set[str]:
    """Rules `expr` may call at its own start position (through nullable prefixes)."""
    match expr:
        case Ref(name, _):
            return {name}
        case Seq(items):
            calls: set[str] = set()
            for item in items:
                calls |= left_calls(item, nullable)
                if not is_nullable(item, nullable):
                    break
            return calls
        case Alt(alts):
            return set().union(*(left_calls(alt, nullable) for alt in alts))
        case Rep(_, inner) | Look(_, inner):
            return left_calls(inner, nullable)
    return set()


def references(expr: Expr) -> list[Ref]:
    """Every rule reference in `expr`, in pattern order."""
    match expr:
        case Ref():
            return [expr]
        case Seq(parts) | Alt(parts):
            return [ref for part in parts for ref in references(part)]
        case Rep(_, inner) | Look(_, inner):
            return references(inner)
    return []


def left_recursion(exprs: dict[str, Expr]) -> tuple[GrammarProblem, ...]:
    """One problem per left-recursive rule, naming a cycle such as `expr -> term -> expr`."""
    nullable = nullable_rules(exprs)
    graph = {name: left_calls(expr, nullable) & exprs.keys() for name, expr in exprs.items()}
    problems: list[GrammarProblem] = []
    for rule in exprs:
        parent: dict[str, str] = {}
        frontier = [rule]
        while frontier and rule not in parent:
            nxt: list[str] = []
            for node in frontier:
                for callee in sorted(graph[node]):
                    if callee not in parent:
                        parent[callee] = node
                        nxt.append(callee)
            frontier = nxt
        if rule in parent:
            path = [rule]
            while (path[-1] != rule or len(path) == 1) and len(path) <= len(exprs):
                path.append(parent[path[-1]])
            cycle = " -> ".join(reversed(path))
            problems.append(
                GrammarProblem(
                    rule,
                    None,
                    f"left recursion ({cycle}); the rule fails when it re-enters itself at the "
                    "same position",
                )
            )
    return tuple(problems)
