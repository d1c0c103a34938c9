"""Command line: `parsercraft-ls check | format | inspect | inspect-config`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from server import __version__

if TYPE_CHECKING:
    from collections.abc import Sequence

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per headless job."""
    parser = argparse.ArgumentParser(
        prog="parsercraft-ls",
        description="Language server and CI checker for ParserCraft languages.",
    )
    parser.add_argument("--version", action="version", version=f"parsercraft-ls {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="report diagnostics for programs")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument(
        "--config", metavar="CFG", help="language config or preset:NAME for all files"
    )
    check.add_argument(
        "--output-format", choices=("text", "json", "sarif", "github"), default="text"
    )
    check.add_argument("--fail-on", choices=("error", "warning", "never"), default="error")
    check.add_argument(
        "--offline",
        action="store_true",
        help="resolve package imports from parsercraft.lock and the cache only (no network)",
    )

    fmt = sub.add_parser("format", help="format programs in place")
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    fmt.add_argument("--config", metavar="CFG", help="language config or preset:NAME for all files")
    fmt.add_argument("--check", action="store_true", help="exit 1 if any file would change")
    fmt.add_argument("--diff", action="store_true", help="print a diff instead of writing")

    insp = sub.add_parser("inspect", help="print a program's outline and diagnostics")
    insp.add_argument("path", metavar="FILE")
    insp.add_argument("--config", metavar="CFG")
    insp.add_argument("--json", action="store_true", required=True, help="JSON output (required)")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="talk LSP on stdin/stdout (default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen for one client on a TCP port")
    serve.add_argument("--log-file", metavar="PATH", help="write the server log to this file")
    serve.add_argument(
        "--log-level", choices=("debug", "info", "warning", "error"), default="warning"
    )

    sub.add_parser("demo", help="drive a scripted session against the server on examples/")

    from server.registry.parsers import add_parsers

    add_parsers(sub)

    cfg = sub.add_parser("inspect-config", help="print the normalized language spec")
    cfg.add_argument("config", metavar="CFG|preset:NAME")
    cfg.add_argument("--json", action="store_true", help="one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (2 for usage, project or config errors)."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from server.serve import serve

        return serve(args.tcp, args.log_file, args.log_level)
    if args.command == "demo":
        from server.demo import run_demo

        return run_demo()
    from server import headless
    from server.errors import ParserCraftError

    out, err = sys.stdout, sys.stderr
    try:
        from server.registry.parsers import REGISTRY_COMMANDS

        if args.command in REGISTRY_COMMANDS:
            from server.registry import cli as registry_cli

            return registry_cli.run(args, out, err) or 0
        if args.command == "check":
            return headless.check(
                args.paths, args.config, args.output_format, args.fail_on, out, offline=args.offline
            )
        if args.command == "format":
            return headless.format_files(
                args.paths, args.config, check_only=args.check, diff=args.diff, out=out, err=err
            )
        if args.command == "inspect":
            return headless.inspect_file(args.path, args.config, out)
        return headless.inspect_config(args.config, args.json, out)
    except ParserCraftError as exc:
        err.write(f"parsercraft-ls: error: {exc}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
