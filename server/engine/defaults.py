"""Upstream's built-in defaults and the key names each config section may carry.

Defaults are those of upstream's v3/v4 loader (PARSERCRAFT.md sections 3.2-3.4): a section
that is absent keeps them. The key sets drive the unknown-key warnings.
"""

from __future__ import annotations

from server.engine.spec import Builtin, Keyword, Operator

__all__ = [
    "BLOCKS_KEYS",
    "DEFAULT_BUILTINS",
    "DEFAULT_KEYWORDS",
    "DEFAULT_OPERATORS",
    "FUNCTION_KEYS",
    "GRAMMAR_KEYS",
    "KEYWORD_KEYS",
    "METADATA_KEYS",
    "OPERATOR_KEYS",
    "PARSING_CONFIG_KEYS",
    "PARSING_KEYS",
    "RETURN_TYPES",
    "RUNTIME_KEYS",
    "SYNTAX_KEYS",
    "SYNTAX_OPTIONS_KEYS",
    "TOP_LEVEL_KEYS",
]

_KEYWORD_TABLE = (
    ("if", "control", "Conditional statement"),
    ("else", "control", "Else clause"),
    ("elif", "control", "Else-if clause"),
    ("while", "control", "While loop"),
    ("for", "control", "For loop"),
    ("break", "control", "Break statement"),
    ("continue", "control", "Continue statement"),
    ("pass", "control", "Pass statement"),
    ("when", "control", "Reactive programming"),
    ("def", "function", "Function definition"),
    ("function", "function", "Function definition"),
    ("return", "function", "Return value"),
    ("lambda", "function", "Lambda expression"),
    ("yield", "function", "Yield statement"),
    ("try", "exception", "Try block"),
    ("except", "exception", "Exception handler"),
    ("finally", "exception", "Finally block"),
    ("import", "import", "Import module"),
    ("from", "import", "From import"),
    ("as", "import", "Import alias"),
    ("with", "context", "Context manager"),
    ("const", "variable", "Constant declaration"),
    ("var", "variable", "Variable declaration"),
    ("class", "oop", "Class definition"),
    ("and", "logic", "Logical AND"),
    ("or", "logic", "Logical OR"),
    ("not", "logic", "Logical NOT"),
    ("let", "variable", "Variable declaration"),
    ("then", "control", "Then clause"),
)

DEFAULT_KEYWORDS: tuple[Keyword, ...] = tuple(
    Keyword(original=word, custom=word, category=category, description=text)
    for word, category, text in _KEYWORD_TABLE
)
"""The 29 keywords upstream's loader keeps when a config has no `keywords` section."""

DEFAULT_BUILTINS: tuple[Builtin, ...] = (
    Builtin("print", "print", 0, -1, "Print to stdout", "unknown"),
    Builtin("Number", "Number", 1, 1, "Convert to number", "unknown"),
    Builtin("String", "String", 1, 1, "Convert to string", "unknown"),
    Builtin("Boolean", "Boolean", 1, 1, "Convert to boolean", "unknown"),
    Builtin("List", "List", 0, -1, "Create list", "unknown"),
)
"""The 5 functions upstream keeps when a config declares none."""

DEFAULT_OPERATORS: tuple[Operator, ...] = (
    Operator("+", 10, "left"),
    Operator("-", 10, "left"),
    Operator("*", 20, "left"),
    Operator("/", 20, "left"),
    Operator("==", 5, "none"),
    Operator("!=", 5, "none"),
    Operator(">", 5, "none"),
    Operator("<", 5, "none"),
    Operator(">=", 5, "none"),
    Operator("<=", 5, "none"),
    Operator("=", 1, "right"),
)
"""The 11 operators upstream keeps when a config has no `operators` section."""

RETURN_TYPES = frozenset({"int", "float", "str", "bool", "list", "none", "unknown"})
"""Values our `returns` / `return_type` extension accepts without a warning."""

TOP_LEVEL_KEYS = frozenset(
    {
        "metadata", "keywords", "functions", "builtin_functions", "operators",
        "syntax_options", "parsing_config", "runtime", "parsing", "syntax", "grammar",
        "color_palette", "ide_theme", "name", "version", "description", "author",
        "language_name", "file_extension", "example", "builtin_keywords", "comments",
        "string_delimiters", "case_sensitive", "indent_style", "indent_size", "protocols",
        "debug_mode", "strict_mode", "compatibility_mode", "blocks",
    }
)  # fmt: skip
METADATA_KEYS = frozenset(
    {"name", "version", "description", "author", "target_interpreter", "year",
     "file_extension", "icon"}
)  # fmt: skip
KEYWORD_KEYS = frozenset({"original", "custom", "category", "description"})
FUNCTION_KEYS = frozenset(
    {"name", "new_name", "arity", "min_args", "max_args", "alias", "implementation",
     "description", "enabled", "params", "returns", "return_type"}
)  # fmt: skip
OPERATOR_KEYS = frozenset({"symbol", "precedence", "associativity", "enabled", "description"})
SYNTAX_OPTIONS_KEYS = frozenset(
    {"single_line_comment", "multi_line_comment_start", "multi_line_comment_end",
     "statement_terminator", "require_semicolons", "array_start_index",
     "allow_fractional_indexing", "flexible_quoting", "string_interpolation",
     "interpolation_symbol", "three_valued_logic", "probabilistic_variables",
     "temporal_variables", "enable_satirical_keywords", "enable_quantum_features",
     "enable_time_travel", "enable_gaslighting"}
)  # fmt: skip
PARSING_CONFIG_KEYS = frozenset(
    {"block_start", "block_end", "list_start", "list_end", "tuple_start", "tuple_end",
     "dict_start", "dict_end", "statement_separator", "parameter_separator",
     "key_value_separator", "string_delimiters", "escape_character", "allow_raw_strings",
     "raw_string_prefix", "member_access", "index_access_start", "index_access_end",
     "function_call_start", "function_call_end", "if_then_separator", "else_keyword",
     "elif_keyword", "function_param_start", "function_param_end", "function_arrow",
     "return_type_separator", "class_inheritance_separator", "class_body_start",
     "class_body_end", "import_separator", "from_keyword", "as_keyword",
     "allow_custom_operators", "allow_operator_overloading"}
)  # fmt: skip
PARSING_KEYS = frozenset(
    {"comment_style", "multiline_comment_start", "multiline_comment_end",
     "string_delimiters", "alt_comment_prefix", "statement_separator", "line_continuation",
     "case_sensitive"}
)  # fmt: skip
SYNTAX_KEYS = frozenset(
    {"array_index_base", "array_index_one_based", "function_keyword_required",
     "parentheses_required", "block_end_required", "statement_separator", "semicolons",
     "indentation_style", "line_comment", "block_comment_start", "block_comment_end",
     "operators"}
)  # fmt: skip
RUNTIME_KEYS = frozenset({"debug_mode", "strict_mode", "compatibility_mode"})
GRAMMAR_KEYS = frozenset({"name", "start", "skip_whitespace", "comments", "rules"})
BLOCKS_KEYS = frozenset({"style", "pairs"})
