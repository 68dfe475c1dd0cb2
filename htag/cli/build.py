"""`htag build module:App`: a one-file executable of an App, made by PyInstaller (htag 2's
`htagm build`). The executable bundles Python, htag (its compiled `htag._core` and the
client script `htag.js` included), Granian and the App, and serves it as `htag run` does."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import target

HELP = "make a one-file executable of an App (with PyInstaller)"
DESCRIPTION = """\
Makes one executable file that serves the App and opens it in the browser, for machines
without Python: it bundles Python, htag, Granian and the App's module. It takes the options
of `htag run` (--port, --host, --no-open...). Needs PyInstaller (pip install "htag[build]").
An executable runs on the system it was built on (build a Windows one on Windows)."""
EPILOG = """\
example:
  htag build app:App --name hello && ./dist/hello --port 8080
"""

# what PyInstaller cannot see by reading imports: modules htag and Granian load by name,
# the client script, and the compiled extensions
COLLECT = ("htag", "granian")


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "build",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="module:App", help="the App: module:App or path/to/file.py:App")
    p.add_argument("--name", help="the executable's name (default: the module's)")
    p.add_argument("--out", default="dist", help="the folder it is written to (default: dist)")
    p.set_defaults(command=command)


def command(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("PyInstaller") is None:
        raise target.TargetError('htag build needs PyInstaller: pip install "htag[build]" (or pyinstaller)')
    where, _, name = args.target.partition(":")
    obj = target.load(args.target)  # a wrong target fails here, in one line, not in PyInstaller
    name = name or obj.__name__
    if where.endswith(".py") or "/" in where or "\\" in where:
        module, search = Path(where).stem, Path(where).resolve().parent
    else:
        module, search = where, Path.cwd()
    exe = args.name or module.rpartition(".")[2]
    out = Path(args.out).resolve()
    with tempfile.TemporaryDirectory(prefix="htag-build-") as tmp:
        entry = Path(tmp) / f"{exe}.py"
        entry.write_text(ENTRY.format(module=module, name=name, exe=exe), encoding="utf-8")
        command = [sys.executable, "-m", "PyInstaller", "--onefile", "--noconfirm", "--log-level", "WARN"]
        command += ["--name", exe, "--distpath", str(out), "--workpath", tmp, "--specpath", tmp]
        command += ["--paths", str(search)]
        for package in COLLECT + (("uvicorn",) if importlib.util.find_spec("uvicorn") else ()):
            command += ["--collect-all", package]
        done = subprocess.run([*command, str(entry)], check=False)
    if done.returncode != 0:
        print(f"htag: error: PyInstaller failed (exit status {done.returncode})", file=sys.stderr)
        return 1
    built = out / (exe + (".exe" if sys.platform == "win32" else ""))
    print(f"built {built}: run it, or `{built} --help` for its options")
    return 0


ENTRY = """\
# the entry point of the executable `{exe}`, written by `htag build`
import multiprocessing
import sys

from htag.cli.run import run_executable
from {module} import {name} as target

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen program started as a worker process stops here
    sys.exit(run_executable(target, "{exe}"))
"""
