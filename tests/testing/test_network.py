"""htag.testing.Client(url=...) against a running Granian server: the same behaviour
over real sockets."""

from __future__ import annotations

import pytest

from htag.testing import Client, ServerError


def test_counter_over_the_network(served):
    server = served("Counter")
    with Client(url=server.url + "/") as page:
        assert page.title == "Counter"
        page.click("+")
        page.click("+")
        assert page.text("#count") == "2"
        with pytest.raises(AttributeError, match="in-process only"):
            _ = page.app
        page.reload()  # F5: the same session
        assert page.text("#count") == "2"
    with Client(url=server.url) as other:  # another browser: another session
        assert other.text("#count") == "0"


def test_forms_threads_and_failures_over_the_network(served):
    server = served("Form")
    with Client(url=server.url) as page:
        page.type("#who", "Ada")
        page.check("#news")
        page.select("#color", "g")
        page.submit("#f")
        assert "('who', 'Ada')" in page.text("#result")
        assert "('color', 'g')" in page.text("#result")
    pushes = served("Pushes")
    with Client(url=pushes.url) as page:
        page.click("thread")
        page.wait_for("text=thread done")
        assert page.text("#ticks") == "5"
    failing = served("Failing", debug=True)
    with Client(url=failing.url) as page:
        with pytest.raises(ServerError, match="boom from a callback"):
            page.click("boom")
        page.click("ok")
        assert page.text("#n") == "1"


@pytest.mark.anyio
async def test_async_client_over_the_network(served):
    server = served("Greeter")
    async with Client(url=server.url) as page:
        await page.type("#live", "net")
        assert page.text("#echo") == "NET"


@pytest.fixture
def anyio_backend():
    return "asyncio"
