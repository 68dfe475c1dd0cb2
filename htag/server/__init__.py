"""htag's web layer: serves Apps over HTTP, WebSocket and SSE on Starlette.

This is also htag 2's `htag.server`: `WebApp`, `Event` and `AppRunner` (the App
class) import from here.

Modules, bottom to top: `codec` (frames <-> text), `security` (Origin, tokens,
rate), `page` (the document, the client script), `connections` (one outbox per
client), `updates` (an App's thread-safe update queue), `sessions` (which App serves
which browser), `dispatch` (a message -> a callback -> frames), `protocol` (the
engine tying them together, transport-agnostic), `webapp` (the Starlette routes),
`serve` (Granian / uvicorn). Nothing here is imported by `htag.core`.
"""

from __future__ import annotations

from ..core.app import App as AppRunner
from ..core.events import Event
from .webapp import WebApp

__all__ = ["AppRunner", "Event", "WebApp"]
