"""Events as a callback sees them: the `Event` object; the `@prevent` / `@stop`
markers (the client calls `preventDefault()` / `stopPropagation()` before sending the
event); `HtagEventError` for misuse."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .tag import GTag

F = TypeVar("F", bound=Callable[..., Any])

PREVENT = 1
STOP = 2


class HtagEventError(Exception):
    """An event callback was used in a way htag cannot honour."""


class Event:
    """What a callback receives: `e.target`, `e.name`, `e.value`, any sent key as an attribute."""

    __slots__ = ("data", "name", "target", "value")

    def __init__(self, target: GTag, name: str, data: Any) -> None:
        self.target = target
        self.name = name
        self.data = data if isinstance(data, dict) else {}
        self.value = self.data.get("value") if isinstance(data, dict) else data

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        data = object.__getattribute__(self, "data")
        if key in ("x", "y") and key not in data:
            key = "pageX" if key == "x" else "pageY"
        return data.get(key)

    def __getitem__(self, field: str) -> Any:
        value = self.value
        if isinstance(value, dict):
            return value.get(field)
        return self.data.get(field)

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
