"""A `LanguageSpec` as plain JSON data, for `parsercraft.*` commands, tests and debugging.

The first ten keys are fixed and always in this order: `name`, `version`, `keywords`,
`builtins`, `operators`, `line_comments`, `block_comments`, `string_delimiters`,
`statement_terminator`, `blocks`. Extra keys follow. In `keywords` (original -> custom)
the first keyword declared for an original wins, as in `LanguageSpec.custom_by_original`;
`keyword_list` keeps every (original, custom) pair.
"""

from __future__ import annotations

from server.engine.spec import LanguageSpec

__all__ = ["spec_to_json"]


def spec_to_json(spec: LanguageSpec) -> dict[str, object]:
    """The spec as JSON-ready data, fixed keys first (see the module docstring)."""
    grammar = spec.grammar
    return {
        "name": spec.name,
        "version": spec.version,
        "keywords": dict(spec.custom_by_original),
        "builtins": [
            {"name": fn.name, "min_args": fn.min_args, "max_args": fn.max_args}
            for fn in spec.builtins
        ],
        "operators": [op.symbol for op in spec.operators],
        "line_comments": list(spec.line_comments),
        "block_comments": [[start, end] for start, end in spec.block_comments],
        "string_delimiters": list(spec.string_delimiters),
        "statement_terminator": spec.statement_terminator,
        "blocks": {
            "style": spec.blocks.style,
            "pairs": [[start, end] for start, end in spec.blocks.pairs],
        },
        "description": spec.description,
        "case_sensitive": spec.case_sensitive,
        "line_numbers": spec.line_numbers,
        "escape_char": spec.escape_char,
        "source": spec.source,
        "keyword_list": [
            {"original": kw.original, "custom": kw.custom, "category": kw.category}
            for kw in spec.keywords
        ],
        "builtin_details": [
            {
                "name": fn.name,
                "original": fn.original,
                "returns": fn.return_type,
                "params": list(fn.params),
            }
            for fn in spec.builtins
        ],
        "operator_details": [
            {"symbol": op.symbol, "precedence": op.precedence, "associativity": op.associativity}
            for op in spec.operators
        ],
        "grammar": None
        if grammar is None
        else {
            "name": grammar.name,
            "start": grammar.start,
            "skip_whitespace": grammar.skip_whitespace,
            "comments": list(grammar.comments),
            "rules": [[name, pattern] for name, pattern in grammar.rules],
        },
        "warnings": [
            {"path": w.path, "key_path": w.key_path, "message": w.message, "line": w.line}
            for w in spec.warnings
        ],
    }
