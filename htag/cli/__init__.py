"""The `htag` command (also `python -m htag`): `run`, `new`, `bench`, `build` and `nginx-conf`.

Each subcommand is a module with `add_parser(subparsers)`, which registers its options and
sets `command`, the function that runs it and returns the exit status. The command line is
above every layer: it imports `htag.server`, nothing imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import bench, build, new, nginx_conf, run
from .target import TargetError


def parser() -> argparse.ArgumentParser:
    from htag import __version__

    top = argparse.ArgumentParser(
        prog="htag",
        description="htag: web user interfaces in pure Python, on a Rust core.",
        epilog="`htag COMMAND --help` describes each command; docs/cli.md has examples.",
    )
    top.add_argument("--version", action="version", version=f"htag {__version__}")
    commands = top.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in (run, new, bench, build, nginx_conf):
        module.add_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.command(args)
    except TargetError as e:
        print(f"htag: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
