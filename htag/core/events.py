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
_UNREAD: Any = object()  # an Event's value not computed yet
STOP = 2


class Event:
    """What a callback receives: `def on_click(self, e): ...`.

    - `e.target`: the tag holding the handler (not the innermost element clicked);
      `e.id` its internal id; `e.name` the event name (`"click"`, `"input"`, `"submit"`).
    - `e.value`: for an input or textarea its text, for a select its value (a list when
      `multiple`), for a checkbox its state (bool), for a radio its value, for a form
      `submit` the form's fields as a dict (checkboxes as bools, repeated names as lists),
      for another element its `value` property if it has one (`<button value="x">`);
      from JavaScript, `htag_event(id, "name", data)` makes `data` the value (an object
      without a `value` key is the value whole).
    - `e["field"]`: a form field of a submit (or any sent key).
    - every key the browser sent reads as an attribute, None when absent: `e.checked`
      (checkboxes, radios), `e.key` / `e.code` (keyboard), `e.pageX` / `e.pageY`
      (also `e.x` / `e.y`), `e.clientX`, `e.button` (mouse), `e.ctrlKey`, `e.shiftKey`,
      `e.altKey`, `e.metaKey`, `e.newURL` / `e.oldURL` (`hashchange`).
    - `e.data`: the sent object as it came.

    Files (docs/guide/forms.md): the `change` callback of an `<input type=file>`, or the
    `drop` callback of an element, gets `e.files`, a list of `UploadedFile` (`name`,
    `type`, `size`, `read()`, `chunks()`, `open()`, `save(path)`), once they are all on the
    server; `e.error` says why an upload was refused (a size limit: then no files). A
    `progress` callback on the same element gets `e.loaded` and `e.total` (bytes) as they
    arrive. A form's submit gives a file field's chosen names only. Before any callback runs, the
    `value` / `checked` sent are written to the target's attributes, so
    `e.target["value"]` is current. The callback's return value resolves the Promise of
    `htag_event(...)` in JavaScript.

    Built as `Event(target, name, data)`, or as in htag 2, `Event(target, message)`
    with `message = {"id": ..., "event": ..., "data": ...}`.
    """

    __slots__ = ("_id", "_value", "data", "name", "target")

    def __init__(self, target: GTag, name: str | dict[str, Any], data: Any = None) -> None:
        self._id: str | None = None  # the target's, read at the first use
        if isinstance(name, dict):  # htag 2's Event(target, message)
            message = name
            name, data = str(message.get("event") or ""), message.get("data")
            self._id = str(message.get("id") or target._hid)
        self.target = target
        self.name = name
        if isinstance(data, dict):
            self.data = data
            self._value = _UNREAD  # most callbacks never read it: made at the first read
        else:
            self.data = {}
            self._value = data

    @property
    def id(self) -> str:
        """What the client names the target by (htag 2's `e.id`)."""
        if self._id is None:
            self._id = self.target._hid
        return self._id

    @id.setter
    def id(self, value: str) -> None:
        self._id = value

    @property
    def value(self) -> Any:
        """What the event carries (see above)."""
        value = self._value
        if value is _UNREAD:
            data = self.data
            if "value" in data:
                value = data["value"]
            else:  # htag 2: a sent object without `value` is the value
                value = {k: v for k, v in data.items() if k != "callback_id"}
            self._value = value
        return value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value

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
    """Decorator: the browser calls `event.preventDefault()` before sending the event
    (a form's submit stays on the page); also `prevent(self.method)` at runtime."""
    return _flagged(func, PREVENT)


def stop(func: F) -> F:
    """Decorator: the browser calls `event.stopPropagation()` before sending the event
    (a click on a child does not reach its parents' handlers); also `stop(self.method)`."""
    return _flagged(func, STOP)


def event_flags(func: Callable[..., Any]) -> int:
    return getattr(func, "_htag_flags", 0)
