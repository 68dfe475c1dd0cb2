"""Every example starts the way its docstring says (`htag run examples/X.py:App`, or its own
`python examples/X.py`) on a real Granian/uvicorn, serves its page, and takes a WebSocket."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from harness import interrupt, start_htag_run, start_script, wait_until_served
from server.conftest import Browser

from htag.server.serve import free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = {"HTAG_SECRET_KEY": "s" * 32}

# example -> a text its first page shows
APPS = {
    "counter.py:Counter": "Counter",
    "todo.py:Todo": "0 left",
    "pages.py:Site": "open Neuromancer",  # the page itself comes once the client tells its #fragment
    "stream.py:Stream": "find primes",
    "clock.py:Clock": "ticks",
    "bigtable.py:BigTable": "1000 rows",
    "chat.py:Chat": "htag chat",
    "demo.py:Demo": "htag demo",
}


@pytest.mark.parametrize("target", APPS)
def test_the_example_starts_with_htag_run_and_serves_its_page(target, tmp_path):
    port, log = free_port("127.0.0.1"), tmp_path / "run.log"
    url = f"http://127.0.0.1:{port}"
    proc = start_htag_run(str(EXAMPLES / target), port=port, log=log, env=SECRET)
    try:
        wait_until_served(url, proc, log)
        browser = Browser(url)
        assert APPS[target] in browser.load()

        async def first_frame():
            frame = await browser.connect()
            await browser.ws.close()
            return frame

        assert asyncio.run(first_frame()).get("action") != "error"
    finally:
        interrupt(proc)


def test_the_login_example_logs_in_and_out_through_its_host_session(tmp_path):
    port, log = free_port("127.0.0.1"), tmp_path / "login.log"
    url = f"http://127.0.0.1:{port}"
    proc = start_script(EXAMPLES / "login.py", port, log, SECRET)
    try:
        wait_until_served(url, proc, log)
        with httpx.Client(base_url=url, timeout=10, follow_redirects=True) as http:
            page = http.get("/").text
            assert "Log in" in page
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            assert (
                "wrong name or password"
                in http.post("/login", data={"csrf": csrf, "user": "ada", "password": "x"}).text
            )
            assert (
                "Welcome ada"
                not in http.post(
                    "/login", data={"csrf": "forged", "user": "ada", "password": "lovelace"}
                ).text
            )
            welcome = http.post("/login", data={"csrf": csrf, "user": "ada", "password": "lovelace"}).text
            assert "Welcome ada" in welcome
            assert "Welcome ada" in http.get("/").text  # a reload keeps the login
            assert "Log in" in http.post("/logout", data={"csrf": csrf}).text
    finally:
        interrupt(proc)
