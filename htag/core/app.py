"""The App: the root tag of a session (`<body>`), and the owner of its update engine.

An App builds its tree in `init`, mounts it in one walk at the end, and hands the
server frames (`render_page`, `full_frame`, `next_frame`); what changed and how it
becomes a frame is the engine's job (`engine.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._core import F_HOOKS
from .engine import Notifier, UpdateEngine
from .frames import UpdateFrame
from .shadowing import register_api
from .tag import GTag

# Builds the ASGI application of an App class or instance. The server layer is above
# this one, so it is wired in by the `htag` package (see htag/__init__.py).
asgi_factory: Callable[[Any], Any] | None = None


class _ASGI:
    """`App.app` / `app.app`: the ASGI application serving this App (cached)."""

    def __get__(self, obj: App | None, cls: type[App]) -> Any:
        owner = obj if obj is not None else cls
        asgi = owner.__dict__.get("_htag_asgi")
        if asgi is None:
            if asgi_factory is None:
                raise RuntimeError("no web layer: import htag (or htag.server) to serve an App")
            asgi = asgi_factory(owner)
            (type.__setattr__ if obj is None else object.__setattr__)(owner, "_htag_asgi", asgi)
        return asgi


class App(GTag):
    """Base class of an htag application (also `Tag.App`, htag 2's `AppRunner`).

    Subclass it and build the page in `init(self)`; it renders as `<body>`, and its
    `statics` (a `Tag.title(...)`, styles, scripts) go in the page's `<head>`.

        class Main(Tag.App):
            statics = [Tag.title("My app")]

            def init(self):
                Tag.h1("Hello")

    Running: `WebApp(Main).run()` serves it (see `help(htag.WebApp)` and
    `htag.server.serve.run` for the options), `ChromeApp(Main).run()` opens it in an
    app window, `Main.app` is the ASGI application for any ASGI server. Each browser
    session gets its own `Main()`; `WebApp(Main())` shares one instance between all.
    `?n` in the URL discards the session and starts a new one.

    Lifecycle: `init()` once per session; `on_mount()` when the page is shown (again
    after a reload, F5), `on_unmount()` before a reload; `on_destroy()` once when the
    session is discarded (it expired, or `?n`). Hooks may be generators, async
    generators or coroutines: each `yield` sends an intermediate state.

    `self.request` is the Starlette Request (or WebSocket) being served;
    `find_tag(id)` / `find_tag(root, id)` look tags up by id. Changes made from an
    asyncio task or another thread reach the browser by themselves.
    """

    _htag_tag = "body"
    app = _ASGI()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        engine = UpdateEngine(self)
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_lock", engine.lock)  # taken by every mutation of the tree
        object.__setattr__(self, "_current_request", None)
        self._is_app = True
        # while the App builds itself, tags join the tree without being mounted one
        # by one; the whole tree is mounted in one walk at the end, and its on_mount
        # hooks run when the App is first served (`UpdateEngine.start`)
        self._building = True
        try:
            super().__init__(*args, **kwargs)
        finally:
            self._building = False
        self._compact()
        with engine.lock:
            engine.starting = engine.mount([self])
        engine.index[self._hid] = self

    def on_destroy(self) -> Any:
        """Called once when the session is discarded (never on a page reload); may be
        `async` (awaited on the server's loop)."""

    def find_tag(self, root_or_id: GTag | str, tag_id: str | None = None) -> GTag | None:
        """A tag by internal id or by its HTML `id`: `find_tag(id)` searches the App
        (recently replaced tags too), htag 2's `find_tag(root, id)` searches `root`
        and its descendants."""
        if tag_id is None:
            if not isinstance(root_or_id, str):
                raise TypeError("find_tag(id) or find_tag(root, id): the id must be a str")
            return self._engine.find(root_or_id)
        root = root_or_id
        if root is self:
            return self._engine.find(tag_id)
        found = self._engine.find(tag_id)
        if found is not None and (found is root or any(a is root for a in found._ancestors())):
            return found
        with self._lock:
            return root._find(tag_id)

    # -- what the server asks of a session's App --------------------------------

    def render_page(self) -> tuple[list[str], str]:
        """(every static, body HTML) for a fresh page; starts change tracking."""
        return self._engine.render_page()

    def full_frame(self) -> UpdateFrame:
        """The whole body, for a new connection (statics the page lacks included)."""
        return self._engine.full_frame()

    def next_frame(self) -> UpdateFrame | None:
        """The update frame for everything changed since the last one, or None."""
        return self._engine.next_frame()

    def _set_notifier(self, notifier: Notifier | None) -> None:
        """The server's callback, called from any thread when something changed."""
        self._engine.notifier = notifier

    def _set_hook_runner(self, runner: Callable[[Any], None] | None) -> None:
        """The server's runner of the generators/coroutines that hooks return (any thread)."""
        self._engine.hook_runner = runner

    def _remount(self) -> None:
        """A page reload: every tag gets on_unmount, then on_mount."""
        engine = self._engine
        if engine.starting:  # never served yet: nothing was mounted
            engine.start()
            return
        with engine.lock:
            tags = [t for t in self._mount_walk() if t._flags & F_HOOKS]
        engine.run_hooks(tags, "on_unmount")
        engine.run_hooks(tags, "on_mount")


register_api(App)
