"""All diagnostics of one analysed document, with stable codes and precise ranges.

| code | severity | meaning |
|---|---|---|
| PC001 | error | unterminated string (range: the string token) |
| PC002 | error | unterminated block comment (range: the comment) |
| PC003 | error | invalid character, e.g. binary content (range: the characters) |
| PC100 | error | unclosed block (range: the opener) |
| PC101 | error | closer without an open block (range: the closer) |
| PC102 | error | closer that does not match the innermost open block (names the expected one) |
| PC103 | error | unclosed bracket (range: the bracket) |
| PC104 | error | closing bracket without a matching opener |
| PC110 | error | unexpected token; the parser resumes at the next statement |
| PC120 | error | builtin called with a wrong number of arguments (parenthesised calls, §12.9) |
| PC121 | error | user function called with a wrong number of arguments (parenthesised calls only) |
| PC130 | warning | type mismatch (only when both types are known) |
| PC140 | warning | undefined name or undefined line number |
| PC141 | warning | duplicate definition in one scope (see below) |
| PEG001-PEG004 | per `peg` | the config grammar's verdict; with a grammar, PC110 is not reported |

PC141 is a warning, not an error: ParserCraft languages run on Python, where redefining a
function or variable is legal, but in a program it is almost always a mistake.

The reference with examples is `docs/reference/diagnostics.md`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from server.engine import peg
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.blocks import BlockStructure
    from server.engine.infer import Types
    from server.engine.nodes import Call, Outline
    from server.engine.spec import Grammar, LanguageSpec
    from server.engine.symbols import Symbols
    from server.engine.text import LineIndex

PEG_STEPS_PER_CHAR = 64
"""The PEG step budget per input character (plus a constant), so a parse stays linear."""


def lexical_problems(tokens: tuple[Token, ...]) -> list[Diagnostic]:
    """PC001 unterminated strings, PC002 unterminated block comments, PC003 bad characters."""
    out: list[Diagnostic] = []
    error = TokenKind.ERROR
    for tok in [t for t in tokens if t[0] is error or not t[4]]:
        kind = tok.kind
        if kind is TokenKind.ERROR:
            out.append(
                Diagnostic(
                    tok.start,
                    tok.end,
                    Severity.ERROR,
                    "PC003",
                    "invalid character (binary content?)",
                )
            )
        elif not tok.terminated:
            if kind is TokenKind.STRING:
                out.append(
                    Diagnostic(tok.start, tok.end, Severity.ERROR, "PC001", "unterminated string")
                )
            elif kind is TokenKind.COMMENT:
                out.append(
                    Diagnostic(
                        tok.start, tok.end, Severity.ERROR, "PC002", "unterminated block comment"
                    )
                )
    return out


def _arity_text(name: str, low: int, high: int, got: int) -> str | None:
    """The PC120/PC121 message, or None when `got` is within [low, high] (-1 = no bound)."""
    if low >= 0 and got < low:
        bound, limit = ("exactly" if high == low else "at least"), low
    elif high >= 0 and got > high:
        bound, limit = ("exactly" if high == low else "at most"), high
    else:
        return None
    noun = "argument" if limit == 1 else "arguments"
    return f"{name} expects {bound} {limit} {noun}, got {got}"


def arity_problems(spec: LanguageSpec, outline: Outline, symbols: Symbols) -> list[Diagnostic]:
    """PC120 for builtins and PC121 for user functions, parenthesised calls only."""
    out: list[Diagnostic] = []
    defs = symbols.definitions
    bounds: dict[str, tuple[int, int] | None] = {}  # builtin spelling -> (low, high)
    for call in outline.calls:
        if not call.parenthesised:
            continue
        got = len(call.args)
        if call.is_builtin:
            name = call.name
            if name in bounds:
                found = bounds[name]
            else:
                found = bounds[name] = _builtin_bounds(spec, name)
            if found is None:
                continue
            low, high = found
            message = _arity_text(call.name, low, high, got)
            if message:
                out.append(_at(call, "PC120", message))
            continue
        target = symbols.target_at.get(call.start)
        if target is None or target < 0 or defs[target].kind not in ("function", "procedure"):
            continue
        params = [defs[i] for i in defs[target].params if i < len(defs)]
        low = sum(1 for p in params if p.value is None)
        message = _arity_text(call.name, low, len(params), got)
        if message:
            out.append(_at(call, "PC121", message))
    return out


def _builtin_bounds(spec: LanguageSpec, name: str) -> tuple[int, int] | None:
    """(fewest, most) arguments of the builtins spelled `name` (-1 = no bound), or None."""
    fns = spec.builtins_by_name.get(spec.fold(name), ())
    if not fns:
        return None
    low = min(fn.min_args for fn in fns)
    high = -1 if any(fn.max_args < 0 for fn in fns) else max(fn.max_args for fn in fns)
    return low, high


def _at(call: Call, code: str, message: str) -> Diagnostic:
    """An error over a whole call."""
    return Diagnostic(call.call_start, call.call_end, Severity.ERROR, code, message)


def name_problems(line_index: LineIndex, symbols: Symbols) -> list[Diagnostic]:
    """PC140 undefined names and line numbers, PC141 duplicate definitions."""
    out = [
        Diagnostic(r.start, r.end, Severity.WARNING, "PC140", f"undefined name '{r.name}'")
        for r in symbols.unresolved
    ]
    out += [
        Diagnostic(r.start, r.end, Severity.WARNING, "PC140", f"undefined line number {r.name}")
        for r in symbols.unresolved_labels
    ]
    defs = symbols.definitions
    for dup, first in symbols.duplicates:
        d = defs[dup]
        line = line_index.line_of(defs[first].name_start) + 1
        out.append(
            Diagnostic(
                d.name_start,
                d.name_end,
                Severity.WARNING,
                "PC141",
                f"duplicate definition of '{d.name}' (first defined on line {line})",
            )
        )
    return out


@functools.lru_cache(maxsize=32)
def _compiled(grammar: Grammar) -> peg.CompiledGrammar:
    """The compiled PEG grammar, cached per grammar."""
    return peg.compile_grammar(grammar)


def grammar_problems(spec: LanguageSpec, text: str) -> list[Diagnostic] | None:
    """The PEG parser's diagnostics, or None when the spec has no grammar."""
    if spec.grammar is None:
        return None
    result = peg.parse(
        _compiled(spec.grammar), text, max_steps=PEG_STEPS_PER_CHAR * len(text) + 10_000
    )
    return list(result.diagnostics)


def all_problems(
    spec: LanguageSpec,
    text: str,
    *,
    tokens: tuple[Token, ...],
    blocks: BlockStructure,
    outline: Outline,
    symbols: Symbols,
    types: Types,
    line_index: LineIndex,
    flawed: bool = True,
) -> tuple[Diagnostic, ...]:
    """Every diagnostic of the document, sorted by position then code.

    `flawed=False` says no token is invalid or unterminated (`Lexed.flawed`), which saves
    looking for PC001-PC003.
    """
    out = lexical_problems(tokens) if flawed else []
    out += blocks.problems
    grammar = grammar_problems(spec, text)
    if grammar is None:
        out += outline.problems
    else:
        out += grammar
    out += arity_problems(spec, outline, symbols)
    out += types.problems
    out += name_problems(line_index, symbols)
    size = len(text)
    clamped = [
        d
        if 0 <= d.start <= d.end <= size
        else Diagnostic(
            min(max(d.start, 0), size),
            min(max(d.end, d.start, 0), size),
            d.severity,
            d.code,
            d.message,
        )
        for d in out
    ]
    clamped.sort(key=lambda d: (d.start, d.end, d.code))
    return tuple(clamped)
