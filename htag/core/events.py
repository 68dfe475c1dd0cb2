"""Events as a callback sees them: the `Event` object; the `@prevent` / `@stop`
markers (the client calls `preventDefault()` / `stopPropagation()` before sending the
event); `HtagEventError` for misuse."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import HtagEventError

if TYPE_CHECKING:
    from .tag import GTag

__all__ = ["Event", "HtagEventError", "prevent", "stop"]

F = TypeVar("F", bound=Callable[..., Any])

PREVENT = 1
STOP = 2


class Event:
    """What a callback receives.

    `e.target` the tag, `e.id` its id, `e.name` the event name (`"click"`), `e.value`
    the sent `value` (an input's text, a checkbox's state, a form's fields as a dict)
    or, when the client sent an object without `value` (`htag_event(id, "x", {...})`),
    that whole object; every sent key reads as an attribute (`e.key`, `e.pageX`,
    `e.x`...; a missing one is None), and `e["field"]` reads a form field (or any
    sent key). `e.data` is the sent object as it came.

    Built as `Event(target, name, data)`, or as in htag 2, `Event(target, message)`
    with `message = {"id": ..., "event": ..., "data": ...}`.
    """

    __slots__ = ("data", "id", "name", "target", "value")

    def __init__(self, target: GTag, name: str | dict[str, Any], data: Any = None) -> None:
        tag_id = target._hid  # what the client names the tag by (htag 2's `e.id`)
        if isinstance(name, dict):  # htag 2's Event(target, message)
            message = name
            name, data = str(message.get("event") or ""), message.get("data")
            tag_id = str(message.get("id") or tag_id)
        self.target = target
        self.id = tag_id
        self.name = name
        self.data = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.value = data
        elif "value" in data:
            self.value = data["value"]
        else:  # htag 2: a sent object without `value` is the value
            self.value = {k: v for k, v in data.items() if k != "callback_id"}

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        data = object.__getattribute__(self, "data")
        if key in ("x", "y") and key not in data:
            key = "pageX" if key == "x" else "pageY"
        return data.get(key)

    def __getitem__(self, field: str) -> Any:
        value = self.value
        if isinstance(value, dict) and field in value:
            return value[field]
        return getattr(self, field)

    def __repr__(self) -> str:
        return f"<Event {self.name} on {self.target!r}>"


def _flagged(func: F, flag: int) -> F:
    flags = getattr(func, "_htag_flags", 0) | flag
    try:
        func._htag_flags = flags  # type: ignore[attr-defined]
        return func
    except AttributeError:
        # bound methods refuse new attributes: wrap them, keeping their kind
        # (sync, async, generator) so dispatch still sees what they are.
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def wrapper(*a: Any, **k: Any) -> Any:
                return await func(*a, **k)
        elif inspect.isasyncgenfunction(func):

            @functools.wraps(func)
            async def wrapper(*a: Any, **k: Any) -> Any:  # type: ignore[misc]
                async for item in func(*a, **k):
                    yield item
        elif inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def wrapper(*a: Any, **k: Any) -> Any:  # type: ignore[misc]
                return (yield from func(*a, **k))
        else:

            @functools.wraps(func)
            def wrapper(*a: Any, **k: Any) -> Any:  # type: ignore[misc]
                return func(*a, **k)

        wrapper._htag_flags = flags  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]


def prevent(func: F) -> F:
    """The client calls `event.preventDefault()` for this callback."""
    return _flagged(func, PREVENT)


def stop(func: F) -> F:
    """The client calls `event.stopPropagation()` for this callback."""
    return _flagged(func, STOP)


def event_flags(func: Callable[..., Any]) -> int:
    return getattr(func, "_htag_flags", 0)
