"""The checks a request or a socket passes before it reaches an App: Origin, CSRF
token, event rate; and the parano key derived from the secret."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Collection
from urllib.parse import urlsplit


def origin_allowed(origin: str | None, host: str | None, allowed: Collection[str]) -> bool:
    """A browser's WebSocket must come from our own page (or an allowed origin)."""
    if origin is None:
        return True  # not a browser: it still needs the session cookie and the token
    origin = origin.rstrip("/")
    if origin in allowed:
        return True
    return urlsplit(origin).netloc == host


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
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
