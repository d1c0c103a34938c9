"""Rendering `check` results as text, JSON, SARIF 2.1.0 or GitHub workflow commands."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import attrs

from server import __version__
from server.engine.diagnostic import Diagnostic, Severity
from server.engine.text import LineIndex
from server.lsp.convert import range_of

if TYPE_CHECKING:
    from collections.abc import Sequence

FORMATS = ("text", "json", "sarif", "github")


@attrs.frozen
class FileReport:
    """The diagnostics of one checked file, with the text they point into."""

    path: str
    language: str
    diagnostics: tuple[Diagnostic, ...]
    line_index: LineIndex = attrs.field(eq=False)


def diagnostic_json(index: LineIndex, diag: Diagnostic) -> dict[str, object]:
    """`{range, severity, code, message}` of one diagnostic (severity as a word)."""
    return {
        "range": range_of(index, diag.start, diag.end),
        "severity": diag.severity.label,
        "code": diag.code,
        "message": diag.message,
    }


def summary(reports: Sequence[FileReport]) -> dict[str, int]:
    """Counts of files and of diagnostics per severity."""
    counts = {"files": len(reports), "error": 0, "warning": 0, "information": 0, "hint": 0}
    for report in reports:
        for diag in report.diagnostics:
            counts[diag.severity.label] += 1
    return counts


def render(reports: Sequence[FileReport], fmt: str) -> str:
    """The whole report in format `fmt` (one of FORMATS), ending with a newline."""
    if fmt == "json":
        return json.dumps(_json(reports), indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif(reports), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(_github_line(r, d) + "\n" for r in reports for d in r.diagnostics)
    return _text(reports)


def _text(reports: Sequence[FileReport]) -> str:
    """`path:line:col: severity code message` lines and a closing summary line."""
    lines = []
    for report in reports:
        for diag in report.diagnostics:
            line, col = _line_col(report.line_index, diag.start)
            label = diag.severity.label
            lines.append(f"{report.path}:{line}:{col}: {label} {diag.code} {diag.message}")
    counts = summary(reports)
    files = "file" if counts["files"] == 1 else "files"
    lines.append(
        f"{counts['files']} {files} checked: {counts['error']} error(s), "
        f"{counts['warning']} warning(s), {counts['information']} info"
    )
    return "\n".join(lines) + "\n"


def _line_col(index: LineIndex, offset: int) -> tuple[int, int]:
    """1-based line and code-point column, as terminals and editors show them."""
    line = index.line_of(offset)
    return line + 1, offset - index.line_starts[line] + 1


def _json(reports: Sequence[FileReport]) -> dict[str, object]:
    """The JSON document of `check --output-format json`."""
    return {
        "version": __version__,
        "files": [
            {
                "path": r.path,
                "language": r.language,
                "diagnostics": [diagnostic_json(r.line_index, d) for d in r.diagnostics],
            }
            for r in reports
        ],
        "summary": summary(reports),
    }


_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}


def _sarif(reports: Sequence[FileReport]) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run and one result per diagnostic."""
    results = []
    rules: dict[str, dict[str, object]] = {}
    for report in reports:
        for diag in report.diagnostics:
            rules.setdefault(diag.code, {"id": diag.code})
            sl, sc = _line_col(report.line_index, diag.start)
            el, ec = _line_col(report.line_index, diag.end)
            results.append(
                {
                    "ruleId": diag.code,
                    "level": _SARIF_LEVEL[diag.severity],
                    "message": {"text": diag.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": report.path},
                                "region": {
                                    "startLine": sl,
                                    "startColumn": sc,
                                    "endLine": el,
                                    "endColumn": ec,
                                },
                            }
                        }
                    ],
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "parsercraft-ls",
                        "version": __version__,
                        "rules": [rules[code] for code in sorted(rules)],
                    }
                },
                "results": results,
            }
        ],
    }


_GITHUB_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "notice",
    Severity.HINT: "notice",
}


def _github_line(report: FileReport, diag: Diagnostic) -> str:
    """One GitHub Actions workflow command (`::error file=...,line=...::message`)."""
    line, col = _line_col(report.line_index, diag.start)
    message = diag.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    level = _GITHUB_LEVEL[diag.severity]
    return f"::{level} file={report.path},line={line},col={col},title={diag.code}::{message}"
