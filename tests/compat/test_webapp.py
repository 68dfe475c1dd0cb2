"""`WebApp`'s htag 2 attributes: `instances`, `tag_entity`, `on_instance`."""

from __future__ import annotations

import asyncio

import httpx

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
