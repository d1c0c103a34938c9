"""Token-level block structure for every block style, and the indentation depth of each line.

`block_structure(spec, tokens, text)` makes one pass over the tokens (PARSERCRAFT.md §12.8):

- `keywords`: the spec's (open, close) pairs; a closer closes the nearest open block it can
  close, multi-word closers (`END IF`) are matched token by token on one line; `if`/`unless`/
  `while`/`until` open a block only at the start of a statement (Ruby modifiers), a one-line
  `IF x THEN stmt` without its closer on that line opens nothing (BASIC), and a `do`/`then`
  opener in a statement whose loop or `if` already opened a block opens nothing (`while x do`).
- `braces`: `{ }` (plus declared pairs); `sexpr`: `( )`; `indent`: a line ending in `:` opens a
  block whose body is the following, deeper-indented lines; blank and comment-only lines never
  close a block; `none`: brackets only.
- Brackets `() [] {}` not used as block pairs are matched in every style (tokens lexed as
  keywords or comments are not brackets); a line inside unclosed brackets is a continuation.

Problems: PC100 unclosed block, PC101 unexpected closer, PC102 mismatched closer, PC103 unclosed
bracket, PC104 unmatched bracket. Never raises; time is linear in the number of tokens.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import attrs

from server.engine.diagnostic import Diagnostic, Severity
from server.engine.hanging import indent_hanging
from server.engine.pairs import pair_tables
from server.engine.tokens import Token, TokenKind

if TYPE_CHECKING:
    from server.engine.spec import LanguageSpec

BlockKind = Literal["keyword", "brace", "sexpr", "indent", "bracket"]

MIDDLE_ORIGINALS = frozenset(
    {"else", "elif", "elsif", "elseif", "except", "finally", "rescue", "ensure", "catch"}
)
_IFISH = frozenset({"if", "unless", "try", "case", "match", "switch", "select", "when", "cond"})
_STMT_START_ONLY = frozenset({"if", "unless", "while", "until"})
_SINGLE_LINE = frozenset({"if", "unless"})
_FOLLOWERS = frozenset({"do", "then"})


class Block(NamedTuple):
    """One block or bracket pair: token indexes and code-point spans of its opener and closer.

    `close_token` is None for an unclosed block. For `indent` blocks the opener is the `:` and
    the closer is the last code token of the body. A NamedTuple rather than an attrs class,
    as `Token` is: an S-expression program has a block per list, and building the frozen
    attrs instances was a fifth of the block scan.
    """

    open_token: int
    close_token: int | None
    open_start: int
    open_end: int
    close_start: int | None
    close_end: int | None
    kind: BlockKind


@attrs.frozen
class BlockStructure:
    """Blocks in opening order, the formatter depth of every line, verbatim lines, problems."""

    blocks: tuple[Block, ...]
    line_depths: tuple[int, ...]
    verbatim_lines: frozenset[int]
    problems: tuple[Diagnostic, ...]


class _Open(NamedTuple):
    """A stack entry while scanning: its record index, opener token and closers.

    Immutable, and built with `tuple.__new__` (one per block) rather than a slotted class's
    Python `__init__`.
    """

    record: int
    tok: int
    kind: BlockKind
    closers: tuple[tuple[str, ...], ...]
    label: str
    line: int
    ifish: bool


# A record is a mutable Block in the making: [open_token, close_token, open_start, open_end,
# close_start, close_end, kind]; the closer fields are filled when the block closes.
_Record = list[Any]
_new = tuple.__new__  # builds NamedTuples without the Python-level __new__ frame (hot path)


def block_structure(
    spec: LanguageSpec, tokens: tuple[Token, ...], text: str, *, hanging: bool = True
) -> BlockStructure:
    """The block structure of `tokens` (lexed from `text` with `spec`); never raises.

    `hanging=False` leaves out the formatter-only levels of keyword languages (statements
    hanging off `THEN`/`DO`, `VAR` sections): `line_depths` is then the block nesting alone,
    which is all that analysis reads.
    """
    if spec.blocks.style == "indent":
        from server.engine.indent import indent_structure

        return indent_structure(tokens, text)
    if spec.blocks.style == "sexpr" and not spec.originals_of("("):
        from server.engine.parens import paren_structure

        return paren_structure(tokens, text)
    return _Scanner(spec, tokens, text).run(hanging)


class _Scanner:
    """One left-to-right pass for the keyword, brace, sexpr and bracket-only styles."""

    def __init__(self, spec: LanguageSpec, tokens: tuple[Token, ...], text: str) -> None:
        self.spec = spec
        self.tokens = tokens
        self.tables = pair_tables(spec)
        self.stack: list[_Open] = []
        self.counts: dict[tuple[str, ...], int] = {}
        self.records: list[_Record] = []
        self.problems: list[Diagnostic] = []
        self.depths = [0] * (text.count("\n") + 1)
        self.verbatim: set[int] = set()
        self.line = 0
        self.line_info: dict[int, tuple[bool, frozenset[str]]] = {}

    def run(self, hanging: bool) -> BlockStructure:
        """Scan all tokens and build the record (with the hanging levels when `hanging`)."""
        spec = self.spec
        tokens = self.tokens
        tables = self.tables
        upper = not spec.case_sensitive
        terminator = spec.statement_terminator
        stack = self.stack
        depths = self.depths
        leading = True
        depths[0] = 0
        stmt = 0
        opener_stmt = -1
        at_stmt_start = True
        opened_line = -1
        skip_to = -1
        NEWLINE, COMMENT, STRING, LINE_NUMBER, PUNCT, KEYWORD, NUMBER, ERROR = (  # noqa: N806
            TokenKind.NEWLINE,
            TokenKind.COMMENT,
            TokenKind.STRING,
            TokenKind.LINE_NUMBER,
            TokenKind.PUNCT,
            TokenKind.KEYWORD,
            TokenKind.NUMBER,
            TokenKind.ERROR,
        )  # hot loop: locals and `is`, never sets of enum members (Enum.__hash__ is Python)
        originals_memo: dict[str, frozenset[str]] = {}
        empty: frozenset[str] = frozenset()
        closers_get = tables.closers.get
        openers = tables.openers
        bracket_closers = tables.bracket_closers
        brackets = tables.brackets
        counts = self.counts
        records = self.records
        kinds_get = tables.kinds.get
        # Words that need the full rules below; any other non-keyword token only clears
        # `leading` and `at_stmt_start`.
        special = set(tables.closers) | set(openers) | set(brackets) | set(bracket_closers)
        if terminator is not None:
            special.update((terminator, terminator.upper()))  # compared unfolded, below
        if spec.line_numbers:
            special.add(":")
        line = 0
        n_depths = len(depths)
        # Texts of names, numbers, operators and punctuation that need none of the rules below
        # (a token's kind depends on its text alone, as the lexer guarantees; numbers only
        # without line numbers, which BASIC marks at a line start).
        plain: set[str] = set()
        for i, tok in enumerate(tokens):
            if i < skip_to:
                continue
            txt = tok[1]
            if txt in plain:
                leading = False
                at_stmt_start = False
                continue
            kind = tok[0]
            if kind is NEWLINE:
                if "\n" in txt:
                    line += 1
                    if line < n_depths:
                        depths[line] = len(stack)
                leading = True
                at_stmt_start = True
                if terminator is None:
                    stmt += 1
                continue
            if kind is COMMENT or kind is STRING:
                if "\n" in txt:
                    self.line = line
                    self._multiline(tok)
                    line = self.line
                leading = False
                continue
            if kind is LINE_NUMBER:
                continue
            if kind is NUMBER or kind is ERROR:
                if kind is NUMBER and not spec.line_numbers:
                    plain.add(txt)  # without line numbers a number is always a number
                leading = False
                at_stmt_start = False
                continue
            word = txt.upper() if upper and kind is not PUNCT else txt
            if kind is not KEYWORD and word not in special:
                plain.add(txt)
                leading = False
                at_stmt_start = False
                continue
            self.line = line
            if txt == terminator:
                stmt += 1
                at_stmt_start = True
            if kind is PUNCT and txt in bracket_closers:
                top = stack[-1] if stack else None
                if top is not None and top.kind == "bracket" and top.label == bracket_closers[txt]:
                    stack.pop()  # `_close_bracket` in short; a bracket's closer is counted
                    counts[top.closers[0]] -= 1
                    record = records[top.record]
                    record[1] = i
                    record[4] = tok[2]
                    record[5] = tok[3]
                    popped = True
                else:
                    popped = self._close_bracket(i, tok)
                if leading and popped:
                    depths[line] = len(stack)
                else:
                    leading = False
                at_stmt_start = False
                continue
            if kind is PUNCT and txt in brackets:
                # `_push` in short
                closer = (brackets[txt],)
                records.append([i, None, tok[2], tok[3], None, None, "bracket"])
                bracket_entry = (len(records) - 1, i, "bracket", (closer,), txt, line, False)
                stack.append(_new(_Open, bracket_entry))
                counts[closer] = counts.get(closer, 0) + 1
                leading = False
                at_stmt_start = False
                continue
            closer_cands = closers_get(word)
            if closer_cands is not None:
                if len(closer_cands) == 1 and len(closer_cands[0]) == 1:
                    matched: tuple[str, ...] | None = closer_cands[0]  # `_match_closer` in short
                else:
                    matched = self._match_closer(i, closer_cands)
                if matched is not None and counts.get(matched, 0) > 0:
                    if matched in stack[-1].closers:  # `_close_block` in short
                        last = i + len(matched) - 1
                        entry = stack.pop()
                        for c in entry.closers:
                            counts[c] -= 1
                        record = records[entry.record]
                        record[1] = last
                        record[4] = tok[2]
                        record[5] = tokens[last][3]
                    else:
                        self._close_block(i, i + len(matched) - 1, matched)
                    skip_to = i + len(matched)
                    if leading:
                        depths[line] = len(stack)
                    stmt += 1
                    at_stmt_start = True
                    continue
                if matched is not None and word not in openers:
                    end_tok = tokens[i + len(matched) - 1]
                    self._problem(
                        tok.start,
                        end_tok.end,
                        "PC101",
                        f"unexpected '{self._text(i, len(matched))}': no open block to close",
                    )
                    skip_to = i + len(matched)
                    leading = False
                    continue
            originals = empty
            if kind is KEYWORD:
                originals = originals_memo.get(txt, empty)
                if not originals and txt not in originals_memo:
                    originals = originals_memo[txt] = spec.originals_of(txt)
            close_words = openers.get(word)
            if close_words is not None and not originals:
                # `(` or `{`, or an opener word without meanings: the rules below in short
                # (and `_push` in short)
                block_kind = kinds_get(word, "keyword")
                records.append([i, None, tok[2], tok[3], None, None, block_kind])
                block_entry = (len(records) - 1, i, block_kind, close_words, txt, line, False)
                stack.append(_new(_Open, block_entry))
                for c in close_words:
                    counts[c] = counts.get(c, 0) + 1
                opener_stmt = stmt
                opened_line = line
                leading = False
                at_stmt_start = True
                continue
            if close_words is not None and (
                not originals  # `_opens` only ever refuses because of an original
                or self._opens(
                    i, originals, at_stmt_start, stmt == opener_stmt and opened_line >= 0
                )
            ):
                ifish = bool(originals & _IFISH)
                self._push(i, tok, tables.kinds.get(word, "keyword"), close_words, ifish)
                if not originals & _FOLLOWERS:
                    opener_stmt = stmt
                    opened_line = line
                leading = False
                at_stmt_start = True
                continue
            if leading and originals & MIDDLE_ORIGINALS and stack and stack[-1].ifish:
                depths[line] = len(stack) - 1
                at_stmt_start = True
                leading = False
                continue
            leading = False
            at_stmt_start = txt == terminator or (txt == ":" and spec.line_numbers)
        self.line = line
        for entry in reversed(stack):
            self._unclosed(entry)
        if hanging and spec.blocks.style == "keywords":
            indent_hanging(spec, self.tokens, self.depths)
        return self._result()

    def _opens(
        self, i: int, originals: frozenset[str], at_start: bool, same_stmt_opened: bool
    ) -> bool:
        """Whether the opener word at token `i` really opens a block here."""
        if originals & _FOLLOWERS and same_stmt_opened:
            return False
        if originals & _STMT_START_ONLY and not at_start:
            return False
        if originals & _SINGLE_LINE:
            has_then_content, closer_words = self._line_facts(i)
            close_words = self.tables.openers.get(self._word(i), ())
            if has_then_content and not any(c[0] in closer_words for c in close_words):
                return False
        return True

    def _line_facts(self, i: int) -> tuple[bool, frozenset[str]]:
        """(a `then` followed by code on this line, folded words on this line); cached per line."""
        cached = self.line_info.get(self.line)
        if cached is not None:
            return cached
        tokens = self.tokens
        spec = self.spec
        j = i
        has_then_content = False
        saw_then = False
        words: set[str] = set()
        while j < len(tokens) and tokens[j].kind is not TokenKind.NEWLINE:
            tok = tokens[j]
            if tok.kind is not TokenKind.COMMENT:
                if saw_then:
                    has_then_content = True
                words.add(self._word(j))
                if tok.kind is TokenKind.KEYWORD and "then" in spec.originals_of(tok.text):
                    saw_then = True
                    has_then_content = False
            j += 1
        facts = (has_then_content, frozenset(words))
        self.line_info[self.line] = facts
        return facts

    def _word(self, i: int) -> str:
        """The folded text of token `i`."""
        tok = self.tokens[i]
        return tok.text if tok.kind is TokenKind.PUNCT else self.spec.fold(tok.text)

    def _text(self, i: int, count: int) -> str:
        """The source words of tokens `i .. i+count-1`, space-separated."""
        return " ".join(tok.text for tok in self.tokens[i : i + count])

    def _match_closer(self, i: int, cands: list[tuple[str, ...]]) -> tuple[str, ...] | None:
        """The longest closer spelled by tokens from `i` on one line, preferring open ones."""
        tokens = self.tokens
        found: tuple[str, ...] | None = None
        for cand in cands:
            ok = i + len(cand) <= len(tokens)
            for k in range(1, len(cand)):
                if not ok:
                    break
                nxt = tokens[i + k]
                ok = nxt.kind is not TokenKind.NEWLINE and self._word(i + k) == cand[k]
            if ok:
                if self.counts.get(cand, 0) > 0:
                    return cand
                if found is None:
                    found = cand
        return found

    def _push(
        self,
        i: int,
        tok: Token,
        kind: BlockKind,
        closers: tuple[tuple[str, ...], ...],
        ifish: bool,
    ) -> None:
        """Open a block or bracket at token `i`."""
        records = self.records
        records.append([i, None, tok[2], tok[3], None, None, kind])
        entry = (len(records) - 1, i, kind, closers, tok[1], self.line, ifish)
        self.stack.append(_new(_Open, entry))
        counts = self.counts
        for c in closers:
            counts[c] = counts.get(c, 0) + 1

    def _pop(self) -> _Open:
        """Remove the top entry and update the closer counts."""
        entry = self.stack.pop()
        for c in entry.closers:
            self.counts[c] -= 1
        return entry

    def _close_block(self, first: int, last: int, closer: tuple[str, ...]) -> None:
        """Close the nearest block `closer` can close (known to exist), reporting skipped ones."""
        stack = self.stack
        skipped: _Open | None = None
        while stack and closer not in stack[-1].closers:
            entry = self._pop()
            if entry.kind == "bracket":
                self._unclosed(entry)
            elif skipped is None:
                skipped = entry
        if skipped is not None:
            expected = " ".join(skipped.closers[0]) if skipped.closers else "a closer"
            self._problem(
                self.tokens[first].start,
                self.tokens[last].end,
                "PC102",
                f"mismatched '{self._text(first, last - first + 1)}': expected '{expected}' "
                f"to close '{skipped.label}' on line {skipped.line + 1}",
            )
        if stack:
            entry = self._pop()
            record = self.records[entry.record]
            record[1] = last
            record[4] = self.tokens[first].start
            record[5] = self.tokens[last].end

    def _close_bracket(self, i: int, tok: Token) -> bool:
        """Handle a closing bracket; True when it closed an open bracket."""
        stack = self.stack
        opener = self.tables.bracket_closers[tok.text]
        if stack and stack[-1].kind == "bracket":
            top = stack[-1]
            if top.label == opener:
                self._finish(self._pop(), i, tok)
                return True
            if len(stack) > 1 and stack[-2].kind == "bracket" and stack[-2].label == opener:
                self._unclosed(self._pop())
                self._finish(self._pop(), i, tok)
                return True
            self._problem(
                tok.start,
                tok.end,
                "PC104",
                f"unmatched '{tok.text}': the open bracket is '{top.label}' on line {top.line + 1}",
            )
            return False
        self._problem(tok.start, tok.end, "PC104", f"unmatched '{tok.text}'")
        return False

    def _finish(self, entry: _Open, i: int, tok: Token) -> None:
        """Record the closer of a popped entry."""
        record = self.records[entry.record]
        record[1] = i
        record[4] = tok.start
        record[5] = tok.end

    def _unclosed(self, entry: _Open) -> None:
        """Report an entry that is never closed."""
        record = self.records[entry.record]
        start, end = record[2], record[3]
        assert start is not None and end is not None
        if entry.kind == "bracket":
            self._problem(start, end, "PC103", f"unclosed '{entry.label}'")
        else:
            expected = " ".join(entry.closers[0]) if entry.closers else "a closer"
            self._problem(
                start, end, "PC100", f"unclosed block '{entry.label}': expected '{expected}'"
            )

    def _multiline(self, tok: Token) -> None:
        """Account for the line breaks inside a string or comment token."""
        count = tok.text.count("\n")
        depth = len(self.stack)
        for _ in range(count):
            self.line += 1
            if self.line < len(self.depths):
                self.depths[self.line] = depth
                self.verbatim.add(self.line)

    def _problem(self, start: int, end: int, code: str, message: str) -> None:
        """Append an error diagnostic."""
        self.problems.append(Diagnostic(start, end, Severity.ERROR, code, message))

    def _result(self) -> BlockStructure:
        """Freeze the collected records."""
        blocks: tuple[Block, ...] = tuple(map(_new, repeat(Block), self.records))
        problems = tuple(sorted(self.problems, key=lambda d: (d.start, d.end)))
        return BlockStructure(blocks, tuple(self.depths), frozenset(self.verbatim), problems)
