"""`current_request`: the Starlette Request or WebSocket being served, as htag 2's
`htag.context.current_request` (a `ContextVar`).

The web layer sets it when it starts serving a request (the page, a WebSocket, an
SSE stream, a POSTed event); each request runs in its own context, so it never
leaks to another. `tag.request` is the usual way to read it."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

current_request: ContextVar[Any] = ContextVar("current_request", default=None)

__all__ = ["current_request"]
