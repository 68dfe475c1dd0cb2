"""Frames to text and messages from text: orjson, the size limit, parano obfuscation.

Every failure is an answer, never an exception: an unencodable frame becomes an
error frame, a malformed message becomes the error frame to send back.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import orjson

from ..core.frames import ErrorFrame, Frame, error_frame

logger = logging.getLogger("htag")


def encode(frame: Frame | dict[str, Any]) -> str:
    """JSON text of a frame; values orjson cannot encode become their `str`."""
    try:
        return orjson.dumps(frame, default=str).decode()
    except (TypeError, orjson.JSONEncodeError) as e:
        logger.error("frame could not be encoded: %s", e)
        fallback = error_frame("the server produced an unencodable frame", frame.get("callback_id"))
        return orjson.dumps(fallback).decode()


def obfuscate(text: str, key: bytes) -> str:
    """Parano mode: base64(utf8 XOR key). Obfuscation only: the key is in the page."""
    data = text.encode()
    stream = (key * (len(data) // len(key) + 1))[: len(data)]
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, stream))).decode()


def deobfuscate(text: str, key: bytes) -> str:
    data = base64.b64decode(text)
    stream = (key * (len(data) // len(key) + 1))[: len(data)]
    return bytes(a ^ b for a, b in zip(data, stream)).decode()


class Refusal(dict):  # type: ignore[type-arg]
    """The error frame `decode_message` answers a message it refuses with. A class of
    its own: a client's message may well say `"action": "error"` too."""


def _refuse(message: str) -> ErrorFrame:
    return Refusal(error_frame(message, None))  # type: ignore[return-value]


MESSAGE_TOO_BIG = 1009  # RFC 6455 close codes
INVALID_PAYLOAD = 1007


def unacceptable_frame(raw: str | bytes | None, max_size: int) -> int | None:
    """The close code (RFC 6455) for a WebSocket message refused whole: over `max_size`,
    or bytes that are not UTF-8 (htag's messages are UTF-8 JSON); None if acceptable.
    Such a message closes the socket, so that one connection cannot repeat it."""
    if raw is None:
        return None
    if len(raw) > max_size:
        logger.warning("websocket message of %d bytes refused (limit %d): closing", len(raw), max_size)
        return MESSAGE_TOO_BIG
    if isinstance(raw, bytes):
        try:
            raw.decode()
        except UnicodeDecodeError:
            logger.warning("websocket message that is not UTF-8 refused: closing")
            return INVALID_PAYLOAD
    return None


def decode_message(raw: str | bytes | None, max_size: int, key: bytes | None) -> dict[str, Any] | ErrorFrame:
    """The decoded message (a dict), or the error frame that refuses it (a `Refusal`)."""
    if raw is None:
        return _refuse("empty message")
    if len(raw) > max_size:
        logger.warning("message of %d bytes refused (limit %d)", len(raw), max_size)
        return _refuse(f"message over {max_size} bytes refused")
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        if key:
            text = deobfuscate(text, key)
        message = orjson.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        logger.warning("malformed message refused: %s", e)
        return _refuse("malformed message: not JSON")
    if not isinstance(message, dict):
        return _refuse("malformed message: not an object")
    return message


def is_refusal(message: dict[str, Any]) -> bool:
    """Whether `decode_message` refused the message (its result is an error frame)."""
    return isinstance(message, Refusal)
