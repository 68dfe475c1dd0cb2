"""The request a server is answering, for code that runs before a tag has an App.

A server sets `current_request` while it builds a session's App (its `init`) and
while it renders a page (the App's `on_mount`), so `self.request` works there as in
htag 2. Later, `self.request` reads the request the App was last given
(`App._current_request`). A `ContextVar`: concurrent requests never see each other's.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

# a Starlette Request or WebSocket (the core layer does not import Starlette)
current_request: ContextVar[Any] = ContextVar("current_request", default=None)

__all__ = ["current_request"]
