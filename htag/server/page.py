"""What a browser loads before the WebSocket: the page document, the client script and
the App's statics (content-addressed, compressed once) and the favicon."""

from __future__ import annotations

import gzip
import html
import weakref
from dataclasses import dataclass, field
from importlib import resources

from .. import _core
from ..core.statics import STATICS, Static

FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
    b'fill="#2b6cb0"/><path d="M4 3v10M4 8h8M12 3v10" stroke="#fff" stroke-width="2"/></svg>'
)


try:  # the optional extra htag[brotli]: smaller assets for browsers that accept br
    import brotli
except ImportError:  # pragma: no cover - gzip only
    brotli = None

IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_BROTLI_QUALITY = 5


@dataclass(frozen=True)
class Asset:
    """Immutable bytes served under a name that changes with them (a digest computed in
    Rust, `_core.static_digest`), compressed once: gzip, and brotli when installed."""

    body: bytes
    media_type: str
    # brotli's best (11) costs ~25 ms per 10 KB: fine for the client script, compressed at
    # import; an App's static is compressed at its first request, on the event loop: 5 is
    # ~1 ms and within 5% of the size
    brotli_quality: int = 11
    digest: str = field(init=False)
    gzipped: bytes = field(init=False, repr=False)
    brotli: bytes | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", _core.static_digest(self.body))
        object.__setattr__(self, "gzipped", gzip.compress(self.body, compresslevel=9, mtime=0))
        object.__setattr__(
            self,
            "brotli",
            brotli.compress(self.body, quality=self.brotli_quality) if brotli is not None else None,
        )

    def encoded_for(self, accept_encoding: str) -> tuple[bytes, dict[str, str]]:
        """The body and headers for a client that sent this Accept-Encoding."""
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding", "ETag": f'"{self.digest}"'}
        if self.brotli is not None and accepts("br", accept_encoding):
            headers["Content-Encoding"] = "br"
            return self.brotli, headers
        if accepts("gzip", accept_encoding):
            headers["Content-Encoding"] = "gzip"
            return self.gzipped, headers
        return self.body, headers


def accepts(coding: str, accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows `coding` (`gzip;q=0` refuses it); an
    explicit entry wins over `*`."""
    verdict = False
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        name = name.strip()
        if name in (coding, "*"):
            q = params.strip().removeprefix("q=")
            try:
                allowed = not params.strip() or float(q) > 0
            except ValueError:
                allowed = False
            if name == coding:
                return allowed
            verdict = allowed
    return verdict


def accepts_gzip(accept_encoding: str) -> bool:
    return accepts("gzip", accept_encoding)


class StaticAssets:
    """The App statics a browser may ask for (`<base>_htag/s/<digest>.css|.js`): found in
    the process's registry (`htag.core.statics.STATICS`) and compressed once, while a
    class or a session still uses them."""

    def __init__(self) -> None:
        self._assets: weakref.WeakKeyDictionary[Static, Asset] = weakref.WeakKeyDictionary()

    def find(self, name: str) -> Asset | None:
        digest, _, ext = name.partition(".")
        static = STATICS.find(digest)
        if static is None or static.ext != ext:
            return None
        asset = self._assets.get(static)
        if asset is None:
            asset = self._assets[static] = Asset(static.body, static.media_type, STATIC_BROTLI_QUALITY)
        return asset


CLIENT_SCRIPT = Asset(resources.files("htag").joinpath("client/htag.js").read_bytes(), "text/javascript")
CLIENT_PATH = f"_htag/htag.{CLIENT_SCRIPT.digest}.js"


def render_document(*, base: str, title: str, statics: list[str], body: str, config: dict[str, str]) -> str:
    """The page: `<html>` carries the client's configuration (`data-htag-*`), the
    statics go in `<head>`, the App's `<body>` follows."""
    html_attrs = " ".join(f'data-htag-{k}="{html.escape(v)}"' for k, v in config.items())
    has_title = any(s.lstrip().lower().startswith("<title") for s in statics)
    title_tag = "" if has_title else f"<title>{html.escape(title)}</title>"
    base_attr = html.escape(base)
    return (
        f'<!DOCTYPE html>\n<html {html_attrs}>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'{title_tag}<link rel="icon" href="{base_attr}favicon.ico">\n'
        + "\n".join(statics)
        + f'\n<script src="{base_attr}{CLIENT_PATH}" defer></script>\n'
        f"</head>\n{body}\n</html>\n"
    )
