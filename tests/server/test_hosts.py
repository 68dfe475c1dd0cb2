"""Which Host names and Origins the server answers: DNS rebinding, the Origin's scheme,
proxies, and `?n` (a new session) asked by another site."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets

from htag.server.security import from_own_site, host_allowed, host_name, is_loopback


def run(coro):
    return asyncio.run(coro)


def test_host_names_and_patterns():
    assert host_name("LocalHost:8000") == "localhost" and host_name("[::1]:80") == "::1"
    assert host_name("::1") == "::1" and host_name(None) == ""
    assert host_allowed("app.example.com:443", ["app.example.com"])
    assert host_allowed("eu.app.example.com", ["*.example.com"]) and not host_allowed(
        "example.com", ["*.example.com"]
    )
    assert not host_allowed("evil.example", ["app.example.com"]) and not host_allowed("", ["*"])
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_a_navigation_from_another_site_is_told_apart():
    own = "http://127.0.0.1:8000"
    assert from_own_site({"host": "127.0.0.1:8000"}, "http")  # typed, or an old browser
    assert from_own_site({"host": "127.0.0.1:8000", "referer": own + "/page"}, "http")
    assert not from_own_site({"host": "127.0.0.1:8000", "referer": "http://evil.example/"}, "http")
    assert not from_own_site({"host": "127.0.0.1:8000", "origin": "http://evil.example"}, "http")
    assert not from_own_site({"host": "127.0.0.1:8000", "origin": "null"}, "http")
    assert not from_own_site({"host": "127.0.0.1:8000", "referer": own + "/"}, "https")  # another scheme
    assert not from_own_site(
        {"host": "127.0.0.1:8000", "sec-fetch-site": "cross-site", "referer": own}, "http"
    )


async def websocket(server, client, host: str | None = None, origin: str | None = None, headers=None):
    """Opens the page's WebSocket as a browser on `origin` would, naming `host`."""
    host = host or f"127.0.0.1:{server.port}"
    return await websockets.connect(
        f"ws://{host}/ws?token={client.token}",
        host="127.0.0.1",
        port=server.port,
        additional_headers={"Cookie": client.cookie, "Origin": origin or f"http://{host}", **(headers or {})},
    )


def test_dns_rebinding_is_refused_on_loopback(opened):
    s, b = opened()  # run() on 127.0.0.1: loopback names only
    evil = f"evil.example:{s.port}"
    assert httpx.get(s.url + "/", headers={"Host": evil}).status_code == 400
    for name in ("localhost", "127.0.0.1", "[::1]"):
        assert httpx.get(s.url + "/", headers={"Host": f"{name}:{s.port}"}).status_code == 200

    async def scenario():
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websocket(s, b, host=evil, origin=f"http://{evil}")
        assert refused.value.response.status_code == 403
        ws = await websocket(s, b, host=f"localhost:{s.port}")
        assert "updates" in (await ws.recv())
        await ws.close()

    run(scenario())


def test_trusted_hosts_set_by_the_operator(serve):
    s = serve(hosts=["app.example", "*.app.example"])
    assert httpx.get(s.url + "/", headers={"Host": f"app.example:{s.port}"}).status_code == 200
    assert httpx.get(s.url + "/", headers={"Host": f"eu.app.example:{s.port}"}).status_code == 200
    assert httpx.get(s.url + "/").status_code == 400  # 127.0.0.1 is not in the list


def test_an_origin_with_another_scheme_is_refused(opened):
    s, b = opened()

    async def scenario():
        with pytest.raises(websockets.InvalidStatus):
            await websocket(s, b, origin=f"https://127.0.0.1:{s.port}")
        # an untrusted client cannot claim a proxy's TLS
        with pytest.raises(websockets.InvalidStatus):
            await websocket(
                s,
                b,
                origin=f"https://127.0.0.1:{s.port}",
                headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1"},
            )

    run(scenario())


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_trusted_proxy_tells_the_scheme(opened, server):
    s, b = opened(server=server, run_options={"forwarded_allow_ips": "127.0.0.1"})
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1"}

    async def scenario():
        # behind a TLS proxy the browser's page is https: its Origin says so
        ws = await websocket(s, b, origin=f"https://127.0.0.1:{s.port}", headers=proxied)
        assert "updates" in (await ws.recv())
        await ws.close()
        with pytest.raises(websockets.InvalidStatus):
            await websocket(s, b, origin=f"http://127.0.0.1:{s.port}", headers=proxied)

    run(scenario())


def test_a_new_session_is_refused_to_another_site(opened):
    s, b = opened()

    async def scenario():
        await b.connect()
        _, reply = await b.event("inc")
        assert reply["result"] == 1

    run(scenario())
    for foreign in ({"Referer": "http://evil.example/"}, {"Origin": "http://evil.example"}):
        page = b.http.get("/?n", headers=foreign).text
        assert '<span id="count">1</span>' in page  # the same session: nothing was reset
    page = b.http.get("/?n", headers={"Referer": s.url + "/"}).text
    assert '<span id="count">0</span>' in page  # the site itself may
