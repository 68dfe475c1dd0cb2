"""`Client`: opens a real session of an htag App for a test, in-process or over the
network, as a sync (`with`) or async (`async with`) context manager."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from . import loop
from .page import DEFAULT_TIMEOUT, AsyncPage
from .sync import Page
from .transport import AsgiTransport, NetworkTransport, Transport

TEST_SECRET = "htag-testing-secret"  # in-process sessions need no secret of their own


class Client:
    """A browser tab on an htag App, for tests.

    `Client(MyApp)` (an App class or instance, served by a new `WebApp(MyApp,
    debug=True, **options)`), `Client(webapp)` (a `WebApp`, or any ASGI application
    serving htag at `path`, e.g. a Starlette app that mounts it: sessions may then be
    shared between clients, e.g. to test a chat) are driven in-process, by calling the
    ASGI application: no socket, no server, milliseconds per test.
    `Client(url="http://127.0.0.1:8000/")` drives a running server over the network.

        with Client(MyApp) as page:           # a sync test
            page.click("#inc")
            assert page.text("#count") == "1"

        async with Client(MyApp) as page:     # an async test
            await page.click("#inc")

    `lifespan`: whether the client runs the ASGI lifespan (startup when opened,
    shutdown when closed: the App's `on_destroy` then runs); by default, only for the
    WebApp it made itself. `timeout`: seconds the server has to answer an action.
    `base_url`: in-process, the scheme and host the requests say (for `hosts=[...]`).
    """

    def __init__(
        self,
        target: Any = None,
        *,
        url: str | None = None,
        path: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        lifespan: bool | None = None,
        base_url: str = "http://testserver",
        debug: bool = True,
        **options: Any,
    ) -> None:
        if (target is None) == (url is None):
            raise TypeError("Client(MyApp) or Client(url='http://...'): one of them")
        self.webapp: Any = None
        transport: Transport
        if url is not None:
            transport = NetworkTransport(url)
            path = path or transport.page_path
        else:
            made = _is_app(target)
            if made:
                from htag.server.webapp import WebApp

                options.setdefault("secret_key", TEST_SECRET)
                target = WebApp(target, debug=debug, **options)
            elif options:
                raise TypeError(f"options {sorted(options)} only apply to an App made into a WebApp here")
            self.webapp = target if hasattr(target, "sessions") else None
            transport = AsgiTransport(target, made if lifespan is None else lifespan, base_url)
        self.core = AsyncPage(transport, path or "/", timeout)
        self.core.webapp = self.webapp
        self._page: Page | None = None

    # sync face
    def __enter__(self) -> Page:
        loop.run(self.core.open())
        self._page = Page(self.core)
        return self._page

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            loop.run(self.core.close())
        except AssertionError:
            if kind is None:  # an error the test did not see yet; else the test's own failure wins
                raise

    # async face
    async def __aenter__(self) -> AsyncPage:
        return await self.core.open()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.core.close()
        except AssertionError:
            if kind is None:
                raise


def _is_app(target: Any) -> bool:
    from htag.core.app import App

    return isinstance(target, App) or (isinstance(target, type) and issubclass(target, App))
