"""Completion, hover and signature help on package imports, from the registry cache only.

- In an import line: package names after the import keyword (or after `from`), versions after
  `version "`, and a package's exports inside `{...}`.
- After `<package or alias>.`: the package's exports; functions as snippets with their
  parameters when the client supports snippets.
- Hover on `pkg.func` (or an imported name): signature, docs and return type, "(stale)" when
  the cache entry is stale; hover on the package name of an import line: its description.
- Signature help inside `pkg.func(`.
Every answer is LSP JSON; None means "not about a package" and the normal feature answers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.lsp.imports import Imports
    from server.lsp.server import ParserCraftServer
    from server.registry import CachedPackage, Function, ImportSyntax

__all__ = ["completion_items", "hover", "merge", "signature_help", "signature_label"]

Json = dict[str, object]
_NAME = r"[A-Za-z_][\w.-]*"
_WORD = re.compile(r"[A-Za-z_]\w*")
_FUNCTION, _CLASS, _MODULE, _VALUE, _CONSTANT = 3, 7, 9, 12, 21
_PLAIN, _SNIPPET = 1, 2


def _utf16(text: str) -> int:
    """The length of `text` in UTF-16 code units (LSP columns)."""
    return len(text.encode("utf-16-le")) // 2


def _column(line: str, character: int) -> int:
    """The code-point column of UTF-16 column `character` in `line` (clamped)."""
    units = 0
    for i, ch in enumerate(line):
        if units >= character:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def _context(
    ls: ParserCraftServer, uri: str, at: tuple[int, int]
) -> tuple[Imports, str, int] | None:
    """The document's resolved imports, the cursor's line (no line ending) and its column."""
    doc = ls.documents.get(uri)
    if doc is None or not 0 <= at[0] < doc.line_count:
        return None
    found = ls.registry.imports(doc)
    if found is None:
        return None
    raw = doc.line(at[0])
    line = raw.rstrip("\r\n")
    return found, line, _column(line, at[1])


def _packages(found: Imports) -> dict[str, tuple[str, CachedPackage, bool]]:
    """`{name used in code: (package name, cached package, stale)}` for resolved packages."""
    keys: dict[str, tuple[str, CachedPackage, bool]] = {}
    for r in found.resolved:
        if r.package is not None:
            keys[r.statement.alias or r.statement.name] = (r.statement.name, r.package, r.is_stale)
    return keys


def _keyword(syntax: ImportSyntax) -> str:
    """A regex for the start of an import line."""
    words = "|".join(re.escape(k) for k in sorted(syntax.keywords, key=len, reverse=True))
    return rf"^\s*(?{'' if syntax.case_sensitive else 'i'}:{words})\s+"


def _edit_range(line_no: int, line: str, start: int, end: int) -> Json:
    return {
        "start": {"line": line_no, "character": _utf16(line[:start])},
        "end": {"line": line_no, "character": _utf16(line[:end])},
    }


def signature_label(function: Function) -> tuple[str, list[tuple[int, int]]]:
    """`name(a: T, b) -> R` and the [start, end) of each parameter in it (UTF-16)."""
    label = function.name + "("
    spans = []
    for i, p in enumerate(function.parameters):
        if i:
            label += ", "
        text = f"{p.name}: {p.type}" if p.type else p.name
        spans.append((_utf16(label), _utf16(label) + _utf16(text)))
        label += text
    label += ")" + (f" -> {function.returns}" if function.returns else "")
    return label, spans


def _export_items(package: CachedPackage, snippets: bool) -> list[Json]:
    """Completion items of a package's exports (without the text edit)."""
    exports = package.metadata.exports
    items: list[Json] = []
    for f in exports.functions:
        params = ", ".join(f"${{{i}:{p.name}}}" for i, p in enumerate(f.parameters, 1))
        item: Json = {"label": f.name, "kind": _FUNCTION, "detail": signature_label(f)[0]}
        item["insertTextFormat"] = _SNIPPET if snippets else _PLAIN
        item["newText"] = f"{f.name}({params})" if snippets else f.name
        if f.doc:
            item["documentation"] = {"kind": "markdown", "value": f.doc}
        items.append(item)
    for t in exports.types:
        items.append({"label": t.name, "kind": _CLASS, "detail": "type", "newText": t.name})
    for c in exports.constants:
        detail = f"{c.type} = {c.value}" if c.value else c.type
        items.append({"label": c.name, "kind": _CONSTANT, "detail": detail, "newText": c.name})
    return items


def _package_items(found: Imports) -> list[Json]:
    """Completion items of every package name in the cached indexes."""
    client = found.workspace.client
    if client is None:
        return []
    described: dict[str, str] = {}
    for registry in client.registry_names():
        cached = client.cached_index(registry)
        for entry in () if cached is None else cached.index.packages:
            described.setdefault(entry.name, entry.description)
    return [
        {"label": n, "kind": _MODULE, "detail": d or "package", "newText": n}
        for n, d in sorted(described.items())
    ]


def _version_items(found: Imports, name: str) -> list[Json]:
    """Completion items of the cached versions of `name`, newest first."""
    client = found.workspace.client
    versions = () if client is None else client.cached_versions(name)
    return [
        {"label": str(v), "kind": _VALUE, "detail": f"{name} {v}", "newText": str(v)}
        for v in reversed(versions)
    ]


def _import_line_items(
    found: Imports, line: str, before: str, snippets: bool
) -> tuple[list[Json], int] | None:
    """Items for an import line and where the replaced word starts; None elsewhere."""
    syntax = found.syntax
    head = re.match(_keyword(syntax), before)
    if head is None:
        return None
    fr = re.escape(syntax.from_word)
    version = re.search(r"(?i:" + re.escape(syntax.version_word) + r")\s+[\"']([^\"']*)$", before)
    if version is not None:
        named = re.match(_keyword(syntax) + rf"(?:\{{[^}}]*\}}\s*{fr}\s+)?({_NAME})", line)
        partial = re.search(r"[\w.+-]*$", version.group(1))
        start = len(before) - (len(partial.group(0)) if partial else 0)
        return ([] if named is None else _version_items(found, named.group(1))), start
    braces = re.match(_keyword(syntax) + r"\{([^}]*)$", before)
    if braces is not None:
        source = re.search(rf"\}}\s*{fr}\s+({_NAME})", line)
        package = None
        for r in found.resolved:
            if source is not None and r.statement.name == source.group(1):
                package = r.package
        word = re.search(r"\w*$", before)
        start = len(before) - len(word.group(0)) if word else len(before)
        return ([] if package is None else _export_items(package, False)), start
    typed = re.fullmatch(rf"({_NAME})?", before[head.end() :]) or re.search(
        rf"\}}\s*{fr}\s+({_NAME})?$", before
    )
    if typed is None:
        return None  # past the package name (`as`, `version`)
    return _package_items(found), len(before) - len(typed.group(1) or "")


def completion_items(
    ls: ParserCraftServer, uri: str, at: tuple[int, int], snippets: bool
) -> list[Json]:
    """Registry completion items at the cursor (empty when the cursor is not on an import
    line or after `<package>.`); reads the cache only."""
    context = _context(ls, uri, at)
    if context is None:
        return []
    found, line, col = context
    before = line[:col]
    answer = _import_line_items(found, line, before, snippets)
    if answer is None:
        member = re.search(rf"(?<![\w.])({_NAME})\.(\w*)$", before)
        package = None if member is None else _packages(found).get(member.group(1))
        if member is None or package is None:
            return []
        answer = _export_items(package[1], snippets), col - len(member.group(2))
    items, start = answer
    edit_range = _edit_range(at[0], line, start, col)
    for i, item in enumerate(items):
        item["sortText"] = f"0{i:04d}"
        item["textEdit"] = {"range": edit_range, "newText": item.pop("newText")}
        item.setdefault("insertTextFormat", _PLAIN)
        item["data"] = {"kind": "package", "uri": uri}
    return items


def merge(result: object, items: list[Json]) -> object:
    """The worker's completion result (a dict with `items`) with registry items first."""
    if not items:
        return result
    if not isinstance(result, dict):
        return {"isIncomplete": False, "items": items}
    others = result.get("items")
    return {**result, "items": items + (others if isinstance(others, list) else [])}


def _word_at(line: str, col: int) -> tuple[int, int] | None:
    """The [start, end) of the identifier at or just before column `col`."""
    for m in _WORD.finditer(line):
        if m.start() <= col <= m.end():
            return m.start(), m.end()
    return None


def _function_markdown(f: Function, key: str, package: CachedPackage, stale: bool) -> str:
    meta = package.metadata
    lines = [f"```\n{key}.{signature_label(f)[0]}\n```"]
    if f.doc:
        lines.append(f.doc)
    params = [
        f"- `{p.name}`" + (f" ({p.type})" if p.type else "") + (f": {p.doc}" if p.doc else "")
        for p in f.parameters
    ]
    if params:
        lines.append("Parameters:\n" + "\n".join(params))
    if f.returns:
        lines.append(f"Returns: `{f.returns}`")
    lines.append(_origin(meta.name, str(meta.version), package.registry, stale))
    return "\n\n".join(lines)


def _origin(name: str, version: str, registry: str, stale: bool) -> str:
    return f"*package {name} {version} from registry '{registry}'*" + (" (stale)" if stale else "")


def hover(ls: ParserCraftServer, uri: str, at: tuple[int, int]) -> Json | None:
    """Hover of an exported name after `<package>.`, an imported name, or the package of an
    import line; None when the cursor is on none of these."""
    context = _context(ls, uri, at)
    if context is None:
        return None
    found, line, col = context
    span = _word_at(line, col)
    if span is None:
        return None
    start, end = span
    word, value = line[start:end], None
    packages = _packages(found)
    member = re.search(rf"(?<![\w.])({_NAME})\.$", line[:start])
    if member is not None and member.group(1) in packages:
        value = _export_markdown(word, member.group(1), *packages[member.group(1)][1:])
    for r in found.resolved:
        s = r.statement
        if value is None and s.line == at[0] and s.start <= col <= s.end and r.package:
            meta = r.package.metadata
            head = f"```\npackage {s.name}\n```\n\n{meta.description}".rstrip()
            value = (
                head + "\n\n" + _origin(s.name, str(meta.version), r.package.registry, r.is_stale)
            )
        elif value is None and r.package is not None and word in s.names and s.line != at[0]:
            value = _export_markdown(word, s.name, r.package, r.is_stale)
    if value is None:
        return None
    return {
        "contents": {"kind": "markdown", "value": value},
        "range": _edit_range(at[0], line, start, end),
    }


def _export_markdown(word: str, key: str, package: CachedPackage, stale: bool) -> str | None:
    """Hover text of export `word` of `package` used as `key.word`, or None if not exported."""
    meta = package.metadata
    function = meta.function(word)
    if function is not None:
        return _function_markdown(function, key, package, stale)
    where = _origin(meta.name, str(meta.version), package.registry, stale)
    for t in meta.exports.types:
        if t.name == word:
            return f"```\ntype {key}.{word}\n```\n\n{t.doc}\n\n{where}".replace("\n\n\n\n", "\n\n")
    for c in meta.exports.constants:
        if c.name == word:
            typed = f": {c.type}" if c.type else ""
            value = f" = {c.value}" if c.value else ""
            return f"```\n{key}.{word}{typed}{value}\n```\n\n{c.doc}\n\n{where}".replace(
                "\n\n\n\n", "\n\n"
            )
    return None


def signature_help(ls: ParserCraftServer, uri: str, at: tuple[int, int]) -> Json | None:
    """Signature help inside `<package>.func(...)`, or None when the call is not to a package."""
    context = _context(ls, uri, at)
    if context is None:
        return None
    found, line, col = context
    depth, commas, quote = 0, 0, ""
    open_at = None
    for i in range(col - 1, -1, -1):  # backwards to the unmatched "(" of the call
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in ")]}":
            depth += 1
        elif ch in "([{" and depth:
            depth -= 1
        elif ch == "(":
            open_at = i
            break
        elif ch == "," and not depth:
            commas += 1
    if open_at is None:
        return None
    callee = re.search(rf"(?<![\w.])({_NAME})\.([A-Za-z_]\w*)\s*$", line[:open_at])
    packages = _packages(found)
    if callee is None or callee.group(1) not in packages:
        return None
    _, package, stale = packages[callee.group(1)]
    function = package.metadata.function(callee.group(2))
    if function is None:
        return None
    label, spans = signature_label(function)
    meta = package.metadata
    docs = (function.doc + "\n\n" if function.doc else "") + _origin(
        meta.name, str(meta.version), package.registry, stale
    )
    parameters: list[Json] = []
    for (s, e), p in zip(spans, function.parameters, strict=True):
        parameter: Json = {"label": [s, e]}
        if p.doc:
            parameter["documentation"] = p.doc
        parameters.append(parameter)
    return {
        "signatures": [
            {
                "label": label,
                "documentation": {"kind": "markdown", "value": docs},
                "parameters": parameters,
            }
        ],
        "activeSignature": 0,
        "activeParameter": min(commas, max(len(parameters) - 1, 0)),
    }
