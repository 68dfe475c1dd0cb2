"""pytest fixtures for testing htag apps, registered by htag's `pytest11` entry point
(pytest loads it wherever htag is installed; it imports nothing of htag.testing until
a fixture is used).

    def test_counter(htag_client):
        page = htag_client(Counter)          # closed at the test's end
        page.click("+")

    @pytest.mark.anyio
    async def test_counter_async(htag_async_client):
        page = await htag_async_client(Counter)
        await page.click("+")

`htag_async_client` runs under anyio's pytest plugin (anyio comes with Starlette),
on its asyncio backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def htag_client() -> Iterator[Callable[..., Any]]:
    """A factory of sync pages: `htag_client(MyApp, **options)` or `htag_client(url=...)`
    (the arguments of `htag.testing.Client`); every page is closed at teardown."""
    from htag.testing import Client

    clients: list[Client] = []

    def open_page(*args: Any, **options: Any) -> Any:
        client = Client(*args, **options)
        page = client.__enter__()
        clients.append(client)
        return page

    yield open_page
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
async def htag_async_client(anyio_backend: Any) -> AsyncIterator[Callable[..., Any]]:
    """A factory of async pages: `await htag_async_client(MyApp, **options)`; every page
    is closed at teardown. For `async def` tests run by anyio (`@pytest.mark.anyio`)."""
    backend = anyio_backend if isinstance(anyio_backend, str) else anyio_backend[0]
    if backend != "asyncio":
        pytest.skip("htag.testing runs on asyncio")
    from htag.testing import Client

    clients: list[Client] = []

    async def open_page(*args: Any, **options: Any) -> Any:
        client = Client(*args, **options)
        page = await client.__aenter__()
        clients.append(client)
        return page

    yield open_page
    for client in reversed(clients):
        await client.__aexit__(None, None, None)
