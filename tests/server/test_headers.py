"""The security headers of every response, and how an operator changes them."""

from __future__ import annotations

import re

import httpx

from htag.server.security import DEFAULT_CSP, security_headers


def paths(page: str) -> list[str]:
    script = re.search(r'<script src="(/_htag/htag\.[0-9a-f]+\.js)"', page).group(1)
    return ["/", script, "/favicon.ico"]


def test_every_page_and_asset_has_the_security_headers(opened):
    s, b = opened()
    responses = [b.http.get(path) for path in paths(b.load())]
    responses.append(b.post({"action": "ping", "fallback": True}))
    responses.append(httpx.get(s.url + "/", headers={"Host": "evil.example"}))  # a refusal too
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 400]
    for r in responses:
        assert r.headers["content-security-policy"] == DEFAULT_CSP + "; frame-ancestors 'self'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "SAMEORIGIN"
        assert r.headers["referrer-policy"] == "same-origin"


def test_framing_and_the_policy_are_configurable(opened):
    _s, b = opened(csp=None, frame_ancestors="https://portal.example")
    r = b.http.get("/")
    assert r.headers["content-security-policy"] == "frame-ancestors https://portal.example"
    assert "x-frame-options" not in r.headers  # it cannot name an origin
    assert r.headers["x-content-type-options"] == "nosniff"


def test_header_sets():
    names = lambda headers: {k.decode(): v.decode() for k, v in headers}
    assert names(security_headers(None, None)) == {
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
    }
    denied = names(security_headers("default-src 'self'", "'none'"))
    assert denied["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert denied["x-frame-options"] == "DENY"
