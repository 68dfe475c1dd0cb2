"""htag 2's `htag.utils`: the parano-mode helpers, for code that encodes or decodes frames
itself (a test client, a proxy). Same output as htag 2.0.28; the XOR is the web layer's
(`htag.server.codec`). Obfuscation, not encryption: the key is in the page."""

from __future__ import annotations

import json
from typing import Any

from .server.codec import deobfuscate, obfuscate


def _obf_dumps(obj: Any, key: str | None) -> str:
    """JSON text of `obj`; with a key, base64(utf8(json) XOR key)."""
    if not key:
        return json.dumps(obj)
    return obfuscate(json.dumps(obj, separators=(",", ":"), ensure_ascii=False), key.encode())


def _obf_loads(data: str, key: str | None) -> Any:
    """The inverse of `_obf_dumps`."""
    return json.loads(deobfuscate(data, key.encode()) if key else data)


__all__ = ["_obf_dumps", "_obf_loads"]
