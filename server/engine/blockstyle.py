"""Derive how a language delimits blocks, since real configs never say (PARSERCRAFT.md 12.8).

`derive_blocks` applies these rules in order; the first that fires decides. Pairs are the
custom spellings programs use; an (open, close) pair is only built when the config has
keywords for both words. Keywords are looked up by their *original* (case-insensitively).

1. An explicit, non-boilerplate `parsing_config.block_start`/`block_end` declaration (anything
   but the L-family defaults `{`/`}` and the empty string): "braces" when both are symbols,
   else "keywords"; the one pair is the declaration.
2. Lisp-like -> "sexpr" with the pair `(`/`)`: a `;` line comment together with a `#|`/`|#`
   block comment, or `syntax.parentheses_required: true` with
   `syntax.function_keyword_required: false` and a `lambda` or `define` keyword.
3. Forth-like -> "keywords" with the pair (`:`, `;`): both `:` and `;` are custom keywords.
4. BASIC-like (a `REM` line comment, `:` as statement separator, or a `goto`/`gosub`
   keyword) -> "keywords" with the BASIC closers the config has: (FOR, NEXT),
   (WHILE, WEND or ENDWHILE), (IF, ENDIF), (DO, LOOP), (REPEAT, UNTIL), and when an `end`
   keyword exists two-word closers such as (IF, "END IF"), (WHILE, "END WHILE"),
   (FUNCTION, "END FUNCTION"), (SUB, "END SUB"), (CASE, "END CASE"). No closer -> "none".
5. Closing keywords (an original `end`, `endif`, `endwhile`, `wend`, `next`, `loop`, or
   `until` together with `repeat`) -> "keywords":
   - Pascal-like (a `begin` keyword): only the openers that really close with END in Pascal,
     (BEGIN, END), (CASE, END), (RECORD, END), (TRY, END), (CLASS, END), plus
     (REPEAT, UNTIL); Pascal's IF/WHILE/FOR/FUNCTION bodies are BEGIN..END blocks.
   - otherwise: (if, endif or end), (unless, end), (while, endwhile/wend or end),
     (until, end) unless `repeat` exists, (for, next or end), (def/function/procedure/sub/
     class/module/case/record/try, end), (do, loop or end), (repeat, until).
   No pair built -> "none".
6. Python-derived -> "indent" (no pairs): the alphabetic custom keywords are mostly lower
   case (at least as many lower- as upper-case words) and either the file is not in the
   short S form (L, C, G and X files translate to Python upstream) or its statement
   separator is the newline (TeachScript, plain Python-likes).
7. Anything else -> "none".

Our own `blocks:` key (handled by the config loader) overrides all of this.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.engine.spec import Blocks, Keyword

__all__ = ["derive_blocks", "has_line_numbers"]

_BOILERPLATE = frozenset({("{", "}"), ("", "")})
_CLOSERS = frozenset({"end", "endif", "endwhile", "wend", "next", "loop"})
_PASCAL_OPENERS = ("begin", "case", "record", "try", "class")
_END_OPENERS = (
    "def", "function", "procedure", "sub", "class", "module", "case", "record", "try",
)  # fmt: skip


def _by_original(keywords: Sequence[Keyword]) -> dict[str, str]:
    """Lower-cased original -> the first custom spelling declared for it."""
    table: dict[str, str] = {}
    for kw in keywords:
        table.setdefault(kw.original.lower(), kw.custom)
    return table


def _add(pairs: list[tuple[str, str]], opener: str | None, closer: str | None) -> None:
    """Append (opener, closer) when both exist and the pair is new."""
    if opener and closer and (opener, closer) not in pairs:
        pairs.append((opener, closer))


def _first(words: dict[str, str], *originals: str) -> str | None:
    """The custom spelling of the first original present."""
    for original in originals:
        if original in words:
            return words[original]
    return None


def _basic_pairs(words: dict[str, str]) -> list[tuple[str, str]]:
    """Block pairs of a BASIC-like language, as far as its keywords allow."""
    pairs: list[tuple[str, str]] = []
    end = words.get("end")

    def two(opener: str | None) -> str | None:
        return f"{end} {opener}" if end and opener else None

    _add(pairs, words.get("for"), words.get("next"))
    while_word = words.get("while")
    _add(pairs, while_word, _first(words, "wend", "endwhile") or two(while_word))
    if_word = words.get("if")
    _add(pairs, if_word, words.get("endif") or two(if_word))
    _add(pairs, words.get("do"), words.get("loop"))
    _add(pairs, words.get("repeat"), words.get("until"))
    for original in ("function", "def", "procedure", "sub", "case"):
        _add(pairs, words.get(original), two(words.get(original)))
    return pairs


def _end_pairs(words: dict[str, str]) -> list[tuple[str, str]]:
    """Block pairs of a language whose blocks close with END-like keywords."""
    pairs: list[tuple[str, str]] = []
    end = words.get("end")
    if "begin" in words:
        for original in _PASCAL_OPENERS:
            _add(pairs, words.get(original), end)
        _add(pairs, words.get("repeat"), words.get("until"))
        return pairs
    _add(pairs, words.get("if"), words.get("endif") or end)
    _add(pairs, words.get("unless"), end)
    _add(pairs, words.get("while"), _first(words, "endwhile", "wend") or end)
    if "repeat" not in words:
        _add(pairs, words.get("until"), end)
    _add(pairs, words.get("for"), words.get("next") or end)
    for original in _END_OPENERS:
        _add(pairs, words.get(original), end)
    _add(pairs, words.get("do"), words.get("loop") or end)
    _add(pairs, words.get("repeat"), words.get("until"))
    return pairs


def _is_basic(words: dict[str, str], line_comments: Sequence[str], terminator: str | None) -> bool:
    """BASIC-like: REM comments, `:` separators or GOTO/GOSUB."""
    customs = {custom.upper() for custom in words.values()}
    return (
        any(prefix.upper() == "REM" for prefix in line_comments)
        or terminator == ":"
        or "goto" in words
        or "gosub" in words
        or bool(customs & {"GOTO", "GOSUB"})
    )


def has_line_numbers(keywords: Sequence[Keyword], line_comments: Sequence[str]) -> bool:
    """True for BASIC-like languages, where a leading integer is a line number."""
    words = _by_original(keywords)
    customs = {kw.custom.upper() for kw in keywords}
    return (
        any(prefix.upper() == "REM" for prefix in line_comments)
        or "goto" in words
        or "gosub" in words
        or bool(customs & {"GOTO", "GOSUB"})
    )


def _mostly_lower(keywords: Sequence[Keyword]) -> bool:
    """At least as many lower-case as upper-case custom words."""
    lower = sum(1 for kw in keywords if kw.custom.islower())
    upper = sum(1 for kw in keywords if kw.custom.isupper())
    return lower >= upper


def derive_blocks(
    keywords: Sequence[Keyword],
    *,
    line_comments: Sequence[str],
    block_comments: Sequence[tuple[str, str]],
    terminator: str | None,
    sexpr_syntax: bool,
    short_form: bool,
    declared_pair: tuple[str, str] | None,
) -> Blocks:
    """The block style and pairs of a config, by the rules of the module docstring."""
    if declared_pair is not None and declared_pair not in _BOILERPLATE and all(declared_pair):
        symbolic = not any(ch.isalnum() for ch in "".join(declared_pair))
        return Blocks("braces" if symbolic else "keywords", (declared_pair,))
    words = _by_original(keywords)
    customs = {kw.custom for kw in keywords}
    lisp_comments = ";" in line_comments and ("#|", "|#") in block_comments
    lisp_syntax = sexpr_syntax and bool({"lambda", "define"} & (set(words) | customs))
    if lisp_comments or lisp_syntax:
        return Blocks("sexpr", (("(", ")"),))
    if ":" in customs and ";" in customs:
        return Blocks("keywords", ((":", ";"),))
    if _is_basic(words, line_comments, terminator):
        pairs = _basic_pairs(words)
        return Blocks("keywords", tuple(pairs)) if pairs else Blocks("none")
    closers = _CLOSERS | ({"until"} if "repeat" in words else set())
    if closers & set(words):
        pairs = _end_pairs(words)
        return Blocks("keywords", tuple(pairs)) if pairs else Blocks("none")
    if _mostly_lower(keywords) and (not short_form or terminator is None):
        return Blocks("indent")
    return Blocks("none")
