"""htag's own session cookie, kept apart from a host application's session.

Starlette's `SessionMiddleware` always writes `scope["session"]`. Mounted under a host
Starlette app that has its own `SessionMiddleware`, htag's would hide the host's
session from the App (`self.request.session` is the host's in htag 2, which has no
session middleware of its own). So htag's cookie middleware runs on a copy of the
scope: the App sees the host's session as `request.session` (or htag's, when there is
no host session), and htag finds its own under `OWN_SESSION`.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.sessions import SessionMiddleware

OWN_SESSION = "htag.session"  # the scope key of htag's own session dict
_HOST_SESSION = "htag.host_session"


class OwnSessionMiddleware:
    def __init__(self, app: Any, **options: Any) -> None:
        self.app = app
        self.cookie = SessionMiddleware(self._inside, **options)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # SessionMiddleware reads `scope["session"]` again when the response starts (to
        # set the cookie): that copy keeps htag's session there until then
        cookie_scope = dict(scope)
        cookie_scope[_HOST_SESSION] = scope.get("session")
        await self.cookie(cookie_scope, receive, send)

    async def _inside(self, cookie_scope: Any, receive: Any, send: Any) -> None:
        scope = dict(cookie_scope)
        own = scope[OWN_SESSION] = scope["session"]
        host = scope.pop(_HOST_SESSION)
        scope["session"] = host if host is not None else own
        await self.app(scope, receive, send)


def own_session(connection: Any) -> dict[str, Any]:
    """htag's session dict of a Request/WebSocket that went through `OwnSessionMiddleware`."""
    return connection.scope[OWN_SESSION]
