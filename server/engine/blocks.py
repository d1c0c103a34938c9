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

from typing import TYPE_CHECKING, Literal

import attrs

from server.engine.diagnostic import Diagnostic, Severity
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
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_HANGERS = frozenset({"then", "do", "else"})
_BLOCK_HEADS = frozenset({"begin"})
_SECTIONS = frozenset({"var", "const", "type"})


@attrs.frozen
class Block:
    """One block or bracket pair: token indexes and code-point spans of its opener and closer.

    `close_token` is None for an unclosed block. For `indent` blocks the opener is the `:` and
    the closer is the last code token of the body.
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


class _Open:
    """A mutable stack entry while scanning."""

    __slots__ = ("closers", "ifish", "index", "kind", "label", "line", "tok")

    def __init__(
        self,
        index: int,
        tok: int,
        *,
        kind: BlockKind,
        closers: tuple[tuple[str, ...], ...],
        label: str,
        line: int,
        ifish: bool,
    ) -> None:
        self.index = index
        self.tok = tok
        self.kind: BlockKind = kind
        self.closers = closers
        self.label = label
        self.line = line
        self.ifish = ifish


class _Tables:
    """Opener and closer lookups of one spec, folded."""

    def __init__(self, spec: LanguageSpec) -> None:
        fold = spec.fold
        self.openers: dict[str, tuple[tuple[str, ...], ...]] = {}
        self.closers: dict[str, list[tuple[str, ...]]] = {}
        self.kinds: dict[str, BlockKind] = {}
        pairs = list(spec.blocks.pairs) if spec.blocks.style == "keywords" else []
        if spec.blocks.style == "braces":
            pairs = [("{", "}"), *spec.blocks.pairs]
        elif spec.blocks.style == "sexpr":
            pairs = [("(", ")")]
        opener_map: dict[str, list[tuple[str, ...]]] = {}
        for open_word, close_words in pairs:
            close = tuple(fold(w) for w in close_words.split())
            if not open_word.strip() or not close:
                continue
            key = fold(open_word.strip())
            if close not in opener_map.setdefault(key, []):
                opener_map[key].append(close)
            self.closers.setdefault(close[0], [])
            if close not in self.closers[close[0]]:
                self.closers[close[0]].append(close)
            kind: BlockKind = "keyword"
            if key == "{" and spec.blocks.style == "braces":
                kind = "brace"
            elif key == "(" and spec.blocks.style == "sexpr":
                kind = "sexpr"
            self.kinds[key] = kind
        self.openers = {k: tuple(v) for k, v in opener_map.items()}
        for cands in self.closers.values():
            cands.sort(key=len, reverse=True)
        used = set(self.openers) | set(self.closers)
        self.brackets = {o: c for o, c in _BRACKETS.items() if o not in used and c not in used}
        self.bracket_closers = {c: o for o, c in self.brackets.items()}


def block_structure(spec: LanguageSpec, tokens: tuple[Token, ...], text: str) -> BlockStructure:
    """The block structure of `tokens` (lexed from `text` with `spec`); never raises."""
    if spec.blocks.style == "indent":
        from server.engine.indent import indent_structure

        return indent_structure(tokens, text)
    return _Scanner(spec, tokens, text).run()


class _Scanner:
    """One left-to-right pass for the keyword, brace, sexpr and bracket-only styles."""

    def __init__(self, spec: LanguageSpec, tokens: tuple[Token, ...], text: str) -> None:
        self.spec = spec
        self.tokens = tokens
        self.tables = _Tables(spec)
        self.stack: list[_Open] = []
        self.counts: dict[tuple[str, ...], int] = {}
        self.records: list[list[int | None]] = []
        self.kinds: list[BlockKind] = []
        self.problems: list[Diagnostic] = []
        self.depths = [0] * (text.count("\n") + 1)
        self.verbatim: set[int] = set()
        self.line = 0
        self.line_info: dict[int, tuple[bool, frozenset[str]]] = {}

    def run(self) -> BlockStructure:
        """Scan all tokens and build the record."""
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
        n = len(tokens)
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
        bracket_closers = tables.bracket_closers
        brackets = tables.brackets
        for i in range(n):
            if i < skip_to:
                continue
            tok = tokens[i]
            kind = tok[0]
            if kind is NEWLINE:
                if "\n" in tok.text:
                    self.line += 1
                    if self.line < len(depths):
                        depths[self.line] = len(stack)
                leading = True
                at_stmt_start = True
                if terminator is None:
                    stmt += 1
                continue
            if kind is COMMENT or kind is STRING:
                if "\n" in tok.text:
                    self._multiline(tok)
                leading = False
                continue
            if kind is LINE_NUMBER:
                continue
            if kind is NUMBER or kind is ERROR:
                leading = False
                at_stmt_start = False
                continue
            txt = tok.text
            word = txt.upper() if upper and kind is not PUNCT else txt
            if txt == terminator:
                stmt += 1
                at_stmt_start = True
            if kind is PUNCT and txt in bracket_closers:
                popped = self._close_bracket(i, tok)
                if leading and popped:
                    depths[self.line] = len(stack)
                else:
                    leading = False
                at_stmt_start = False
                continue
            if kind is PUNCT and txt in brackets:
                self._push(i, tok, "bracket", ((brackets[txt],),), False)
                leading = False
                at_stmt_start = False
                continue
            closer_cands = closers_get(word)
            if closer_cands is not None:
                matched = self._match_closer(i, closer_cands)
                if matched is not None and self.counts.get(matched, 0) > 0:
                    self._close_block(i, i + len(matched) - 1, matched)
                    skip_to = i + len(matched)
                    if leading:
                        depths[self.line] = len(stack)
                    stmt += 1
                    at_stmt_start = True
                    continue
                if matched is not None and word not in tables.openers:
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
            close_words = tables.openers.get(word)
            if close_words is not None and self._opens(
                i, originals, at_stmt_start, stmt == opener_stmt and opened_line >= 0
            ):
                ifish = bool(originals & _IFISH)
                self._push(i, tok, tables.kinds.get(word, "keyword"), close_words, ifish)
                if not originals & _FOLLOWERS:
                    opener_stmt = stmt
                    opened_line = self.line
                leading = False
                at_stmt_start = True
                continue
            if leading and originals & MIDDLE_ORIGINALS and stack and stack[-1].ifish:
                depths[self.line] = len(stack) - 1
                at_stmt_start = True
                leading = False
                continue
            leading = False
            at_stmt_start = txt == terminator or (txt == ":" and spec.line_numbers)
        for entry in reversed(stack):
            self._unclosed(entry)
        if spec.blocks.style == "keywords":
            self._hanging()
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
        self.records.append([i, None, tok.start, tok.end, None, None])
        self.kinds.append(kind)
        entry = _Open(
            len(self.records) - 1,
            i,
            kind=kind,
            closers=closers,
            label=tok.text,
            line=self.line,
            ifish=ifish,
        )
        self.stack.append(entry)
        for c in closers:
            self.counts[c] = self.counts.get(c, 0) + 1

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
            record = self.records[entry.index]
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
        record = self.records[entry.index]
        record[1] = i
        record[4] = tok.start
        record[5] = tok.end

    def _unclosed(self, entry: _Open) -> None:
        """Report an entry that is never closed."""
        record = self.records[entry.index]
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

    def _hanging(self) -> None:
        """Keyword languages: indent a statement hanging off `THEN`/`DO`/`ELSE` on the line
        before, and the entries of a `VAR`/`CONST`/`TYPE` section (Pascal style)."""
        spec = self.spec
        depths = self.depths
        line = 0
        first: list[Token | None] = [None] * len(depths)
        last: list[Token | None] = [None] * len(depths)
        for tok in self.tokens:
            if tok.kind is TokenKind.NEWLINE:
                line += tok.text.count("\n")
                continue
            if line < len(depths) and tok.kind is not TokenKind.COMMENT:
                if first[line] is None:
                    first[line] = tok
                last[line] = tok
            line += tok.text.count("\n")
        prev: int | None = None
        in_section = False
        for n in range(len(depths)):
            head = first[n]
            if head is None:
                continue
            head_originals = (
                spec.originals_of(head.text) if head.kind is TokenKind.KEYWORD else frozenset()
            )
            if head.kind is TokenKind.KEYWORD:
                in_section = False
            elif in_section:
                depths[n] += 1
            if prev is not None and depths[n] == depths[prev]:
                tail = last[prev]
                if (
                    tail is not None
                    and tail.kind is TokenKind.KEYWORD
                    and spec.originals_of(tail.text) & _HANGERS
                    and not head_originals & _BLOCK_HEADS
                ):
                    depths[n] += 1
            if head is last[n] and head_originals & _SECTIONS:
                in_section = True
            prev = n

    def _result(self) -> BlockStructure:
        """Freeze the collected records."""
        blocks = tuple(
            Block(r[0], r[1], r[2], r[3], r[4], r[5], k)  # type: ignore[arg-type]  # ints set
            for r, k in zip(self.records, self.kinds, strict=True)
        )
        problems = tuple(sorted(self.problems, key=lambda d: (d.start, d.end)))
        return BlockStructure(blocks, tuple(self.depths), frozenset(self.verbatim), problems)
