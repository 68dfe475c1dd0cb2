"""htag's core layer: tags, State, statics, scoped CSS, events, and the App with its
update engine. Pure Python over the Rust `_core`; it knows nothing of the web layer
(`htag.server`), which sits on top of it.

Modules, bottom to top: `html`, `context` (the request being answered), `state`, `css`, `events`, `frames`, `statics`,
`tag` (GTag), `classlist`, `render_hooks` (what Rust calls while rendering),
`engine` (dirty sets -> frames), `app`, `factory` (`Tag`).
"""

from __future__ import annotations

from . import render_hooks as _render_hooks  # noqa: F401 - registers the render hooks with Rust
from .app import App
from .context import current_request
from .events import Event, HtagEventError, prevent, stop
from .factory import Fragment, Tag, TagCreator
from .html import HTML
from .state import State, States
from .tag import GTag

__all__ = [
    "HTML",
    "App",
    "Event",
    "Fragment",
    "GTag",
    "HtagEventError",
    "State",
    "States",
    "Tag",
    "TagCreator",
    "current_request",
    "prevent",
    "stop",
]
