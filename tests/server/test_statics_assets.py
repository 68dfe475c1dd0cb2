"""An App's inline style and script statics are served as content-addressed files:
`_htag/s/<first 16 hex digits of sha256>.css|.js`, once per distinct content, with
immutable caching headers, compressed as the client accepts; the page and the frames
carry `<link rel="stylesheet">` / `<script src>` references instead of the text."""

from __future__ import annotations

import asyncio
import gc
import gzip
import hashlib
import re

import apps
import httpx
import pytest

from htag import App, Tag
from htag.core.statics import STATICS


def digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def css_url(content: str) -> str:
    return f"_htag/s/{digest(content)}.css"


def js_url(content: str) -> str:
    return f"_htag/s/{digest(content)}.js"


def test_the_same_static_of_two_classes_is_served_once_under_one_url(opened):
    server, client = opened("StaticsApp")
    page = client.load()
    head = page.split("</head>")[0]
    shared = css_url(apps.SHARED_CSS)
    assert head.count(shared) == 1 and f'<link rel="stylesheet" href="{shared}">' in head
    assert apps.SHARED_CSS not in page and ".big1 " not in page  # the text is not inline
    response = httpx.get(f"{server.url}/{shared}")
    assert response.status_code == 200 and response.text == apps.SHARED_CSS
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    big = httpx.get(f"{server.url}/{css_url(apps.BIG_CSS)}")
    assert big.status_code == 200 and big.text == apps.BIG_CSS


def test_other_statics_stay_as_they_are(opened):
    _, client = opened("StaticsApp")
    head = client.load().split("</head>")[0]
    assert apps.CDN_SCRIPT in head  # a script from a CDN keeps its src
    assert '<script type="application/json">{"data": 1}</script>' in head  # a data block runs nothing
    assert "<title>Assets</title>" in head


def test_a_static_url_is_stable_across_restarts(serve, browser):
    urls = []
    for _ in range(2):
        server = serve("StaticsApp")
        page = browser(server.url).load()
        urls.append(re.findall(r'(?:href|src)="(_htag/s/[0-9a-f]{16}\.(?:css|js))"', page))
        server.stop()
    assert urls[0] == urls[1] and css_url(apps.SHARED_CSS) in urls[0]


def test_unknown_or_mistyped_digests_are_404(opened):
    server, client = opened("StaticsApp")
    client.load()
    known = digest(apps.SHARED_CSS)
    for path in (f"{'0' * 16}.css", f"{known}.js", f"{known}", "nothing", f"{known}.css.map"):
        response = httpx.get(f"{server.url}/_htag/s/{path}")
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_headers_compression_and_revalidation(opened):
    server, client = opened("StaticsApp")
    client.load()
    url = f"{server.url}/{css_url(apps.BIG_CSS)}"
    gzipped = httpx.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    plain = httpx.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert gzipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert gzipped.text == plain.text == apps.BIG_CSS
    assert int(gzipped.headers["content-length"]) < len(plain.content) / 5
    for r in (gzipped, plain):
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["vary"] == "Accept-Encoding"
        assert r.headers["etag"] == f'"{digest(apps.BIG_CSS)}"'
        assert r.headers["content-type"] == "text/css; charset=utf-8"
    # the raw bytes on the wire are gzip (httpx decoded them above)
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as raw:
        assert gzip.decompress(b"".join(raw.iter_raw())).decode() == apps.BIG_CSS
    again = httpx.get(url, headers={"If-None-Match": gzipped.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_brotli_when_accepted_and_installed(opened):
    brotli = pytest.importorskip("brotli")  # the optional extra htag[brotli]
    server, client = opened("StaticsApp")
    client.load()
    url = f"{server.url}/{css_url(apps.BIG_CSS)}"
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip, br"}) as r:
        assert r.headers["content-encoding"] == "br"
        assert brotli.decompress(b"".join(r.iter_raw())).decode() == apps.BIG_CSS
    with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip, br;q=0"}) as r:
        assert r.headers["content-encoding"] == "gzip"


def test_a_late_components_statics_arrive_by_reference(opened):
    server, client = opened("StaticsApp")

    async def scenario():
        await client.connect()
        _, reply = await client.event("late")
        return reply

    reply = asyncio.run(scenario())
    late_css = ".late { color: rgb(4, 5, 6) }"
    assert reply["statics"] == [
        f'<link rel="stylesheet" href="{css_url(late_css)}">',
        f'<script src="{js_url(apps.LATE_JS)}"></script>',
    ]
    script = httpx.get(f"{server.url}/{js_url(apps.LATE_JS)}")
    assert script.text == apps.LATE_JS and script.headers["content-type"] == "text/javascript; charset=utf-8"


# -- in the process: one copy for every session -----------------------------------------------------------


def test_a_thousand_sessions_share_one_copy_of_each_static():
    class Styled(Tag.div):
        statics = [Tag.style(".styled-1000 { color: red }"), Tag.script("var styled1000 = 1;")]

    class Page(App):
        def init(self):
            Styled()

    before = len(STATICS)
    pages = [Page() for _ in range(1000)]
    rendered = [p.render_page()[0] for p in pages]
    assert len(STATICS) == before + 2
    first = list(pages[0]._engine.statics)
    for page in pages[1:]:
        assert all(a is b for a, b in zip(page._engine.statics, first, strict=True))  # the same objects
    assert all(r == rendered[0] for r in rendered)


def test_an_instance_static_is_forgotten_with_the_last_app_using_it():
    css = ".per-instance-static { color: blue }"
    app = App()
    tag = Tag.div()
    tag.statics = Tag.style(css)
    app.add(tag)
    app.render_page()
    assert STATICS.find(digest(css)) is not None
    del app, tag
    gc.collect()
    assert STATICS.find(digest(css)) is None


def test_statics_of_an_app_mounted_under_a_sub_path(serve, browser):
    server = serve("StaticsApp", server="mounted")
    page = browser(server.url).load("/ui/")
    href = re.search(r'<link rel="stylesheet" href="(_htag/s/[0-9a-f]{16}\.css)">', page).group(1)
    # relative to the page, /ui/: the mounted App's own route
    assert httpx.get(f"{server.url}/ui/{href}").text == apps.SHARED_CSS
    # the App's page is /ui/ only: /ui redirects there, so relative references resolve the same
    bare = httpx.get(f"{server.url}/ui")
    assert bare.status_code in (301, 302, 307, 308) and bare.headers["location"].endswith("/ui/")
