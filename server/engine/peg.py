"""PEG grammar engine: config grammars (PARSERCRAFT.md section 5) compiled and run as a VM.

Patterns are compiled once per `Grammar` into an opcode list that a loop runs with explicit
backtrack/call stacks, so input nesting never touches Python's recursion limit (it is bounded
by `max_depth` instead) and `max_steps` caps the work. Rule results are memoised on
(rule, position, inside-`!`), which keeps a parse linear in the input. Matching follows the
upstream semantics except where noted: trailing comments are skipped before the end-of-input
check, left recursion fails at re-entry instead of crashing, and every silently dropped piece
of a grammar is reported.

Left-recursive grammars are reported (PEG003); their memoised results may depend on the
order in which rules were first tried, as with any "fail at re-entry" packrat parser.

Comment regexes come from user configs and may backtrack catastrophically; `re` cannot be
interrupted, so callers must run `parse` off the event loop under a deadline (the server does).
"""

from __future__ import annotations

import functools
import re
import sys
from typing import TYPE_CHECKING, NamedTuple

import attrs

from server.engine import pegtext
from server.engine.collect import collector_paused
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.pegtext import GrammarProblem

if TYPE_CHECKING:
    from server.engine.spec import Grammar

__all__ = ["CompiledGrammar", "GrammarProblem", "PegNode", "PegResult", "compile_grammar", "parse"]

# Opcodes, numbered so that related ones form ranges the dispatch loop tests with `<=`.
(_LIT, _TOK, _CALL, _RET, _CHOICE, _PLUS, _COMMIT, _LOOP, _FAIL, _CLS, _ANY, _NOT, _AND,
 _NOT_END, _AND_END, _END) = range(16)  # fmt: skip
_FAIL_PC = 0  # ops[0] is a FAIL instruction; a failing instruction jumps there
_E_FRAME, _E_CHOICE, _E_NOT, _E_AND = range(4)
_TOKEN_KINDS = ("NUMBER", "STRING", "IDENT", "NEWLINE", "EOF", "INDENT", "DEDENT")
_TOKEN_SHOWN = tuple(
    (name,) for name in ("NUMBER", "STRING", "IDENT", "NEWLINE", "end of input", "INDENT", "DEDENT")
)
_ANY_SHOWN = ("any character",)
_TOKEN_LEAF = ("Number", "String", "Identifier", "Newline")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(r"\"[^\"\\]*(?:\\.[^\"\\]*)*\"|'[^'\\]*(?:\\.[^'\\]*)*'", re.DOTALL)
_IDENT = re.compile(r"[a-zA-Z_]\w*")
_FOUND = re.compile(r"\w+|\S")
_TOKEN_RX = (_NUMBER, _STRING, _IDENT)
_Instr = tuple[int, int, int]
_Entry = tuple[int, int, int, int, int, int, int]


class PegNode(NamedTuple):
    """A matched rule (`kind` 'rule') or leaf over code points `[start, end)`.

    Leaves are 'literal' (rule 'Operator'), 'token' ('Number', 'String', 'Identifier',
    'Newline') and 'char' ('Char'). A NamedTuple rather than an attrs class: a parse makes one
    per rule match and creating a tuple costs a third of a frozen attrs instance (measured).
    Trees can be `max_depth` deep, so walk them iteratively.
    """

    rule: str
    start: int
    end: int
    children: tuple[PegNode, ...] = ()
    kind: str = "rule"


@attrs.frozen
class PegResult:
    """A parse outcome: `tree` is set whenever the start rule matched, even with trailing input.

    On failure `error_offset` is the farthest offset any terminal was tried at and `expected`
    everything tried there (outside `!`); `top_level` holds the start node's rule children.
    """

    ok: bool
    tree: PegNode | None
    error_offset: int | None
    expected: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    top_level: tuple[PegNode, ...]


@attrs.frozen
class CompiledGrammar:
    """A grammar ready to run: opcodes, literal/class tables and the problems found."""

    name: str
    start: str
    problems: tuple[GrammarProblem, ...]
    ops: tuple[_Instr, ...]
    rule_names: tuple[str, ...]
    literals: tuple[tuple[tuple[str, bool], ...], ...]
    classes: tuple[re.Pattern[str] | None, ...]
    shown: tuple[tuple[str, ...], ...]
    class_shown: tuple[tuple[str, ...], ...]
    comments: tuple[re.Pattern[str], ...]
    skip_whitespace: bool
    has_start: bool


def _quote(text: str) -> str:
    """`text` in single quotes, or double quotes when it holds only single ones."""
    return f'"{text}"' if "'" in text and '"' not in text else f"'{text}'"


class _Emitter:
    """Turns expression records into opcodes; jump targets are absolute indices."""

    def __init__(self, rule_ids: dict[str, int]) -> None:
        self.rule_ids = rule_ids
        self.ops: list[list[int]] = [[_FAIL, 0, 0]]
        self.literals: list[tuple[tuple[str, bool], ...]] = []
        self.classes: list[re.Pattern[str] | None] = []
        self.shown: list[tuple[str, ...]] = []
        self.class_shown: list[tuple[str, ...]] = []
        self.problems: list[GrammarProblem] = []
        self.rule = ""

    def op(self, code: int, a: int = 0, b: int = 0) -> int:
        self.ops.append([code, a, b])
        return len(self.ops) - 1

    def literal_group(self, texts: tuple[str, ...]) -> None:
        """One LIT instruction trying `texts` in order (a choice of literals costs one step)."""
        self.op(_LIT, len(self.literals))
        self.literals.append(tuple((text, text.isalpha()) for text in texts))
        self.shown.append(tuple(_quote(text) for text in texts))

    def emit_choice(self, alts: tuple[pegtext.Expr, ...]) -> None:
        """An ordered choice; each run of adjacent literal alternatives becomes one group."""
        parts: list[pegtext.Expr | tuple[str, ...]] = []
        for alt in alts:
            if isinstance(alt, pegtext.Lit) and parts and isinstance(parts[-1], tuple):
                parts[-1] = (*parts[-1], alt.text)
            else:
                parts.append((alt.text,) if isinstance(alt, pegtext.Lit) else alt)
        commits = []
        for index, part in enumerate(parts):
            choice = self.op(_CHOICE) if index < len(parts) - 1 else 0
            self.literal_group(part) if isinstance(part, tuple) else self.emit(part)
            if choice:
                commits.append(self.op(_COMMIT))
                self.ops[choice][1] = len(self.ops)
        for commit in commits:
            self.ops[commit][1] = len(self.ops)

    def emit(self, expr: pegtext.Expr) -> None:
        match expr:
            case pegtext.Lit(text):
                self.literal_group((text,))
            case pegtext.Tok(name):
                self.op(_TOK, _TOKEN_KINDS.index(name))
            case pegtext.Cls(body, column):
                compiled, error = pegtext.compile_regex(f"[{body}]")
                if error is not None:
                    self.problems.append(
                        GrammarProblem(self.rule, column, f"bad class [{body}]: {error}")
                    )
                self.op(_CLS, len(self.classes))
                self.classes.append(compiled)
                self.class_shown.append((f"[{body}]",))
            case pegtext.AnyChar():
                self.op(_ANY)
            case pegtext.Ref(name, _):
                self.op(_CALL, self.rule_ids[name]) if name in self.rule_ids else self.op(_FAIL)
            case pegtext.Seq(items):
                for item in items:
                    self.emit(item)
            case pegtext.Alt(alts):
                self.emit_choice(alts)
            case pegtext.Rep("?", inner):
                choice = self.op(_CHOICE)
                self.emit(inner)
                commit = self.op(_COMMIT)
                self.ops[choice][1] = self.ops[commit][1] = len(self.ops)
            case pegtext.Rep(op, inner):
                head = self.op(_CHOICE if op == "*" else _PLUS)
                self.emit(inner)
                self.op(_LOOP, head + 1, len(self.ops) + 1)
                self.ops[head][1] = len(self.ops)
            case pegtext.Look("!", inner):
                head = self.op(_NOT)
                self.emit(inner)
                self.op(_NOT_END)
                self.ops[head][1] = len(self.ops)
            case pegtext.Look(_, inner):
                self.op(_AND)
                self.emit(inner)
                self.op(_AND_END)


@functools.lru_cache(maxsize=32)
def compile_grammar(grammar: Grammar) -> CompiledGrammar:
    """The grammar compiled once (cached per record); problems are collected, never raised."""
    exprs, read_problems = pegtext.read_rules(grammar.rules)
    problems = list(read_problems)
    comments: list[re.Pattern[str]] = []
    for source in grammar.comments:
        compiled, error = pegtext.compile_regex(source)
        if compiled is None:
            problems.append(GrammarProblem("", None, f"bad comment regex {source!r}: {error}"))
        else:
            comments.append(compiled)
    problems.extend(pegtext.check_rules(exprs, grammar.start))
    rule_names = tuple(exprs)
    emitter = _Emitter({name: index for index, name in enumerate(rule_names)})
    emitter.op(_CALL, rule_names.index(grammar.start) if grammar.start in exprs else 0)
    emitter.op(_END)
    entries = []
    for name, expr in exprs.items():
        emitter.rule = name
        entries.append(len(emitter.ops))
        emitter.emit(expr)
        emitter.op(_RET)
    for instr in emitter.ops:  # CALL carries the rule index; resolve it to the entry point
        if instr[0] == _CALL:
            instr[2] = entries[instr[1]] if entries else 0
    return CompiledGrammar(
        name=grammar.name,
        start=grammar.start,
        problems=tuple(problems + emitter.problems),
        ops=tuple((code, a, b) for code, a, b in emitter.ops),
        rule_names=rule_names,
        literals=tuple(emitter.literals),
        classes=tuple(emitter.classes),
        shown=tuple(emitter.shown),
        class_shown=tuple(emitter.class_shown),
        comments=tuple(comments),
        skip_whitespace=grammar.skip_whitespace,
        has_start=grammar.start in exprs,
    )


class _Run(NamedTuple):
    """Raw VM outcome: status 'ok', 'trailing', 'fail', 'depth' or 'steps'."""

    status: str
    tree: PegNode | None
    pos: int
    far: int
    expected: frozenset[str]


def _run(g: CompiledGrammar, text: str, limit: int, max_depth: int) -> _Run:
    """Execute the opcodes over `text` with explicit stacks (no Python recursion)."""
    ops, literals, classes, shown, names = g.ops, g.literals, g.classes, g.shown, g.rule_names
    comments, skipping = g.comments, g.skip_whitespace
    n, content_end, key_stride = len(text), len(text.rstrip()), 2 * max(1, len(names))
    memo: dict[int, PegNode | None] = {}  # None: failed or in progress
    skipc = [-1] * (n + 1)  # offset -> offset after whitespace and comments, -1 = unknown
    caps: list[PegNode] = []
    stack: list[_Entry] = []
    pos = neg = depth = steps = far = fpos = 0
    pc = 1
    expected: set[str] = set()
    fitem: tuple[str, ...] | None = None

    def skip_at(at: int) -> int:
        # Whitespace, then each comment regex at the offset, until nothing moves (section 5).
        start, moved = at, True
        while moved:
            while at < n and text[at] in " \t\r\n":
                at += 1
            moved = False
            for rx in comments:
                found = rx.match(text, at)
                if found is not None and found.end() > at:
                    at, moved = found.end(), True
        skipc[start] = at
        return at

    while True:
        code, a, b = ops[pc]
        if code <= _CALL:
            p = pos
            if skipping:
                p = skipc[pos]
                if p < 0:
                    p = skip_at(pos)
            if code == _LIT:
                for lit, alpha in literals[a]:
                    if text.startswith(lit, p):
                        e = p + len(lit)
                        if not (alpha and e < n and (text[e].isalnum() or text[e] == "_")):
                            caps.append(PegNode("Operator", p, e, (), "literal"))
                            pos, pc = e, pc + 1
                            break
                else:
                    fitem, fpos, pc = shown[a], p, _FAIL_PC
            elif code == _CALL:
                key = p * key_stride + 2 * a + (neg > 0)
                memoised = memo.get(key, _ABSENT)
                if memoised is _ABSENT:
                    steps += 1
                    if depth >= max_depth or steps > limit:
                        return _Run("depth" if depth >= max_depth else "steps", None, p, far, _F)
                    memo[key] = None  # a re-entry at this position fails: left recursion
                    stack.append((_E_FRAME, pc + 1, p, len(caps), neg, a, key))
                    depth, pos, pc = depth + 1, p, b
                elif memoised is None:
                    pc = _FAIL_PC
                else:
                    caps.append(memoised)
                    pos, pc = memoised.end, pc + 1
            else:
                e = -1
                if a < 3:
                    m = _TOKEN_RX[a].match(text, p)
                    e = -1 if m is None else m.end()
                elif a == 3:
                    e = (
                        p + 1
                        if text.startswith("\n", p)
                        else p + 2
                        if text.startswith("\r\n", p)
                        else -1
                    )
                elif a == 4 and p >= content_end:
                    pos, pc = p, pc + 1
                    continue
                if e >= 0:
                    caps.append(PegNode(_TOKEN_LEAF[a], p, e, (), "token"))
                    pos, pc = e, pc + 1
                    continue
                fitem, fpos, pc = _TOKEN_SHOWN[a], p, _FAIL_PC
        elif code == _RET:
            _, pc, start, base, _, rule, key = stack.pop()
            node = PegNode(names[rule], start, pos, tuple(caps[base:]))
            del caps[base:]
            caps.append(node)
            memo[key] = node
            depth -= 1
        elif code <= _PLUS:
            stack.append((_E_CHOICE, a, pos, len(caps), neg, code == _CHOICE, 0))
            pc += 1
        elif code == _COMMIT:
            stack.pop()
            pc = a
        elif code == _LOOP:
            top = stack[-1]
            if pos == top[2]:  # the iteration consumed nothing: stop (section 5)
                stack.pop()
                pc = b
            else:
                steps += 1
                if steps > limit:
                    return _Run("steps", None, pos, far, _F)
                stack[-1] = (_E_CHOICE, top[1], pos, len(caps), neg, 1, 0)
                pc = a
        elif code == _FAIL:
            if fitem is not None:
                if not neg and fpos >= far:  # items under `!` are never "expected"
                    if fpos > far:
                        far, expected = fpos, set()
                    expected.update(fitem)
                fitem = None
            while stack:
                kind, target, at, base, level, armed, _ = stack.pop()
                if kind == _E_FRAME:
                    depth -= 1
                elif kind == _E_NOT or (kind == _E_CHOICE and armed):
                    pos, neg, pc = at, level, target
                    del caps[base:]
                    break
            else:
                return _Run("fail", None, 0, far, frozenset(expected))
        elif code <= _ANY:
            rx = classes[a] if code == _CLS else None
            if pos < n and (code == _ANY or (rx is not None and rx.match(text, pos))):
                caps.append(PegNode("Char", pos, pos + 1, (), "char"))
                pos, pc = pos + 1, pc + 1
            else:
                fitem = g.class_shown[a] if code == _CLS else _ANY_SHOWN
                fpos, pc = pos, _FAIL_PC
        elif code <= _AND:
            stack.append((_E_NOT if code == _NOT else _E_AND, a, pos, len(caps), neg, 0, 0))
            neg += code == _NOT
            pc += 1
        elif code <= _AND_END:
            _, _, pos, base, neg, _, _ = stack.pop()
            del caps[base:]
            pc = _FAIL_PC if code == _NOT_END else pc + 1
        else:  # END: the start rule matched
            end = skip_at(pos) if skipping else pos  # comments too: no trailing-comment error
            status = "ok" if end >= content_end else "trailing"
            return _Run(status, caps[-1], end, far, frozenset(expected))


_F: frozenset[str] = frozenset()
_ABSENT = PegNode("", -1, -1)


def _either(items: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _found(text: str, at: int) -> tuple[str, int]:
    """How the input at `at` is shown in a message, and where that piece ends."""
    if at >= len(text):
        return "end of input", len(text)
    piece = _FOUND.match(text, at)
    if piece is None:
        return ("end of line" if text[at] == "\n" else repr(text[at])), at + 1
    word = piece.group()
    shown = word if len(word) <= 30 else word[:30] + "..."
    return (_quote(shown) if shown.isprintable() else repr(shown)), piece.end()


def _error(text: str, at: int, expected: frozenset[str], code: str) -> Diagnostic:
    """A PEG001/PEG002 diagnostic spanning the offending piece of input."""
    found, end = _found(text, at)
    head = "syntax error" if code == "PEG001" else "unexpected input"
    if not expected:
        return Diagnostic(at, end, Severity.ERROR, code, f"{head}: unexpected {found}")
    wanted = _either(sorted(expected))
    return Diagnostic(at, end, Severity.ERROR, code, f"{head}: expected {wanted}, found {found}")


def _note(grammar: str, problem: GrammarProblem) -> Diagnostic:
    """A PEG003 warning at the document start describing a grammar problem."""
    where = f"rule {problem.rule!r}: " if problem.rule else ""
    if problem.rule and problem.column is not None:
        where = f"rule {problem.rule!r}, column {problem.column}: "
    text = f"grammar {grammar!r}: {where}{problem.message}"
    return Diagnostic(0, 0, Severity.WARNING, "PEG003", text)


def parse(
    compiled: CompiledGrammar, text: str, *, max_steps: int | None = None, max_depth: int = 2000
) -> PegResult:
    """Parse `text`; never raises, and stops with PEG004 past `max_steps` or `max_depth`.

    A step is one rule invocation that is not answered from the memo, or one repetition round.
    `max_depth` bounds nested rule calls (no Python recursion is involved at any depth). Grammar
    problems come first in `diagnostics` as PEG003 warnings at offset 0.
    """
    notes = tuple(_note(compiled.name, problem) for problem in compiled.problems)
    if not compiled.has_start:
        return PegResult(False, None, 0, (), notes, ())
    limit = sys.maxsize if max_steps is None else max_steps
    with collector_paused():
        run = _run(compiled, text, limit, max_depth)
    top = () if run.tree is None else tuple(c for c in run.tree.children if c.kind == "rule")
    if run.status == "ok":
        return PegResult(True, run.tree, None, (), notes, top)
    if run.status in ("depth", "steps"):
        message = (
            f"nesting too deep: more than {max_depth} nested rule calls; parsing stopped"
            if run.status == "depth"
            else f"grammar too expensive: parsing stopped after {max_steps} steps"
        )
        diag = Diagnostic(run.pos, run.pos, Severity.WARNING, "PEG004", message)
        return PegResult(False, None, run.pos, (), (*notes, diag), ())
    at, expected, code = run.far, run.expected, "PEG001"
    if run.status == "trailing" and run.far <= run.pos:
        at, code = run.pos, "PEG002"
        expected = (expected if run.far == run.pos else _F) | {"end of input"}
    diag = _error(text, at, expected, code)
    return PegResult(False, run.tree, at, tuple(sorted(expected)), (*notes, diag), top)
