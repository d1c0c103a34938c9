"""Signature help: the call around an offset, its parameters and the active one.

For `name(...)` calls the innermost unclosed `(` before the offset whose preceding token names
a builtin or a user function is the call; the active parameter is the number of top-level
commas between that `(` and the offset. In S-expression languages the call is the innermost
unclosed `(` whose first element names a builtin or function, and the active parameter is
the index of the element after the name that the offset is in (or about to start). The
backward scan is bounded, so a query costs at most `_MAX_SCAN` token steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from server.engine.query import builtin_parameters, literal_at, token_count_before
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.analysis import Analysis
    from server.engine.spec import Builtin

__all__ = ["SignatureInfo", "signature_at"]

_MAX_SCAN = 1024
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
_SKIP = frozenset({TokenKind.NEWLINE, TokenKind.COMMENT, TokenKind.WHITESPACE})


@attrs.frozen
class SignatureInfo:
    """One signature: `parameters` are (start, end) offsets into `label`.

    `active_parameter` may equal or exceed `len(parameters)` when a call passes too many
    arguments to a function that is not variadic (clients then highlight nothing).
    """

    label: str
    parameters: tuple[tuple[int, int], ...]
    documentation: str
    active_parameter: int


def _label(name: str, params: list[str], sexpr: bool) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The label `name(a, b)` or `(name a b)` and the spans of its parameters."""
    spans: list[tuple[int, int]] = []
    if sexpr:
        label = "(" + name
        for p in params:
            label += " "
            spans.append((len(label), len(label) + len(p)))
            label += p
        return label + ")", tuple(spans)
    label = name + "("
    for i, p in enumerate(params):
        if i:
            label += ", "
        spans.append((len(label), len(label) + len(p)))
        label += p
    return label + ")", tuple(spans)


def _builtin_params(fn: Builtin) -> tuple[list[str], bool]:
    """Displayed parameter names of a builtin (optional ones in brackets) and variadicity."""
    params, variadic = builtin_parameters(fn)
    if fn.params:
        return list(params), variadic
    names = list(params)
    if fn.max_args > len(names):
        names += [f"[arg{i + 1}]" for i in range(len(names), fn.max_args)]
    if variadic:
        names.append("...")
    return names, variadic


def _signature(analysis: Analysis, name_tok: Token, active: int) -> SignatureInfo | None:
    """The signature of the builtin or user function named by `name_tok`."""
    spec = analysis.spec
    sexpr = spec.blocks.style == "sexpr"
    symbols = analysis.symbols
    target = symbols.target_at.get(name_tok.start)
    defs = symbols.definitions
    if target is not None and 0 <= target < len(defs):
        d = defs[target]
        if d.kind not in ("function", "procedure"):
            return None
        params = [defs[p].name for p in d.params if p < len(defs)]
        label, spans = _label(d.name, params, sexpr)
        types = analysis.types.definition_types
        type_ = types[target] if target < len(types) else "unknown"
        doc = f"{d.kind} {d.name}" + (f" -> {type_}" if type_ != "unknown" else "")
        return SignatureInfo(label, spans, doc, max(active, 0))
    if name_tok.kind not in (TokenKind.BUILTIN, TokenKind.KEYWORD):
        return None
    fns = spec.builtins_by_name.get(spec.fold(name_tok.text), ())
    if not fns:
        return None
    fn = fns[0]
    names, variadic = _builtin_params(fn)
    label, spans = _label(fn.name, names, sexpr)
    if variadic and spans:
        active = min(active, len(spans) - 1)
    doc = (fn.description + "\n\n" if fn.description else "") + f"returns {fn.return_type}"
    return SignatureInfo(label, spans, doc, max(active, 0))


def _innermost_open(
    tokens: tuple[Token, ...], end: int, stop_braces: bool, terminator: str | None = None
) -> int | None:
    """The index of the innermost bracket opened before token `end` and not closed before it.

    A statement terminator outside brackets ends the search: no call spans statements.
    """
    depth = 0
    j = end - 1
    floor = max(-1, end - 1 - _MAX_SCAN)
    while j > floor:
        tok = tokens[j]
        if tok.kind is TokenKind.PUNCT:
            text = tok.text
            if text in _CLOSE:
                depth += 1
            elif depth == 0 and text == terminator:
                return None
            elif text in _OPEN:
                if depth > 0:
                    depth -= 1
                elif text == "(" or not stop_braces or text == "[":
                    return j
                else:
                    return None
        j -= 1
    return None


def _previous(tokens: tuple[Token, ...], j: int) -> int:
    """The index of the last significant token before `j` (-1 if none)."""
    j -= 1
    while j >= 0 and tokens[j].kind in _SKIP:
        j -= 1
    return j


def signature_at(analysis: Analysis, offset: int) -> SignatureInfo | None:
    """The signature of the call around `offset`, or None; never raises."""
    tokens = analysis.tokens
    offset = max(0, min(offset, len(analysis.text)))
    end = token_count_before(tokens, offset)
    literal = literal_at(analysis, offset)
    if literal is not None and literal.kind is TokenKind.COMMENT:
        return None  # in a comment, there is no call to help with
    if analysis.spec.blocks.style == "sexpr":
        return _sexpr_signature(analysis, end, offset)
    stop_braces = analysis.spec.blocks.style == "braces"
    terminator = analysis.spec.statement_terminator
    limit = end
    for _ in range(64):  # outward through `[`/`{` groups that are not calls
        opener = _innermost_open(tokens, limit, stop_braces, terminator)
        if opener is None:
            return None
        if tokens[opener].text == "(":
            name = _previous(tokens, opener)
            if name >= 0 and tokens[name].kind in (
                TokenKind.IDENT,
                TokenKind.BUILTIN,
                TokenKind.KEYWORD,
            ):
                member = analysis.spec.member_access
                before = _previous(tokens, name)
                if before >= 0 and member and tokens[before].text == member:
                    return None
                commas = sum(
                    1 for k in _top_level(tokens, opener + 1, end) if tokens[k].text == ","
                )
                return _signature(analysis, tokens[name], commas)
        limit = opener
    return None


def _top_level(tokens: tuple[Token, ...], first: int, end: int) -> list[int]:
    """Indexes of tokens in `[first, end)` not nested in brackets opened after `first`."""
    out: list[int] = []
    depth = 0
    for k in range(first, end):
        tok = tokens[k]
        if tok.kind is TokenKind.PUNCT and tok.text in _OPEN:
            depth += 1
        elif tok.kind is TokenKind.PUNCT and tok.text in _CLOSE:
            depth -= 1
        elif depth == 0:
            out.append(k)
    return out


def _sexpr_signature(analysis: Analysis, end: int, offset: int) -> SignatureInfo | None:
    """`(name a b)`: the active parameter is the element after the name holding `offset`."""
    tokens = analysis.tokens
    opener = _innermost_open(tokens, end, False)
    if opener is None or tokens[opener].text != "(":
        return None
    k = opener + 1
    while k < end and tokens[k].kind in _SKIP:
        k += 1
    if k >= end:
        return None
    name = tokens[k]
    if name.kind not in (TokenKind.IDENT, TokenKind.BUILTIN, TokenKind.KEYWORD):
        return None
    count = 0
    last_end = name.end
    depth = 0
    for j in range(k + 1, end):
        tok = tokens[j]
        if tok.kind in _SKIP:
            continue
        if tok.kind is TokenKind.PUNCT and tok.text in _OPEN:
            if depth == 0:
                count += 1
            depth += 1
        elif tok.kind is TokenKind.PUNCT and tok.text in _CLOSE:
            depth -= 1
            if depth == 0:
                last_end = tok.end
        elif depth == 0:
            count += 1
            last_end = tok.end
    touching = count > 0 and last_end >= offset
    active = count - 1 if touching else count
    if count == 0 and offset <= name.end:
        active = 0
    return _signature(analysis, name, active)
