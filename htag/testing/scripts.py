"""The few scripts of htag itself that the testing client performs; it runs no other
JavaScript (`page.scripts` records every script, run or not).

htag's `Router` (htag/router.py) talks to the browser with two of them: it asks for the
URL fragment with `htag_event("<id>",'route',{hash:location.hash})`, and moves the
address bar with `location.hash="<fragment>"` (which fires `hashchange`). `Tag.download`
offers a file with `htag.download("<url>")`: the testing client keeps the URL for
`page.download()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_STRING = r'"(?:[^"\\]|\\.)*"'
_SET_HASH = re.compile(rf"^\s*location\.hash\s*=\s*({_STRING})\s*;?\s*$")
_DOWNLOAD = re.compile(rf"^\s*htag\.download\(\s*({_STRING})\s*\)\s*;?\s*$")
_ASK_HASH = re.compile(
    rf"^\s*htag_event\(\s*({_STRING})\s*,\s*'([\w:-]+)'\s*,\s*\{{\s*hash\s*:\s*location\.hash\s*\}}\s*\)\s*;?\s*$"
)


@dataclass
class SetHash:
    """`location.hash = fragment`."""

    fragment: str


@dataclass
class ReportHash:
    """`htag_event(id, name, {hash: location.hash})`."""

    hid: str
    event: str


@dataclass
class OfferDownload:
    """`htag.download(url)`: a one-time URL, relative to the page."""

    url: str


def understood(code: str) -> SetHash | ReportHash | OfferDownload | None:
    """What a script of htag's own does, or None for any other script (not run)."""
    m = _SET_HASH.match(code)
    if m:
        return SetHash(json.loads(m.group(1)))
    m = _DOWNLOAD.match(code)
    if m:
        return OfferDownload(json.loads(m.group(1)))
    m = _ASK_HASH.match(code)
    if m:
        return ReportHash(json.loads(m.group(1)), m.group(2))
    return None


def as_hash(fragment: str) -> str:
    """`location.hash` after `location.hash = fragment`: "#" and the fragment, or ""."""
    fragment = fragment.removeprefix("#")
    return "#" + fragment if fragment else ""
