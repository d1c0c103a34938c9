"""The command-line parsers of `registry build|serve` and `lock` (argparse only, so that
`parsercraft-ls serve` does not import the registry client to build its argument parser)."""

from __future__ import annotations

import argparse

REGISTRY_COMMANDS = ("registry", "lock")
"""The top-level commands `server.registry.cli.run` handles."""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `registry build|serve` and `lock` to `parsercraft-ls`'s sub-command parser."""
    reg = sub.add_parser("registry", help="build or serve a static package registry")
    reg_sub = reg.add_subparsers(dest="registry_command", required=True, metavar="ACTION")
    b = reg_sub.add_parser("build", help="write index.json and packages/ from package folders")
    b.add_argument("directory", metavar="DIR")
    b.add_argument("--out", metavar="OUT", help="output directory (default: DIR)")
    s = reg_sub.add_parser("serve", help="serve a built registry over HTTP (development)")
    s.add_argument("directory", metavar="DIR")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--faults", action="store_true", help="accept POST /_control fault injection")
    lk = sub.add_parser("lock", help="resolve imports to exact versions in parsercraft.lock")
    lk.add_argument("path", nargs="?", metavar="PATH", help="project folder (default: .)")
    lk.add_argument("--offline", action="store_true", help="use only the cache")
    lk.add_argument("--upgrade", action="store_true", help="ignore versions already locked")
    lk.add_argument("--check", action="store_true", help="verify the lock; write nothing")
