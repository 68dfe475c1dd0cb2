"""The server harness of tests/compat: an app of `apps.py` served by our htag on a real server
(Granian, a free loopback port) and driven as our client does, with the code of
`examples/htag2/compare.py` (one driver for the comparison and for these tests)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
APPS = HERE / "apps.py"


def _load_compare():
    spec = importlib.util.spec_from_file_location("htag2_compare", REPO / "examples" / "htag2" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


compare = _load_compare()


def serve_app(name: str, log_dir: Path):
    """`apps.<name>` (a WebApp or a host app) served by our htag (a context manager giving the server)."""
    return compare.serve(f"{APPS}:{name}", sys.executable, log_dir)


@asynccontextmanager
async def client_of(url: str) -> AsyncIterator[Any]:
    """A scripted tab of our client on the server at `url` (`compare.Client`), closed at the end."""
    client = compare.Client(url, ours=True)
    try:
        yield client
    finally:
        await client.close()


def reply_to_click(name: str, target: str, data: dict[str, Any], log_dir: Path) -> dict[str, Any]:
    """The reply frame to a click on the element `target` of a page of `apps.<name>` just loaded."""

    async def click(url: str) -> dict[str, Any]:
        async with client_of(url) as client:
            await client.load("/")
            return await client.event(target, "click", data)

    with serve_app(name, log_dir) as server:
        return asyncio.run(click(server.url))
