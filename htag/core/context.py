"""`current_request`: the Starlette Request or WebSocket being served, as htag 2's
`htag.context.current_request` (a `ContextVar`).

The web layer sets it when it starts serving a request (the page, a WebSocket, an
SSE stream, a POSTed event), so `self.request` works in an App's `init` and
`on_mount` as in htag 2; each request runs in its own context, so it never leaks to
another. Later, `self.request` reads the request the App was last given
(`App._current_request`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

# a Starlette Request or WebSocket (the core layer does not import Starlette)
current_request: ContextVar[Any] = ContextVar("current_request", default=None)

__all__ = ["current_request"]
