"""`Tag.download` on the server: one-time signed URLs, and the route that streams them.

`offer()` keeps a `Download` under a random id and answers `_htag/dl/<id>.<signature>`,
the signature an HMAC of the id and the session id with the server's secret. The route
serves it once, to that session only, within `timeout` seconds: a tampered token or
another session's gets 403, a used, expired or unknown one 404 (never a traceback).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import mimetypes
import os
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

from ..core.errors import HtagError
from ..core.files import Download
from .sessions import Session

if TYPE_CHECKING:
    from .webapp import WebApp

logger = logging.getLogger("htag")

ROUTE = "/_htag/dl/{token}"
URL_PREFIX = "_htag/dl/"  # relative to the page (the App may be mounted under a path)
MAX_WAITING = 64  # offered downloads not yet fetched, per session (the oldest is dropped)
TOKEN = re.compile(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})")


@dataclass
class Offer:
    download: Download
    sid: str
    expires: float


class Downloads:
    """The offered downloads of a server, each fetched once."""

    def __init__(self, secret: str, timeout: float) -> None:
        self._key = hashlib.sha256(b"htag download:" + secret.encode()).digest()
        self.timeout = timeout
        self._offers: dict[str, Offer] = {}
        self._lock = threading.Lock()  # callbacks offer from threads

    def sign(self, token_id: str, sid: str) -> str:
        mac = hmac.new(self._key, f"{token_id}:{sid}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def offer(self, download: Download, session: Session) -> str:
        """The URL (relative to the page) that serves `download` once to `session`."""
        token_id = secrets.token_urlsafe(16)
        with self._lock:
            waiting = [k for k, o in self._offers.items() if o.sid == session.sid]
            for key in waiting[: max(0, len(waiting) - MAX_WAITING + 1)]:
                self._offers.pop(key).download.close()
            self._offers[token_id] = Offer(download, session.sid, time.monotonic() + self.timeout)
        return f"{URL_PREFIX}{token_id}.{self.sign(token_id, session.sid)}"

    def take(self, token: str, session: Session | None) -> Download | int:
        """The download of `token`, forgotten at once (one use), or the HTTP status refusing it."""
        match = TOKEN.fullmatch(token)
        if match is None:
            return 404
        token_id, signature = match.groups()
        if session is None or not hmac.compare_digest(signature, self.sign(token_id, session.sid)):
            return 403  # tampered, or not this session's
        with self._lock:
            offer = self._offers.pop(token_id, None)
        if offer is None:
            return 404  # used already, expired or never offered
        if offer.sid != session.sid or offer.expires < time.monotonic():
            offer.download.close()
            return 404
        return offer.download

    def expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            stale = [k for k, o in self._offers.items() if o.expires < now]
            offers = [self._offers.pop(k) for k in stale]
        for offer in offers:
            offer.download.close()

    def forget_session(self, sid: str) -> None:
        with self._lock:
            keys = [k for k, o in self._offers.items() if o.sid == sid]
            offers = [self._offers.pop(k) for k in keys]
        for offer in offers:
            offer.download.close()

    def __len__(self) -> int:
        return len(self._offers)


def content_disposition(filename: str) -> str:
    """`attachment` with the file name: plain ASCII as `filename=`, anything else also as
    RFC 5987's `filename*=UTF-8''...` (with an ASCII stand-in for older browsers)."""
    name = "".join(c for c in filename.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable()) or "download"
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"%;' else "_" for c in name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def response_for(download: Download) -> Response:
    media_type = (
        download.media_type or mimetypes.guess_type(download.filename)[0] or "application/octet-stream"
    )
    headers = {"Content-Disposition": content_disposition(download.filename), "Cache-Control": "no-store"}
    source = download.source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Response(bytes(source), media_type=media_type, headers=headers)
    if isinstance(source, (str, os.PathLike)):
        return FileResponse(source, media_type=media_type, headers=headers)
    return StreamingResponse(logged(source, download.filename), media_type=media_type, headers=headers)


async def logged(source: Any, filename: str) -> AsyncIterator[bytes]:
    """The generator's bytes; if it fails, the log says so (the browser sees a cut download)."""
    try:
        if hasattr(source, "__aiter__"):
            async for piece in source:
                yield bytes(piece)
        else:
            async for piece in iterate_in_threadpool(iter(source)):
                yield bytes(piece)
    except Exception:
        logger.exception("the generator of download %r failed", filename)


def offer_function(web: WebApp) -> Callable[[Download, Any], str]:
    """What `Tag.download` calls: binds the download to the session of `request`."""

    def offer(download: Download, request: Any) -> str:
        session = web.session_of(request) if request is not None else None
        if session is None:
            raise HtagError("download(): no session to send it to (call it from a callback)")
        return web.downloads.offer(download, session)

    return offer


async def download_endpoint(web: WebApp, request: Request) -> Response:
    if request.method != "GET":  # a HEAD (a link checker, a prefetch) must not use the token up
        return PlainTextResponse("GET only", status_code=405, headers={"Allow": "GET"})
    found = web.downloads.take(request.path_params["token"], web.session_of(request))
    if isinstance(found, int):
        if web.refusal_log.allow():
            logger.warning("download refused (%d)", found)
        return PlainTextResponse("forbidden" if found == 403 else "not found", status_code=found)
    return response_for(found)
