"""Properties of the formatter on generated programs of every preset and on arbitrary text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.engine.format import FormatOptions, TextEdit, format_range, format_text
from server.engine.layout import is_word
from server.engine.lex import lex
from server.engine.tokens import TokenKind
from server.languages import load_spec

if TYPE_CHECKING:
    from server.engine.spec import LanguageSpec

PRESETS = ["pascal_like", "python_like", "basic_like", "lisp_like", "js_like"]
SPECS = {name: load_spec(f"preset:{name}") for name in PRESETS}
NAMES = ["x", "y", "total", "n1", "NAME", "é", "𝄞x"]
GAPS = st.sampled_from(["", " ", " ", "  ", "\t"])
INDENTS = st.sampled_from(["", "", "  ", "    ", "\t", "        ", " \t "])
OPTIONS = st.builds(
    FormatOptions,
    indent_width=st.integers(min_value=0, max_value=8),
    use_tabs=st.booleans(),
    max_blank_lines=st.integers(min_value=0, max_value=3),
    keyword_case_from_spec=st.booleans(),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def vocabulary(spec: LanguageSpec) -> list[str]:
    """Words of the language a program may use: keywords, builtins, operators, punctuation."""
    words = [kw.custom for kw in spec.keywords] + [fn.name for fn in spec.builtins]
    words += [op.symbol for op in spec.operators]
    return [w for w in words if w.strip()] + ["(", ")", "[", "]", ",", ";", ":", ".", "{", "}"]


@st.composite
def atoms(draw: st.DrawFn, spec: LanguageSpec) -> str:
    """One token: a name, a number, a string, or a word of the language."""
    choice = draw(st.integers(min_value=0, max_value=4))
    if choice == 0:
        return draw(st.sampled_from(NAMES))
    if choice == 1:
        return str(draw(st.integers(min_value=0, max_value=999)))
    if choice == 2 and spec.string_delimiters:
        delim = draw(st.sampled_from([d for d in spec.string_delimiters if len(d) == 1] or ['"']))
        body = draw(st.text(alphabet=" ab,:=<>*+-()[];.#/'\"é", max_size=8))
        return delim + body.replace(delim, "").replace("\\", "") + delim
    return draw(st.sampled_from(vocabulary(spec)))


@st.composite
def lines(draw: st.DrawFn, spec: LanguageSpec) -> str:
    """One source line: indentation, tokens with random spacing, maybe a comment."""
    kind = draw(st.integers(min_value=0, max_value=9))
    indent = draw(INDENTS)
    if kind == 0:
        return draw(st.sampled_from(["", " ", "\t  "]))
    parts: list[str] = []
    if spec.line_numbers and draw(st.booleans()):
        parts.append(str(draw(st.integers(min_value=1, max_value=999))) + draw(GAPS) or " ")
    for _ in range(draw(st.integers(min_value=1, max_value=7))):
        word = draw(atoms(spec))
        gap = draw(GAPS)
        if parts and is_word(parts[-1][-1:]) and is_word(word[:1]) and not gap:
            gap = " "
        parts.append(gap + word)
    if spec.line_comments and draw(st.integers(min_value=0, max_value=4)) == 0:
        parts.append(draw(GAPS) + spec.line_comments[0] + " note  x:=1 ")
    if spec.block_comments and kind == 1:
        start, end = spec.block_comments[0]
        parts.append(f" {start} block\n   keep {end}")
    return indent + "".join(parts) + draw(st.sampled_from(["", " ", "\t"]))


def spaced(draw: st.DrawFn, words: list[str]) -> str:
    """`words` joined by random gaps, with a space wherever two words would merge."""
    out = ""
    for word in words:
        gap = draw(GAPS) if out else ""
        if out and not gap and is_word(out[-1]) and is_word(word[0]):
            gap = " "
        out += gap + word
    return out


@st.composite
def expressions(draw: st.DrawFn, spec: LanguageSpec, depth: int = 0) -> list[str]:
    """An expression as words: operands joined by the spec's operators, calls, unary minus."""
    ops = [op.symbol for op in spec.operators if op.symbol.strip()] or ["+"]
    funcs = [fn.name for fn in spec.builtins if is_word(fn.name)] or ["f"]
    words: list[str] = []
    for k in range(draw(st.integers(min_value=1, max_value=3))):
        if k:
            words.append(draw(st.sampled_from(ops)))
        choice = draw(st.integers(min_value=0, max_value=5))
        if choice == 0 and depth < 2:
            args = draw(st.lists(expressions(spec, depth + 1), min_size=0, max_size=2))
            call = [draw(st.sampled_from(funcs)), "("]
            for i, arg in enumerate(args):
                call += ([","] if i else []) + arg
            words += [*call, ")"]
        elif choice == 1 and depth < 2:
            words += ["(", *draw(expressions(spec, depth + 1)), ")"]
        elif choice == 2:
            words += ["-", draw(st.sampled_from(NAMES))]
        else:
            words.append(draw(atoms(spec)))
    return words


def keyword(spec: LanguageSpec, original: str, fallback: str) -> str:
    """The spec's spelling of a concept, or `fallback`."""
    return spec.custom_by_original.get(original, fallback)


@st.composite
def blocks(draw: st.DrawFn, spec: LanguageSpec, depth: int = 0) -> list[str]:
    """Lines of a structured program: statements and nested blocks in the spec's block style."""
    out: list[str] = []
    assign = ":=" if any(op.symbol == ":=" for op in spec.operators) else "="
    style = spec.blocks.style
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        indent = draw(INDENTS)
        nested = depth < 2 and draw(st.integers(min_value=0, max_value=3)) == 0
        cond = draw(expressions(spec))
        if nested and style == "indent":
            out.append(indent + spaced(draw, [keyword(spec, "if", "if"), *cond, ":"]))
            body = draw(blocks(spec, depth + 1))
            out += [indent + "    " + line for line in body]
        elif nested and style == "braces":
            out.append(indent + spaced(draw, [keyword(spec, "if", "if"), "(", *cond, ")", "{"]))
            out += draw(blocks(spec, depth + 1))
            out.append(draw(INDENTS) + "}")
        elif nested and style == "keywords" and spec.blocks.pairs:
            opener, closer = draw(st.sampled_from(spec.blocks.pairs))
            out.append(indent + spaced(draw, [opener, *cond]))
            out += draw(blocks(spec, depth + 1))
            out.append(draw(INDENTS) + spaced(draw, [closer]))
        elif nested and style == "sexpr":
            out.append(indent + spaced(draw, ["(", keyword(spec, "if", "if"), *cond]))
            out += draw(blocks(spec, depth + 1))
            out.append(draw(INDENTS) + ")")
        else:
            words = [draw(st.sampled_from(NAMES)), assign, *draw(expressions(spec))]
            if spec.statement_terminator and draw(st.booleans()):
                words.append(spec.statement_terminator)
            line = spaced(draw, words)
            if spec.line_numbers and draw(st.booleans()):
                line = str(draw(st.integers(min_value=1, max_value=999))) + " " + line
            out.append(indent + line)
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            out.append(draw(st.sampled_from(["", "  ", "\t"])))
    return out


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, str]:
    """(preset name, program text): structured or token soup, with random line endings."""
    name = draw(st.sampled_from(PRESETS))
    spec = SPECS[name]
    if draw(st.booleans()):
        body = draw(blocks(spec))
    else:
        body = draw(st.lists(lines(spec), min_size=0, max_size=12))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(body) + draw(st.sampled_from(["", ending, ending * 3]))
    return name, text


def significant(spec: LanguageSpec, text: str) -> list[tuple[TokenKind, str]]:
    """The tokens that make the program, line-break runs merged, keyword case folded."""
    out: list[tuple[TokenKind, str]] = []
    for tok in lex(spec, text):
        if tok.kind is TokenKind.NEWLINE:
            if out and out[-1][0] is not TokenKind.NEWLINE:
                out.append((TokenKind.NEWLINE, "\n"))
            continue
        body = tok.text.rstrip() if tok.kind is TokenKind.COMMENT else tok.text
        if tok.kind in (TokenKind.KEYWORD, TokenKind.OPERATOR):
            body = spec.fold(body)
        out.append((tok.kind, body))
    while out and out[-1][0] is TokenKind.NEWLINE:
        out.pop()
    return out


def apply(text: str, edits: tuple[TextEdit, ...]) -> str:
    """`text` with non-overlapping, ordered edits applied."""
    pieces: list[str] = []
    pos = 0
    for edit in edits:
        assert pos <= edit.start <= edit.end <= len(text)
        pieces.append(text[pos : edit.start] + edit.new_text)
        pos = edit.end
    return "".join(pieces) + text[pos:]


@SETTINGS
@given(program=programs(), options=OPTIONS)
def test_format_is_idempotent_and_keeps_tokens(
    program: tuple[str, str], options: FormatOptions
) -> None:
    """Formatting a generated program keeps its tokens, is idempotent and its edits rebuild it."""
    name, text = program
    spec = SPECS[name]
    result = format_text(spec, text, options)
    if result.refused is not None:
        assert result.refused.startswith("cannot format: unterminated"), result.refused
        assert (result.text, result.edits, result.changed) == (text, (), False)
        return
    assert significant(spec, result.text) == significant(spec, text)
    assert apply(text, result.edits) == result.text
    assert result.changed == (result.text != text)
    again = format_text(spec, result.text, options)
    assert again.refused is None
    assert again.text == result.text
    assert not again.changed


@SETTINGS
@given(program=programs(), data=st.data())
def test_format_range_changes_only_touched_lines(
    program: tuple[str, str], data: st.DataObject
) -> None:
    """Range formatting only edits the lines the range touches and keeps the tokens."""
    name, text = program
    spec = SPECS[name]
    lo = data.draw(st.integers(min_value=0, max_value=len(text)))
    hi = data.draw(st.integers(min_value=lo, max_value=len(text)))
    result = format_range(spec, text, lo, hi)
    if result.refused is not None:
        assert result.text == text
        return
    starts = [0] + [t.end for t in lex(spec, text) if t.kind is TokenKind.NEWLINE]
    ends = [*starts[1:], len(text)]
    touched = [
        (a, b)
        for a, b in zip(starts, ends, strict=True)
        if (a < hi and lo < b) or (lo == hi and (a <= lo < b or lo == a))
    ]
    for edit in result.edits:
        assert touched
        assert touched[0][0] <= edit.start <= edit.end <= touched[-1][1]
    assert apply(text, result.edits) == result.text
    assert significant(spec, result.text) == significant(spec, text)


ARBITRARY = st.text(
    alphabet=st.sampled_from(list("BEGINENDbegin:=MOD'\"#(*)/ \t\n\r\\x1.𝄞é;REM{}[],-+<>|`"))
    | st.characters(),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(text=ARBITRARY, name=st.sampled_from(PRESETS), options=OPTIONS)
def test_format_never_raises(text: str, name: str, options: FormatOptions) -> None:
    """On any text the formatter returns a result: refused unchanged, or token-preserving."""
    spec = SPECS[name]
    result = format_text(spec, text, options)
    if result.refused is not None:
        assert (result.text, result.edits, result.changed) == (text, (), False)
    else:
        assert significant(spec, result.text) == significant(spec, text)
        assert apply(text, result.edits) == result.text
        assert format_text(spec, result.text, options).text == result.text
