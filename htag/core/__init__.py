"""htag's core layer: tags, State, statics, scoped CSS, events, and the App with its
update engine. Pure Python over the Rust `_core`; it knows nothing of the web layer
(`htag.server`), which sits on top of it.

This is also htag 2's `htag.core`: `GTag`, `App` (`AppRunner` is the same class),
`State`, `States`, `HTML`, `prevent`, `stop`, `current_request`, `VOID_ELEMENTS`
import from here.

Modules, bottom to top: `html`, `errors`, `context`, `state`, `css`, `events`,
`frames`, `statics`, `shadowing` (names that would hide the Tag API), `tag` (GTag), `classlist`, `render_hooks` (what Rust calls while
rendering), `engine` (dirty sets -> frames), `app`, `factory` (`Tag`).
"""

from __future__ import annotations

from .._core import VOID_ELEMENTS
from . import render_hooks as _render_hooks  # noqa: F401 - registers the render hooks with Rust
from .app import App
from .context import current_request
from .errors import HtagError, HtagEventError, HtagRenderError
from .events import Event, prevent, stop
from .factory import Fragment, Tag, TagCreator
from .html import HTML
from .state import State, States
from .tag import GTag

AppRunner = App  # htag 2's name of the App class that runs in a server

__all__ = [
    "HTML",
    "VOID_ELEMENTS",
    "App",
    "AppRunner",
    "Event",
    "Fragment",
    "GTag",
    "HtagError",
    "HtagEventError",
    "HtagRenderError",
    "State",
    "States",
    "Tag",
    "TagCreator",
    "current_request",
    "prevent",
    "stop",
]
