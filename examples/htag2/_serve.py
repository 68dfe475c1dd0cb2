"""Serves one example, unchanged, with whichever htag this interpreter imports (ours or
upstream 2.0.28), the way its users start it. Used by `compare.py`:

    <python> examples/htag2/_serve.py FILE.py[:NAME] PORT

NAME (default `app`) is a `WebApp`, served by its own `run()` (ours: Granian; upstream:
uvicorn, with `exit_on_disconnect=False`, which upstream turns on by default and which
would end the process when the driver closes its socket), or any ASGI application (a host
Starlette app), served by Granian when it is installed (ours), else uvicorn (upstream's venv).
"""

from __future__ import annotations

import runpy
import sys

HOST = "127.0.0.1"


def main() -> None:
    spec, port = sys.argv[1], int(sys.argv[2])
    path, _, name = spec.partition(":")
    target = runpy.run_path(path, run_name="htag2_example")[name or "app"]
    if type(target).__name__ == "WebApp":
        target.run(HOST, port, open_browser=False, exit_on_disconnect=False)
        return
    try:
        from granian import Granian
    except ImportError:
        import uvicorn

        uvicorn.run(target, host=HOST, port=port, log_level="warning")
        return
    Granian(f"{path}:{name}", address=HOST, port=port, interface="asgi", websockets=True).serve(
        target_loader=lambda *_: target
    )


if __name__ == "__main__":
    main()
