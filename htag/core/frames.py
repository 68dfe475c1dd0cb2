"""The wire protocol's shapes, once (docs/protocol.md is the specification).

The App produces `UpdateFrame`s; the server adds `ErrorFrame`, `ReloadFrame`,
`PongFrame` and `RenewFrame`, and reads `ClientMessage`s. These are `TypedDict`s:
at run time they are plain dicts, encoded by orjson as they are.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# ["attr", hid, name, value]: set (value a str), bare ("") or remove (None) one attribute
AttrOp = list[Any]


class _Update(TypedDict):
    action: Literal["update"]


class UpdateFrame(_Update, total=False):
    """What changed: applied as statics, ops, updates, js, then the callback's result."""

    updates: dict[str, str]  # hid -> outer HTML of the topmost changed tags
    ops: list[AttrOp]
    statics: list[str]
    js: list[str]
    callback_id: str
    result: Any


class _Error(TypedDict):
    action: Literal["error"]
    message: str


class ErrorFrame(_Error, total=False):
    traceback: str  # debug mode only
    callback_id: str


class ReloadFrame(TypedDict):
    action: Literal["reload"]


class PongFrame(TypedDict):
    action: Literal["pong"]


class RenewFrame(TypedDict):
    """SSE: this stream ends; open the next one with `?resume=<key>`."""

    action: Literal["renew"]
    key: str


Frame = UpdateFrame | ErrorFrame | ReloadFrame | PongFrame | RenewFrame


class ClientMessage(TypedDict, total=False):
    """An event (`id`, `event`, `data`) or a control message (`action`)."""

    action: str  # "event" (implied by `id`), "ping", "poll", "log_error"
    id: str
    event: str
    data: Any
    error: str
    fallback: bool


def update_frame() -> UpdateFrame:
    return {"action": "update"}


def error_frame(message: str, callback_id: str | None, traceback: str | None = None) -> ErrorFrame:
    frame: ErrorFrame = {"action": "error", "message": message}
    if traceback:
        frame["traceback"] = traceback
    if callback_id is not None:
        frame["callback_id"] = callback_id
    return frame
