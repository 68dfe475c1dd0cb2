"""`GTag`: the Python face of the Rust `Node`.

`GTag` subclasses `htag._core.Node`, which holds the structure (name, attributes,
children, parent) and renders it. This module adds the htag 2 API on top: kwargs
handling, `with` blocks, events, class helpers, statics, scoped styles, and the
calls that tell the App's update engine what changed (see `engine.py`).

Why one file over 500 lines: `GTag` is the class users subclass, and its methods are
htag 2's tag API, one surface; what is not that surface lives apart (the `Tag` factory
in factory.py, render callbacks in render_hooks.py, the shadowing check in shadowing.py,
change tracking in engine.py).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, ClassVar

from .. import _core
from .._core import (  # rust/src/tree/flags.rs
    F_ADD,
    F_ATTRS,
    F_EVENTS,
    F_EXTRA,
    F_HOOKS,
    F_LAMBDA,
    F_PLAIN,
    F_STATICS,
)
from .classlist import ReactiveClass
from .context import current_request
from .css import scope_css
from .errors import HtagError
from .events import event_flags
from .files import DOWNLOAD_OFFER, Download, DownloadSource
from .html import HTML
from .shadowing import INSTANCE_REFUSED, check_class, check_instance_attribute, register_api
from .state import State, StateProxy
from .statics import forget_class, render_statics, wire_statics

# kinds of reactive dependency
CONTENT = 0
ATTRS = 1

_HOOK_NAMES = frozenset({"on_mount", "on_unmount"})
_NODE_FIELDS = frozenset({"_hid", "_is_app", "_building", "tag", "id", "text"})  # stored in Rust


class _Dependent:
    """Registered with a State while a tag's reactive attributes read it (its content
    registers the tag itself: `Node.state_changed`, in Rust)."""

    __slots__ = ("__weakref__", "tag")

    def __init__(self, tag: GTag) -> None:
        self.tag = weakref.ref(tag)

    def state_changed(self, state: State) -> None:
        tag = self.tag()
        if tag is not None:
            tag._attrs_changed()


class GTag(_core.Node):
    """A tag: an HTML element with attributes, children and events.

    Usually made through `Tag` (`Tag.div("x", _class="c", _onclick=cb)`); components
    subclass a tag class and implement `init(*args, **kwargs)`, never `__init__`.
    A class without an element name (`GTag` itself, `class X(GTag)`) takes it from
    its first positional argument, as in htag 2: `GTag("span", "x")`, `X("p")`;
    without one it is a `div`, and `GTag(None, ...)` is a fragment. A class may also
    name its element with `tag = "span"`.

    A subclass or an instance may not hide a member of this API with something that
    breaks it (a callback named `add`, `self.clear = ...`): a TypeError names the clash;
    overriding a hook, or a method with a compatible one, is fine (`shadowing.py`).
    """

    _htag_tag: ClassVar[str | None] = None
    _htag_fragment: ClassVar[bool] = False  # `Tag(...)`: never takes a name from its args
    statics: ClassVar[Any] = []
    styles: ClassVar[str | None] = None
    _htag_scope: ClassVar[str | None] = None
    _htag_meta: ClassVar[tuple[str | None, int]] = (None, 0)  # read by the Rust constructor

    __iter__ = None  # a tag is not iterable (no __getitem__ fallback)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_class(cls)  # a callback named `add` would replace the tree's own add()
        named = cls.__dict__.get("tag", _NO_NAME)
        if named is None or isinstance(named, str):  # htag 2: `class X(GTag): tag = "span"`
            cls._htag_tag = named.replace("_", "-") if named else None
            delattr(cls, "tag")  # the element name lives in Rust (Node.tag)
        if "styles" in cls.__dict__ and cls.styles:
            cls._htag_scope = f"htag-{cls.__name__}"
            scoped = scope_css(cls.styles, cls._htag_scope)
            own = cls.__dict__.get("statics", [])
            own = list(own) if isinstance(own, (list, tuple)) else [own]
            cls.statics = own + [HTML(f"<style>{scoped}</style>")]
        forget_class(cls)
        hooks = cls.on_mount is not GTag.on_mount or cls.on_unmount is not GTag.on_unmount
        statics = any(k.__dict__.get("statics") for k in cls.__mro__)
        flags = (F_HOOKS if hooks else 0) | (F_STATICS if statics else 0)
        if cls.add is not GTag.add:  # a composite: what is built inside it goes through its add()
            flags |= F_ADD
        # plain tag classes get the Rust constructor (and their unreferenced static
        # instances may become plain Rust data); components keep the Python one
        if cls.__init__ in (GTag.__init__, _core.Node._fast_init):
            plain = (
                cls.init is GTag.init
                and not any(k.__dict__.get("_htag_scope") for k in cls.__mro__)
                and not _named_by_args(cls)
            )
            cls.__init__ = _core.Node._fast_init if plain else GTag.__init__
            if plain and not hooks and not statics:
                flags |= F_PLAIN
        cls._htag_meta = (cls._htag_tag, flags)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if _named_by_args(type(self)):
            if args:
                name, args = args[0], args[1:]
                self.tag = None if name is None else str(name).replace("_", "-")
            else:
                self.tag = "div"
        plain: dict[str, Any] | None = None
        for key, value in kwargs.items():
            if key[0] == "_":
                name = key[1:].replace("_", "-")
                if name == "id":
                    self._hid = str(value)
                else:
                    self[name] = value
            else:
                if key in INSTANCE_REFUSED:
                    check_instance_attribute(self, key)
                object.__setattr__(self, key, value)
                self._mark(F_ATTRS | F_HOOKS if key in _HOOK_NAMES else F_ATTRS)
                if plain is None:
                    plain = {}
                plain[key] = value
        parent = _core.stack_top()
        _core.stack_push(self)
        try:
            if plain:
                self.init(*args, **plain)
            else:
                self.init(*args)
        finally:
            _core.stack_pop()
        if self._htag_scope is not None:
            for klass in type(self).__mro__:
                scope = klass.__dict__.get("_htag_scope")
                if scope:
                    self.add_class(scope)
        self._compact()  # the static leaves built by init() need no Python objects
        if parent is not None:
            parent.add(self)

    def init(self, *args: Any, **kwargs: Any) -> None:
        """Builds the component; by default adds the positional args as children."""
        if args:
            self.add(*args)

    def on_mount(self) -> Any:
        """Called when attached under the App (and after a page reload)."""

    def on_unmount(self) -> Any:
        """Called when detached from the App (and before a page reload)."""

    # -- tree ---------------------------------------------------------------

    # `with Tag.div(): Tag.p("x")` (Node.__enter__/__exit__): tags created in the
    # block join this one, exactly as tags created inside `init` do.

    @property
    def id(self) -> str:
        """The element's `id`: the one set with `tag.id = ...` (or `tag["id"]`), else the
        internal id (also `_id=...`); events find the tag by the internal id either way."""
        given = self._get_attr("id")
        return given if type(given) is str else self._hid

    @id.setter
    def id(self, value: str) -> None:
        self["id"] = value

    def _guard(self) -> Any:
        app = self.root
        return app._lock if app is not None else nullcontext()

    def add(self, *items: Any) -> GTag:
        """Appends children: str, tags, lists/tuples, callables and States (reactive)."""
        if any(isinstance(i, _SEQUENCES) and type(i) is not StateProxy for i in items):
            items = tuple(_flatten_items(items, []))
        app = self.root
        moved: list[GTag] = []
        for item in items:
            if isinstance(item, GTag):
                parent = item.parent
                if parent is None:
                    continue
                if item is self or item in self._ancestors():
                    raise ValueError("a tag cannot contain itself or one of its ancestors")
                if app is not None and parent.root is app:
                    moved.append(item)  # a move inside the App: detached below, stays mounted
                else:
                    item.remove()
            elif callable(item):
                self._uses_lambda(item)
        hooked = None
        with self._guard():
            for item in moved:
                parent = item.parent
                if parent is not None and parent._remove_child(item):
                    app._engine.content_changed(parent)
            nodes = self._append(items)
            if app is not None:
                app._engine.content_changed(self)
                if nodes:
                    if moved:
                        kept = {id(m) for m in moved}
                        nodes = [n for n in nodes if id(n) not in kept]
                    hooked = app._engine.mount(nodes)
        if hooked:  # user hooks run once the App's lock is released
            app._engine.run_hooks(hooked, "on_mount")
        return self

    def __iadd__(self, other: Any) -> GTag:  # noqa: PYI034 - typing.Self needs Python 3.11
        return self.add(other)

    def __le__(self, other: Any) -> GTag:
        return self.add(other)

    def __lshift__(self, other: Any) -> Any:
        raise TypeError("'<<' is not supported by htag: use 'tag <= child' or 'tag += child'")

    def __add__(self, other: Any) -> list[Any]:
        return [self, *other] if isinstance(other, list) else [self, other]

    def __radd__(self, other: Any) -> list[Any]:
        return [*other, self] if isinstance(other, list) else [other, self]

    def remove(self, item: Any = None) -> GTag:
        """Removes a child, or (without argument) removes this tag from its parent.
        Removing what is not a child does nothing (as in htag 2)."""
        if item is None:
            parent = self.parent
            if parent is not None:
                parent.remove(self)
            return self
        hooked = None
        with self._guard():
            app = self.root
            if not self._remove_child(item):
                return self
            if app is not None:
                app._engine.content_changed(self)
            if isinstance(item, GTag):
                hooked = app._engine.unmount([item]) if app is not None else None
            else:
                dropped = _drop_generated(self, [item])
                hooked = app._engine.unmount(dropped, built=True) if app is not None else None
        if hooked:
            app._engine.run_hooks(hooked, "on_unmount")
        return self

    def clear(self, *items: Any) -> GTag:
        """Removes every child, then adds `items`."""
        hooked = None
        with self._guard():
            built = self._flags & F_EXTRA and "_htag_generated" in self.__dict__
            sources = [c for c in self.childs if callable(c) and not isinstance(c, GTag)] if built else []
            dropped = _drop_generated(self, sources)
            removed = self._clear()
            app = self.root
            if app is not None:
                app._engine.content_changed(self)
                hooked = app._engine.unmount(removed) + app._engine.unmount(dropped, built=True)
        if hooked:
            app._engine.run_hooks(hooked, "on_unmount")
        if items:
            self.add(*items)
        return self

    @property
    def text(self) -> str:
        """The tag's string children joined; `t.text = v` replaces all children by `str(v)`."""
        return self._text()

    @text.setter
    def text(self, value: Any) -> None:
        text = str(value)
        # unchanged only when the sole child is that very plain string: a lone tag,
        # lambda or HTML child also has `_text() == ""`-like values but must go.
        if self._child_count() == 1:
            (only,) = self.childs
            if type(only) is str and only == text:
                return
        self.clear(text)

    # -- attributes and events -------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        if not isinstance(name, str):
            raise TypeError(f"tag indices must be strings, not {type(name).__name__}")
        name = name.replace("_", "-")
        events = self.__dict__.get("_htag_events")
        if events and name.startswith("on") and name[2:] in events:
            return events[name[2:]]
        if name == "id":
            return self._get_attr("id") or self._hid
        value = self._get_attr(name)
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __setitem__(self, name: str, value: Any) -> None:
        name = name.replace("_", "-")
        if name.startswith("on") and callable(value) and not isinstance(value, State):
            events = self.__dict__.get("_htag_events")
            if events is None:
                events = self.__dict__["_htag_events"] = {}
            events[name[2:]] = value
            if not self._flags & F_EVENTS:
                self._mark(F_EVENTS)
                app = self.root
                if app is not None and not app._building:
                    app._engine.index[self._hid] = self  # event targets are found in O(1)
            flags = event_flags(value)
            js = f"htag_on(this,event,{flags})" if flags else "htag_on(this,event)"
            self._store_attr(name, js)
            return
        if name.startswith("on"):
            events = self.__dict__.get("_htag_events")
            if events:
                events.pop(name[2:], None)
        if isinstance(value, State) or (callable(value) and not isinstance(value, str)):
            self._uses_lambda(value)
        self._store_attr(name, value)

    def _store_attr(self, name: str, value: Any) -> None:
        with self._guard():
            reactive = callable(value)
            if not reactive:
                old = self._get_attr(name)
                if old is None:
                    if value is None or value is False:
                        return  # absent and staying absent: no change to send
                elif not callable(old) and _same_attr(old, value):
                    return
            self._set_attr(name, value)
            app = self.root
            if app is not None:
                if name == "id":
                    app._engine.content_changed(self)
                else:
                    app._engine.attr_changed(self, None if reactive else name)

    def __delitem__(self, name: str) -> None:
        name = name.replace("_", "-")
        events = self.__dict__.get("_htag_events")
        if events and name.startswith("on"):
            events.pop(name[2:], None)
        with self._guard():
            if not self._del_attr(name):
                raise KeyError(name)
            app = self.root
            if app is not None:
                app._engine.content_changed(self) if name == "id" else app._engine.attr_changed(self, name)

    def _event_handler(self, name: str) -> Callable[..., Any] | None:
        events = self.__dict__.get("_htag_events")
        return events.get(name) if events else None

    # -- class helpers -------------------------------------------------------

    def _classes(self) -> list[str]:
        value = self._get_attr("class")
        if value is None:
            return []
        if callable(value):
            value = value()
        return str(value).split() if value else []

    def has_class(self, name: str) -> bool:
        return name in self._classes()

    def add_class(self, name: str) -> GTag:
        value = self._get_attr("class")
        if callable(value):
            if not (isinstance(value, ReactiveClass) and name in value.added):
                self["class"] = ReactiveClass.wrap(value, add={name})
        elif name not in self._classes():
            self["class"] = " ".join([*self._classes(), name])
        return self

    def remove_class(self, name: str) -> GTag:
        value = self._get_attr("class")
        if callable(value):
            if not (isinstance(value, ReactiveClass) and name in value.removed):
                self["class"] = ReactiveClass.wrap(value, remove={name})
        elif name in self._classes():
            # htag 2 keeps an empty `class=""` once the last class is gone
            self["class"] = " ".join(c for c in self._classes() if c != name)
        return self

    def toggle_class(self, name: str) -> GTag:
        return self.remove_class(name) if self.has_class(name) else self.add_class(name)

    # -- updates -------------------------------------------------------------

    def call_js(self, script: str) -> GTag:
        """Runs the JavaScript `script` in the client with the next update."""
        with self._guard():
            app = self.root
            if app is not None:
                app._engine.queue_js(script)
            else:
                self.__dict__.setdefault("_htag_pending_js", []).append(script)
                self._mark(F_EXTRA)
        return self

    def download(self, data: DownloadSource, filename: str, media_type: str | None = None) -> None:
        """Sends `data` to the browser as a file named `filename` (it saves it; the page stays):
        bytes, a path, or a (sync or async) generator of bytes, streamed. `media_type`
        defaults to a guess from `filename`. The server makes a one-time URL for it, bound to
        this session and valid for `WebApp(download_timeout=...)` seconds (docs/security.md)."""
        app = self.root
        offer = app.__dict__.get(DOWNLOAD_OFFER) if app is not None else None
        if offer is None:
            raise HtagError("download() needs a tag of an App that htag's server serves")
        # the request being answered (a callback's), else the App's latest (a thread of its own)
        url = offer(Download(data, filename, media_type), current_request.get() or app._current_request)
        self.call_js(f"htag.download({js_string(url)})")

    def update(self, throttle: float | None = None) -> None:
        """Schedules a UI sync of this tag (default throttle 50 ms; 0 sends at once)."""
        with self._guard():
            app = self.root
            if app is not None:
                app._engine.content_changed(self)
                app._engine.schedule(throttle)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in INSTANCE_REFUSED:
            check_instance_attribute(self, name)
        object.__setattr__(self, name, value)
        if name in _NODE_FIELDS:
            return  # stored in Rust, with its own change tracking
        if not self._flags & F_ATTRS:
            self._mark(F_ATTRS)  # this object now holds state: it must stay an object
        if name in _HOOK_NAMES:
            self._mark(F_HOOKS)  # htag 2: `tag.on_mount = f` is called like the method
        if name[0] != "_":
            if name == "statics":
                self._mark(F_EXTRA)
            app = self.root
            if app is not None:
                if name == "statics":
                    app._engine.add_statics(wire_statics(render_statics(value)))
                app._engine.plain_attribute_changed()

    def _uses_lambda(self, obj: Any) -> None:
        """Lambdas may read anything; the App re-checks them when plain attributes change."""
        if isinstance(obj, State):
            return
        if "_htag_lambda" not in self.__dict__:
            self.__dict__["_htag_lambda"] = True
            self._mark(F_LAMBDA)
            app = self.root
            if app is not None:
                app._engine.watch_lambdas(self)

    def _dependent(self, kind: int) -> Any:
        """The observer a State notifies: the tag itself for its content (no extra
        object per tag), a small `_Dependent` for its attributes."""
        if kind == CONTENT:
            return self
        dep = self.__dict__.get("_htag_dep_attrs")
        if dep is None:
            dep = self.__dict__["_htag_dep_attrs"] = _Dependent(self)
        return dep

    # -- rendering -----------------------------------------------------------

    def __str__(self) -> str:
        app = self.root
        with app._lock if app is not None else nullcontext():
            html = self._render()
        if app is not None:  # hooks of tags that reactive children built or dropped
            app._engine.run_deferred()
        return html

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.tag or 'fragment'} id={self._hid!r}>"

    @property
    def request(self) -> Any:
        """The current Starlette Request/WebSocket of the session (while a server builds
        or renders the App: the request it is answering, see `context.py`)."""
        app = self.root
        request = app._current_request if app is not None else None
        return request if request is not None else current_request.get()


register_api(GTag)


def js_string(text: str) -> str:
    """A JavaScript string literal of `text`, safe anywhere (even inside a <script>)."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_NO_NAME = object()
_SEQUENCES = (list, tuple)


def _named_by_args(cls: type[GTag]) -> bool:
    """Whether instances of `cls` take their element name from their first argument."""
    return cls._htag_tag is None and not cls._htag_fragment


def _same_attr(old: Any, new: Any) -> bool:
    if new is True:
        return old is True
    if new is None or new is False:
        return False
    return old is not True and old == str(new)


def _flatten_items(items: Any, out: list[Any]) -> list[Any]:
    for item in items:
        if isinstance(item, _SEQUENCES) and type(item) is not StateProxy:  # a proxy is reactive
            _flatten_items(item, out)
        else:
            out.append(item)
    return out


def _drop_generated(owner: GTag, sources: list[Any]) -> list[GTag]:
    """Forgets the tags built by reactive children `sources` (being removed from `owner`)."""
    generated = owner.__dict__.get("_htag_generated")
    out: list[GTag] = []
    if generated:
        for source in sources:
            for node in generated.pop(id(source), ()):
                if node.parent is owner:
                    node._adopt(None)
                out.append(node)
    return out
