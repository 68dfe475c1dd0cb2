"""`WebApp`'s htag 2 attributes: `instances`, `tag_entity`, `on_instance`."""

from __future__ import annotations

import asyncio

import httpx
from harness import interrupt, wait_until_served

from htag import App, Tag, WebApp


class Hello(App):
    def init(self):
        self.add(Tag.p("hello"))


def test_instances_maps_each_session_to_its_app():
    webapp = WebApp(Hello, secret_key="compat-test")
    assert webapp.instances == {}

    async def visit():
        def client():
            return httpx.AsyncClient(transport=httpx.ASGITransport(webapp.app), base_url="http://127.0.0.1")

        async with client() as first, client() as second:
            for c in (first, second, first):  # the first browser comes back: the same session
                (await c.get("/")).raise_for_status()

    asyncio.run(visit())
    apps = list(webapp.instances.values())
    assert len(apps) == 2 and all(isinstance(a, Hello) for a in apps)
    assert apps[0] is not apps[1]


def test_tag_entity_and_on_instance():
    def hook(app):
        pass

    assert WebApp(Hello, on_instance=hook, secret_key="k").tag_entity is Hello
    assert WebApp(Hello, on_instance=hook, secret_key="k").on_instance is hook
    shared = Hello()
    assert WebApp(shared, secret_key="k").tag_entity is shared


def test_uvicorn_only_options_choose_uvicorn():
    from htag.server.serve import server_for

    assert server_for(None, {}) == "granian"
    assert server_for(None, {"log_level": "warning"}) == "granian"  # both know it
    assert server_for(None, {"proxy_headers": True, "ssl_certfile": None}) == "uvicorn"
    assert server_for("granian", {"proxy_headers": True}) == "granian"  # asked for


def test_run_with_htag2_uvicorn_options_serves(tmp_path):
    # htag 2's WebApp.run(**kwargs) handed kwargs to uvicorn.run
    import subprocess
    import sys

    from ._support import APPS, compare

    port = compare.free_port()
    code = (
        f"import sys; sys.path.insert(0, {str(APPS.parent)!r}); import apps; from htag import WebApp; "
        f"WebApp(apps.EventProbe, secret_key='k').run(port={port}, open_browser=False, "
        "proxy_headers=True, timeout_keep_alive=3)"
    )
    log = tmp_path / "out.txt"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until_served(f"http://127.0.0.1:{port}", proc, log)
            assert "with uvicorn" in log.read_text()
        finally:
            interrupt(proc, 10)
