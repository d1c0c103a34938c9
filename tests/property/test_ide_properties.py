"""Properties of the IDE queries: total on any text and offset; well-formed semantic tokens."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.engine.analysis import analyze
from server.engine.complete import completions, keyword_completions
from server.engine.fixes import quick_fixes
from server.engine.highlight import (
    TOKEN_TYPES,
    folding_ranges,
    semantic_tokens,
    semantic_tokens_delta,
    semantic_tokens_range,
)
from server.engine.hints import inlay_hints
from server.engine.rename import RenameRefusal, prepare_rename, rename_edits
from server.engine.signature import signature_at
from server.engine.text import utf16_len
from server.languages import load_spec

CALC = str(Path(__file__).resolve().parents[2] / "examples" / "languages" / "calc.yaml")
SPECS = [
    load_spec(f"preset:{name}")
    for name in ("pascal_like", "python_like", "lisp_like", "basic_like", "js_like")
] + [load_spec(CALC)]

ALPHABET = st.sampled_from(
    [
        *"abxyzBEGINDWLT_$?!-0123456789 \t\n\r()[]{},;:.=+*/<>'\"#|\\",
        "BEGIN",
        "END",
        "def ",
        "(*",
        "*)",
        "/*",
        "*/",
        "//",
        "REM",
        "\r\n",
        "😀",
        "é",
        '"""',
    ]
)
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)
OFFSETS = st.integers(min_value=-5, max_value=200) | st.sampled_from([-(10**9), 10**9])


def _check_tokens(data: tuple[int, ...], text: str) -> None:
    """Tokens decode to non-overlapping, in-range, non-empty spans of known types."""
    assert len(data) % 5 == 0
    lines = text.split("\n")
    line = col = 0
    prev_end = (-1, 0)
    for i in range(0, len(data), 5):
        delta_line, delta_col, length, type_, mods = data[i : i + 5]
        assert delta_line >= 0 and delta_col >= 0 and length > 0
        line += delta_line
        col = col + delta_col if delta_line == 0 else delta_col
        assert line < len(lines)
        assert col + length <= utf16_len(lines[line])
        assert (line, col) >= prev_end
        prev_end = (line, col + length)
        assert 0 <= type_ < len(TOKEN_TYPES) and 0 <= mods < 8


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec_index=st.integers(0, len(SPECS) - 1), text=TEXTS, offsets=st.lists(OFFSETS, max_size=4))
def test_queries_never_raise(spec_index: int, text: str, offsets: list[int]) -> None:
    """Every query is total on arbitrary text and offsets, and results stay in the text."""
    spec = SPECS[spec_index]
    analysis = analyze(spec, text)
    size = len(text)
    for offset in offsets:
        result = completions(analysis, offset)
        assert 0 <= result.replace_start <= result.replace_end <= size
        assert len(result.items) <= 200
        signature_at(analysis, offset)
        found = prepare_rename(analysis, offset)
        assert found is None or 0 <= found[0] <= found[1] <= size
        edits = rename_edits(analysis, offset, "zz")
        assert isinstance(edits, RenameRefusal) or all(0 <= e.start <= e.end <= size for e in edits)
        for fix in quick_fixes(analysis, offset, offset + 3):
            assert all(0 <= e.start <= e.end <= size for e in fix.edits)
        assert all(0 <= h.offset <= size for h in inlay_hints(analysis, offset, offset + 20))
        _check_tokens(semantic_tokens_range(analysis, offset, offset + 10), text)
        keyword_completions(spec, text[:3], offset)
    full = semantic_tokens(analysis)
    _check_tokens(full, text)
    for fold in folding_ranges(analysis):
        assert 0 <= fold.start_line < fold.end_line < analysis.line_index.line_count


@settings(max_examples=100, deadline=None)
@given(spec_index=st.integers(0, len(SPECS) - 1), before=TEXTS, after=TEXTS)
def test_delta_applies(spec_index: int, before: str, after: str) -> None:
    """Applying the delta of two documents' tokens to the first gives the second."""
    spec = SPECS[spec_index]
    old = semantic_tokens(analyze(spec, before))
    new = semantic_tokens(analyze(spec, after))
    data = list(old)
    for edit in semantic_tokens_delta(old, new):
        assert edit.start >= 0 and edit.start + edit.delete_count <= len(old)
        data[edit.start : edit.start + edit.delete_count] = edit.data
    assert tuple(data) == new
