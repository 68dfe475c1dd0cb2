"""Testing htag apps: `Client` opens a real session of an App, in-process (through its
ASGI application: no server, no browser, milliseconds) or against a running server, and
drives it as a user would, seeing what the browser client would show.

    from htag.testing import Client

    def test_counter():
        with Client(Counter) as page:
            page.click("+")
            assert page.text("#count") == "1"

Targets are CSS selectors or visible texts (`htag.testing.select`); frames are applied
by the browser client's rules (`htag.testing.dom`). The pytest plugin
(`htag.testing.pytest_plugin`, loaded by pytest when htag is installed) gives the
`htag_client` and `htag_async_client` fixtures. See docs/testing.md.
"""

from .client import Client
from .element import ElementSnapshot
from .page import AsyncPage, Downloaded, ServerError
from .select import SelectorError
from .sync import Page

__all__ = ["AsyncPage", "Client", "Downloaded", "ElementSnapshot", "Page", "SelectorError", "ServerError"]
