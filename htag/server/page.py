"""What a browser loads before the WebSocket: the page document, the client script
(content-addressed, compressed once) and the favicon."""

from __future__ import annotations

import gzip
import hashlib
import html
from dataclasses import dataclass, field
from importlib import resources

FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
    b'fill="#2b6cb0"/><path d="M4 3v10M4 8h8M12 3v10" stroke="#fff" stroke-width="2"/></svg>'
)


@dataclass(frozen=True)
class Asset:
    """Immutable bytes served under a name that changes with them, gzipped once."""

    body: bytes
    media_type: str
    digest: str = field(init=False)
    gzipped: bytes = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", hashlib.sha256(self.body).hexdigest()[:12])
        object.__setattr__(self, "gzipped", gzip.compress(self.body, compresslevel=9, mtime=0))

    def encoded_for(self, accept_encoding: str) -> tuple[bytes, dict[str, str]]:
        """The body and headers for a client that sent this Accept-Encoding."""
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
        if accepts_gzip(accept_encoding):
            headers["Content-Encoding"] = "gzip"
            return self.gzipped, headers
        return self.body, headers


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip;q=0` refuses it)."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return False
    return False


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
