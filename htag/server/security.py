"""The checks a request or a socket passes before it reaches an App: Host, Origin,
CSRF token, event rate; and the parano key derived from the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse

from .metrics import METRICS

logger = logging.getLogger("htag")

# the names a browser uses for a server bound to a loopback address
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
HTTP_SCHEME = {"ws": "http", "wss": "https"}  # a WebSocket's scheme -> its page's


def host_name(host: str | None) -> str:
    """The name in a Host header, lowercased, without its port (`[::1]:80` -> `::1`)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, _, _port = host.partition(":") if host.count(":") == 1 else (host, "", "")
    return name


def host_allowed(host: str | None, hosts: Collection[str]) -> bool:
    """Whether a Host header names this server: an exact name, `*.example.com` (its
    subdomains) or `*` (any). Refusing the others defeats DNS rebinding."""
    name = host_name(host)
    for trusted in hosts:
        if trusted == "*" or name == trusted or (trusted.startswith("*.") and name.endswith(trusted[1:])):
            return bool(name)
    return False


def is_loopback(address: str) -> bool:
    if address.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def same_origin(url: str, scheme: str, host: str | None) -> bool:
    """Whether an Origin or Referer is the request's own scheme and host (and port)."""
    parts = urlsplit(url)
    return parts.scheme == HTTP_SCHEME.get(scheme, scheme) and bool(parts.netloc) and parts.netloc == host


def origin_allowed(origin: str | None, host: str | None, scheme: str, allowed: Collection[str]) -> bool:
    """A browser's WebSocket must come from our own page (or an allowed origin)."""
    if origin is None:
        return True  # not a browser: it still needs the session cookie and the token
    origin = origin.rstrip("/")
    return origin in allowed or same_origin(origin, scheme, host)


def from_own_site(headers: Any, scheme: str) -> bool:
    """Whether a navigation comes from the site itself or from the user (a typed URL, a
    bookmark): Sec-Fetch-Site where the browser sends it, else Origin, else Referer."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("none", "same-origin")
    host = headers.get("host")
    for name in ("origin", "referer"):
        value = headers.get(name)
        if value is not None:
            return value != "null" and same_origin(value, scheme, host)
    return True


def handler_hashes() -> str:
    """CSP sources allowing exactly the event attributes htag renders (`onclick=
    "htag_on(this,event)"`, with its @prevent/@stop flags): with 'unsafe-hashes', a
    browser runs an inline handler whose text has one of these sha256 (CSP Level 3)."""
    handlers = ["htag_on(this,event)"] + [f"htag_on(this,event,{flags})" for flags in (1, 2, 3)]
    digests = (base64.b64encode(hashlib.sha256(h.encode()).digest()).decode() for h in handlers)
    return "'unsafe-hashes' " + " ".join(f"'sha256-{d}'" for d in digests)


# What the page needs, and no 'unsafe-inline' for <script> or <style> elements: the client
# script, the App's statics (content-addressed files: htag/core/statics.py) and the WebSocket
# from its own origin; htag's event attributes by their hashes; `new Function` for the App's
# `js` (unsafe-eval); statics from a CDN (https:); `style="..."` attributes of the App's tags
# (style-src-attr). See docs/security.md, "Headers".
STRICT_CSP = (
    f"default-src 'self'; script-src 'self' {handler_hashes()} 'unsafe-eval' https:; "
    "style-src 'self' https:; style-src-attr 'unsafe-inline'; img-src 'self' data: blob: https:; "
    "font-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# The default adds the event attributes an App writes as JavaScript text: htag 2's
# `t["onclick"] = "js code"` is part of the API (docs/migrating.md); injected markup still
# cannot add any (attribute names and values are escaped), nor run a <script> element.
DEFAULT_CSP = STRICT_CSP + "; script-src-attr 'unsafe-inline'"


def security_headers(csp: str | None, frame_ancestors: str | None) -> list[tuple[bytes, bytes]]:
    """The headers of every response: `csp` None sends no CSP; `frame_ancestors` (CSP
    syntax: "'self'", "'none'", origins) says who may put the page in a frame, None anyone."""
    policy = [p for p in (csp, frame_ancestors and f"frame-ancestors {frame_ancestors}") if p]
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
    if policy:
        headers["Content-Security-Policy"] = "; ".join(policy)
    legacy = {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(frame_ancestors or "")
    if legacy:  # for browsers without frame-ancestors
        headers["X-Frame-Options"] = legacy
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


class SecurityHeaders:
    """ASGI middleware: adds `headers` to every HTTP response that does not set them."""

    def __init__(self, app: Any, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", ()))
                names = {name.lower() for name, _ in own}
                message["headers"] = own + [h for h in self.headers if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrustedHosts:
    """ASGI middleware: a request or WebSocket whose Host is not one of `hosts()` is
    refused (400, or 403 for a WebSocket); `hosts()` None checks nothing."""

    def __init__(self, app: Any, hosts: Callable[[], Collection[str] | None]) -> None:
        self.app = app
        self.hosts = hosts
        self.log = RateLimiter(rate=0.2, burst=10)  # a scanner must not flood the log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        hosts = self.hosts() if scope["type"] in ("http", "websocket") else None
        if hosts is not None:
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
            if not host_allowed(host, hosts):
                METRICS.refused("host")
                if self.log.allow():
                    logger.warning("request for host %.100r refused: not in the trusted hosts", host)
                if scope["type"] == "http":
                    await PlainTextResponse("invalid host", status_code=400)(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def parano_key(secret: str, sid: str) -> bytes:
    """The per-session obfuscation key of parano mode (it travels in the page)."""
    return hashlib.sha256(f"{secret}:{sid}".encode()).hexdigest()[:32].encode()


class RateLimiter:
    """A token bucket: `burst` events at once, then `rate` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float = 100.0, burst: float = 200.0) -> None:
        self.rate, self.capacity, self.tokens = rate, burst, burst
        self.stamp = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if tokens >= 1:
            self.tokens = tokens - 1
            return True
        self.tokens = tokens
        return False
