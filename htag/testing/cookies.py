"""The cookies a browser keeps for one site: set by responses, sent with requests."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie
from time import time


class Cookies:
    """Name -> value, for one host and every path (htag's cookies are all `path=/`)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def update(self, headers: list[tuple[str, str]]) -> None:
        """Takes the `Set-Cookie` headers of a response (an expired cookie is dropped)."""
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value)
            except CookieError:
                continue
            for key, morsel in jar.items():
                if _expired(morsel["max-age"], morsel["expires"]):
                    self.values.pop(key, None)
                else:
                    self.values[key] = morsel.value

    def header(self) -> dict[str, str]:
        """The `Cookie` request header, if any cookie is kept."""
        if not self.values:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.values.items())}


def _expired(max_age: str, expires: str) -> bool:
    if max_age:
        try:
            return int(max_age) <= 0
        except ValueError:
            return False
    if expires:
        try:
            return parsedate_to_datetime(expires).timestamp() <= time()
        except (TypeError, ValueError):
            return False
    return False
