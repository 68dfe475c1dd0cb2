"""htag mounted under a sub-path of a host Starlette app, on a real Granian."""

import asyncio
import re

import httpx
import orjson
import websockets


def test_mounted_under_a_sub_path(serve, browser):
    s = serve(server="mounted")
    assert httpx.get(s.url + "/health").text == "host app"
    b = browser(s.url)
    page = b.load("/ui/")
    assert 'data-htag-base="/ui/"' in page
    script = re.search(r'<script src="(/ui/_htag/htag\.[0-9a-f]+\.js)"', page).group(1)
    assert httpx.get(s.url + script).status_code == 200

    async def scenario():
        host = s.url.split("//")[1]
        ws = await websockets.connect(
            f"ws://{host}/ui/ws?token={b.token}", additional_headers={"Cookie": b.cookie, "Origin": s.url}
        )
        first = orjson.loads(await ws.recv())
        assert 'id="count"' in next(iter(first["updates"].values()))
        await ws.send(orjson.dumps({"id": "inc", "event": "click", "data": {"callback_id": "m"}}).decode())
        reply = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert reply["callback_id"] == "m" and reply["result"] == 1
        await ws.close()

    asyncio.run(scenario())


def test_app_class_exposes_its_asgi_app():
    from apps import Counter
    from starlette.applications import Starlette

    assert isinstance(Counter.app, Starlette)
    assert Counter.app is Counter.app  # one WebApp per class
