"""`Router`: a hash router, so one App can hold several pages with working links,
bookmarks and back/forward buttons.

The URL fragment is the route (`#/users/3`) because it never reaches the server and
changing it does not reload the page: the session, and its App, stay alive. Two ways
lead to a page:

- from the browser: a link `<a href="#/users/3">`, back/forward, or an edited URL fire
  `hashchange`; the client sends it to the App's `onhashchange` handler (`e.newURL`),
  which the Router takes over while it is mounted (chaining any handler already there);
  once mounted, the Router also asks the client for its current fragment, so a
  bookmarked URL (or a reload) shows the right page;
- from Python: `router.navigate("/users/3")` switches the page at once, and sets
  `location.hash` in the client so the history and the address bar follow.

Routes are matched segment by segment, without regular expressions: a route string
can hold no pattern syntax, and every segment is compared literally unless it is a
`:param`. Paths in the fragment are percent-decoded before matching, and percent-
encoded (then JSON-escaped) before they go back into JavaScript.
"""

from __future__ import annotations

import functools
import inspect
import logging
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from . import _core
from .core import GTag, Tag
from .core.state import State
from .core.tag import js_string

logger = logging.getLogger("htag")

Page = Callable[..., GTag]

# Kept as is when a path segment goes into the fragment: RFC 3986 `pchar` minus the
# unreserved characters (always kept by `quote`). Everything else (quotes, `<`, `>`,
# spaces, `%`, `#`, `?`, non-ASCII) is percent-encoded, so the browser hands the
# fragment back unchanged in `newURL` and a path survives the round trip exactly.
_SAFE = ":@!$&'()*+,;="

# navigate() calls whose `hashchange` echo has not come back yet (bounded: a fragment
# set to its current value fires no event, so an entry may never be consumed)
_MAX_EXPECTED = 32


def _segments_of_path(path: str) -> tuple[str, ...]:
    """The segments of a decoded path as given by Python code (`"/users/3"`)."""
    return tuple(s for s in path.lstrip("#").split("/") if s)


def _segments_of_fragment(fragment: str) -> tuple[str, ...]:
    """The segments of a URL fragment as sent by the browser (percent-encoded)."""
    return tuple(unquote(s) for s in fragment.lstrip("#").split("/") if s)


def _fragment_of(segments: tuple[str, ...]) -> str:
    return "#/" + "/".join(quote(s, safe=_SAFE) for s in segments)


def _path_of(segments: tuple[str, ...]) -> str:
    return "/" + "/".join(segments)


@dataclass(frozen=True)
class _Route:
    """A compiled route: each part is `(is_param, param name or literal segment)`."""

    pattern: str
    parts: tuple[tuple[bool, str], ...]
    page: Page

    @classmethod
    def compile(cls, pattern: str, page: Page) -> _Route:
        parts: list[tuple[bool, str]] = []
        names: set[str] = set()
        for segment in _segments_of_path(pattern):
            if segment.startswith(":"):
                name = segment[1:]
                # params become keyword arguments of the page's init()
                if not name.isidentifier():
                    raise ValueError(f"route {pattern!r}: parameter {segment!r} is not a valid Python name")
                if name in names:
                    raise ValueError(f"route {pattern!r}: parameter {segment!r} appears twice")
                names.add(name)
                parts.append((True, name))
            else:
                parts.append((False, segment))
        return cls(pattern, tuple(parts), page)

    def match(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        if len(segments) != len(self.parts):
            return None
        params: dict[str, str] = {}
        for (is_param, text), segment in zip(self.parts, segments, strict=True):
            if is_param:
                params[text] = segment
            elif text != segment:
                return None
        return params


class NotFound(Tag.div):
    """The default page for a path no route matches."""

    def init(self, path: str = "") -> None:
        self["class"] = "htag-not-found"
        self.add(f"404 — Page not found: {path}")  # a plain string: HTML-escaped


def _accepts(factory: Callable[..., Any], name: str) -> bool:
    """Whether `factory` (a Tag class: its `init`) takes a keyword argument `name`."""
    target = factory.init if isinstance(factory, type) and issubclass(factory, GTag) else factory
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _chain(first: Callable[[Any], None], then: Any) -> Callable[..., Any]:
    """An `onhashchange` handler calling `first(e)`, then the handler `then` that was
    there before (if it is a Python callable), returning its result. It keeps the kind
    of `then` (a coroutine function stays one, so the dispatcher awaits it) and its
    `@prevent`/`@stop` flags (copied by `functools.wraps`)."""
    if not callable(then) or isinstance(then, str):

        def handler(event: Any) -> None:
            first(event)

        return handler
    if inspect.iscoroutinefunction(inspect.unwrap(then)):

        @functools.wraps(then)
        async def async_handler(event: Any) -> Any:
            first(event)
            return await then(event)

        return async_handler

    # generators and async generators: the dispatcher runs whatever this returns
    @functools.wraps(then)
    def sync_handler(event: Any) -> Any:
        first(event)
        return then(event)

    return sync_handler


class Router(Tag.div):
    """A hash router: shows the page of the route matching the URL fragment.

    ```python
    router = Router()
    router.add_route("/", Home)
    router.add_route("/users/:id", UserPage)  # UserPage.init(self, id) gets a str
    ```

    - `router.path` is a `State` holding the current path (`""` until the client told
      its fragment), so `Tag.a(..., _class=lambda: "on" if router.path == "/" else "")`
      follows navigation.
    - `router.navigate("/users/3")` switches the page now and updates the address bar.
    - the first route added that matches wins; a path no route matches shows the 404
      page (`Router(not_found=MyPage)` or `set_not_found(MyPage)`; it gets `path=` when
      its init accepts it).
    - the page shown is the only child of the router: switching removes the previous
      page (`on_unmount`) and adds the new one (`on_mount`).
    - while mounted, the Router owns the App's `onhashchange`; a handler set there
      before the Router was mounted is still called after the Router's (a JavaScript
      string handler cannot be chained and is restored when the Router goes away).
    """

    def init(self, not_found: Page | None = None, **kwargs: Any) -> None:
        self._routes: list[_Route] = []
        self._not_found = not_found
        self._segments: tuple[str, ...] | None = None  # None: no page shown yet
        self._page: GTag | None = None
        self._params: dict[str, str] = {}
        self._expected: deque[tuple[str, ...]] = deque(maxlen=_MAX_EXPECTED)
        self._hook: Callable[..., Any] | None = None
        self._hooked_root: weakref.ref[GTag] | None = None
        self.path = State("")
        # the client reports its fragment here once the Router is mounted
        self["onroute"] = self._on_client_route

    # -- configuration ----------------------------------------------------------

    def add_route(self, path: str, component: Page) -> None:
        """Maps `path` (`"/users/:id"`) to `component`, a Tag class (or any callable
        returning a tag) called with the `:params` as string keyword arguments.
        (`component` is htag 2's name of the argument.)"""
        if not isinstance(path, str):
            raise TypeError(f"a route path must be a str, not {type(path).__name__}")
        if not callable(component):
            raise TypeError(f"the page of route {path!r} must be a Tag class or a callable")
        self._routes.append(_Route.compile(path, component))
        logger.debug("route %r -> %s", path, getattr(component, "__name__", component))

    def set_not_found(self, component: Page | None) -> None:
        """The page for unknown paths (None: the default `NotFound`)."""
        self._not_found = component

    @property
    def page(self) -> GTag | None:
        """The page shown now."""
        return self._page

    @property
    def params(self) -> dict[str, str]:
        """The `:params` of the current route."""
        return dict(self._params)

    # -- navigation ---------------------------------------------------------------

    def navigate(self, path: str) -> None:
        """Shows the page of `path` now, and sets the client's `location.hash` so the
        address bar and the history follow (back returns to the previous page)."""
        if not isinstance(path, str):
            raise TypeError(f"navigate() needs a str path, not {type(path).__name__}")
        segments = _segments_of_path(path)
        self._show(segments)  # first: if the page fails to build, the URL stays as it was
        # the browser answers with a hashchange for this fragment: see _arrived()
        self._expected.append(segments)
        self.call_js(f"location.hash={js_string(_fragment_of(segments))}")

    def _show(self, segments: tuple[str, ...]) -> None:
        if segments == self._segments:
            return
        path = _path_of(segments)
        page: Page | None = None
        params: dict[str, str] = {}
        for route in self._routes:
            found = route.match(segments)
            if found is not None:
                page, params = route.page, found
                break
        previous = self._segments, self.path.value
        # set before the page is built, so its init() already sees the new path
        self._segments = segments
        self.path.value = path
        _core.stack_push(None)  # the page joins the router below, not an enclosing `with`/init
        try:
            if page is not None:
                logger.debug("route %r -> %s", path, getattr(page, "__name__", page))
                view = page(**params)
            else:
                logger.debug("no route for %r: not found page", path)
                view = self._not_found_page(path)
        except BaseException:
            self._segments = previous[0]
            self.path.value = previous[1]
            raise
        finally:
            _core.stack_pop()
        self._page, self._params = view, params
        self.clear(view)

    def _not_found_page(self, path: str) -> GTag:
        factory = self._not_found
        if factory is None:
            return NotFound(path=path)
        return factory(path=path) if _accepts(factory, "path") else factory()

    # -- the client's side ----------------------------------------------------------

    def _arrived(self, segments: tuple[str, ...], echo_only: bool = False) -> None:
        """The client is at `segments`. A `hashchange` may be the echo of a navigate()
        already shown: if a later navigate() is still on its way to the client, this
        one is stale and must not bring the previous page back."""
        expected = self._expected
        if segments in expected:
            if echo_only:  # the initial report: the echoes still follow it
                self._show(segments)
                return
            while expected.popleft() != segments:
                pass
            if expected:
                return
        else:
            expected.clear()
        self._show(segments)

    def _on_hash_change(self, event: Any) -> None:
        if self._hook is None:  # an unmounted router left in another router's chain
            return
        url = getattr(event, "newURL", None)
        if not isinstance(url, str):
            logger.warning("hashchange without a newURL string refused")
            return
        self._arrived(_segments_of_fragment(url.split("#", 1)[1] if "#" in url else ""))

    def _on_client_route(self, event: Any) -> None:
        fragment = getattr(event, "hash", None)
        if not isinstance(fragment, str):
            logger.warning("route report without a hash string refused")
            return
        self._arrived(_segments_of_fragment(fragment), echo_only=True)

    # -- lifecycle ------------------------------------------------------------------

    def on_mount(self) -> None:
        """Takes over the App's `onhashchange` and asks the client for its fragment."""
        root = self.root
        if root is not None:
            self._hook_into(root)
        self.call_js(f"htag_event({js_string(self._hid)},'route',{{hash:location.hash}})")

    def on_unmount(self) -> None:
        """Gives the App's `onhashchange` back (also before a page reload, re-taken after)."""
        hook, self._hook = self._hook, None
        root = self._hooked_root() if self._hooked_root is not None else None
        self._hooked_root = None
        if hook is None or root is None or root.get("onhashchange") is not hook:
            return  # replaced since: leave the new handler alone
        previous = getattr(hook, "_htag_previous", None)
        if previous is None:
            del root["onhashchange"]
        else:
            root["onhashchange"] = previous

    def _hook_into(self, root: GTag) -> None:
        previous = root.get("onhashchange")
        while getattr(previous, "_htag_router", None) is self:  # our own, from before a reload
            previous = previous._htag_previous
        if isinstance(previous, str):
            logger.warning("the App's JavaScript onhashchange is replaced while a Router is mounted")
        hook = _chain(self._on_hash_change, previous)
        hook._htag_router = self  # type: ignore[attr-defined]
        hook._htag_previous = previous  # type: ignore[attr-defined]
        root["onhashchange"] = hook
        self._hook = hook
        self._hooked_root = weakref.ref(root)


__all__ = ["NotFound", "Router"]
