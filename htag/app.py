"""The App: the root tag of a session, and its update engine.

Mutations of mounted tags report here (`_content_changed`, `_attr_changed`); the
App keeps a dirty set instead of walking the tree, an `id -> tag` index for event
targets, and the statics it has sent. `next_frame()` turns what changed into the
smallest update frame (see docs/protocol.md): only topmost changed tags, nothing
when the output did not change, attribute patches when only attributes changed.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from .statics import class_statics, render_statics
from .tag import F_EVENTS, F_EXTRA, F_FORM, F_HOOKS, F_LAMBDA, F_STATICS, GTag

INDEXED = F_EVENTS | F_FORM

Frame = dict[str, Any]


class _ASGI:
    """`App.app` / `app.app`: the ASGI application serving this App (cached)."""

    def __get__(self, obj: App | None, cls: type[App]) -> Any:
        owner = obj if obj is not None else cls
        webapp = owner.__dict__.get("_htag_webapp")
        if webapp is None:
            from .web import WebApp

            webapp = WebApp(owner)
            (type.__setattr__ if obj is None else object.__setattr__)(owner, "_htag_webapp", webapp)
        return webapp.app


class App(GTag):
    """Base class of an htag application (also `Tag.App`); renders as `<body>`."""

    _htag_tag = "body"
    app = _ASGI()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        setup = object.__setattr__
        setup(self, "_lock", threading.RLock())
        setup(self, "_index", {})
        setup(self, "_retiring", {})
        setup(self, "_retired", {})
        setup(self, "_dirty_content", set())
        setup(self, "_dirty_attrs", {})
        setup(self, "_lambda_tags", weakref.WeakSet())
        setup(self, "_lambdas_stale", False)
        setup(self, "_js", [])
        setup(self, "_statics", {})  # html -> sent to the current page?
        setup(self, "_static_classes", set())
        setup(self, "_live", False)
        setup(self, "_notifier", None)
        setup(self, "_current_request", None)
        setup(self, "_lifecycle", [])
        setup(self, "_deferred", [])  # (tags, hook) to run once the lock is released
        self._is_app = True
        # while the App builds itself, tags join the tree without being mounted one
        # by one; the whole tree is mounted in one walk at the end
        self._building = True
        try:
            super().__init__(*args, **kwargs)
        finally:
            self._building = False
        self._compact()
        with self._lock:
            hooks = self._mount([self])
        self._index[self._hid] = self
        self._run_hooks(hooks, "on_mount")

    def on_destroy(self) -> Any:
        """Called once when the session is discarded (never on a page reload)."""

    # -- index ---------------------------------------------------------------

    def find_tag(self, tag_id: str) -> GTag | None:
        """A mounted tag by internal id or by its HTML `id` (recently replaced ones too)."""
        tag = self._index.get(tag_id) or self._retiring.get(tag_id) or self._retired.get(tag_id)
        if tag is not None:
            return tag
        # only tags with events or form values are indexed; the rest is a walk in Rust
        with self._lock:
            return self._find(tag_id)

    # -- mounting ------------------------------------------------------------

    def _mount(self, nodes: Iterable[GTag], built: bool = False) -> list[GTag]:
        """Registers subtrees attached under the App; returns tags with hooks to run.
        Only nodes flagged as needing it (events, form values, hooks, statics,
        lambdas, extra state) are visited in Python, and indexed only if they can be
        an event target. Tags `built` by a lambda are all indexed: the Rust walk of
        `find_tag` does not reach them."""
        if self._building:
            return []
        hooked: list[GTag] = []
        index = self._index
        seen = self._static_classes
        for node in nodes:
            for tag in node._walk() if built else node._mount_walk():
                flags = tag._flags
                if built or flags & INDEXED:
                    index[tag._hid] = tag
                cls = type(tag)
                if flags & F_STATICS and cls not in seen:
                    seen.add(cls)
                    self._add_statics(class_statics(cls))
                if flags & F_HOOKS:
                    hooked.append(tag)
                if flags & (F_LAMBDA | F_EXTRA):
                    self._mount_extra(tag, tag.__dict__, hooked)
        return hooked

    def _mount_extra(self, tag: GTag, extra: dict[str, Any], hooked: list[GTag]) -> None:
        if "_htag_lambda" in extra:
            self._lambda_tags.add(tag)
        if "statics" in extra:
            self._add_statics(render_statics(extra["statics"]))
        js = extra.pop("_htag_pending_js", None)
        if js:
            self._js.extend(js)
        generated = extra.get("_htag_generated")
        if generated:
            for nodes in generated.values():
                hooked.extend(self._mount(nodes, built=True))

    def _unmount(self, nodes: Iterable[GTag], keep_index: bool = False, built: bool = False) -> list[GTag]:
        """Forgets detached subtrees; returns tags with hooks to run. Tags replaced by
        a re-render stay findable for two frames, so a click on them still lands."""
        hooked: list[GTag] = []
        for node in nodes:
            for tag in node._walk() if built else node._mount_walk():
                flags = tag._flags
                if built or flags & INDEXED:
                    hid = tag._hid
                    if self._index.get(hid) is tag:
                        del self._index[hid]
                        if keep_index:
                            self._retiring[hid] = tag
                if flags & F_LAMBDA:
                    self._lambda_tags.discard(tag)
                if flags & F_HOOKS:
                    hooked.append(tag)
                if flags & F_EXTRA:
                    for generated in tag.__dict__.get("_htag_generated", {}).values():
                        hooked.extend(self._unmount(generated, keep_index, built=True))
        return hooked

    def _run_hooks(self, tags: list[GTag], hook: str) -> None:
        """Runs on_mount/on_unmount; generators and coroutines wait for a client."""
        for tag in tags:
            result = getattr(tag, hook)()
            if inspect.isgenerator(result) or inspect.isasyncgen(result) or inspect.iscoroutine(result):
                self._lifecycle.append(result)
                self._schedule()

    def _defer_hooks(self, tags: list[GTag], hook: str) -> None:
        if tags:
            self._deferred.append((tags, hook))

    def _run_deferred(self) -> None:
        """Runs the hooks queued while rendering (see `_resolve_child`)."""
        while self._deferred:
            with self._lock:
                pending, self._deferred[:] = list(self._deferred), []
            for tags, hook in pending:
                self._run_hooks(tags, hook)

    def _take_lifecycle(self) -> list[Any]:
        with self._lock:
            pending, self._lifecycle[:] = list(self._lifecycle), []
        return pending

    def _remount(self) -> None:
        """A page reload: every tag gets on_unmount, then on_mount."""
        with self._lock:
            tags = [t for t in self._mount_walk() if t._flags & F_HOOKS]
        self._run_hooks(tags, "on_unmount")
        self._run_hooks(tags, "on_mount")

    # -- change tracking -----------------------------------------------------

    @staticmethod
    def _element_of(tag: GTag | None) -> GTag | None:
        """A fragment has no element of its own: its nearest element is re-sent."""
        while tag is not None and not tag.tag:
            tag = tag.parent
        return tag

    def _content_changed(self, tag: GTag) -> None:
        if self._live:
            element = self._element_of(tag)
            if element is not None:
                self._dirty_content.add(element)
                self._schedule()

    def _attr_changed(self, tag: GTag, name: str | None) -> None:
        """`name` None: re-evaluate the tag's reactive attributes."""
        if self._live and tag.tag:  # a fragment renders no attributes
            names = self._dirty_attrs.get(tag)
            if names is None:
                names = self._dirty_attrs[tag] = set()
            names.add(name)
            self._schedule()

    def _plain_attribute_changed(self) -> None:
        if self._live and self._lambda_tags:
            self._lambdas_stale = True
            self._schedule()

    def _queue_js(self, js: str) -> None:
        self._js.append(js)
        self._schedule()

    def _add_statics(self, items: Iterable[str]) -> None:
        for html in items:
            if html not in self._statics:
                self._statics[html] = False

    def _schedule(self, throttle: float | None = None) -> None:
        notifier = self._notifier
        if notifier is not None:
            notifier(throttle)

    def _set_notifier(self, notifier: Callable[[float | None], None] | None) -> None:
        """The server's callback, called from any thread when something changed."""
        object.__setattr__(self, "_notifier", notifier)

    # -- frames --------------------------------------------------------------

    def render_page(self) -> tuple[list[str], str]:
        """(every static, body HTML) for a fresh page; starts change tracking."""
        with self._lock:
            for html in self._statics:
                self._statics[html] = True
            body = self._render_everything()
            statics = list(self._statics)
        self._run_deferred()
        return statics, body

    def full_frame(self) -> Frame:
        """The whole body, for a new connection (statics the page lacks included)."""
        with self._lock:
            frame: Frame = {"action": "update", "updates": {self._hid: self._render_everything()}}
            self._attach_pending(frame)
        self._run_deferred()
        return frame

    def _render_everything(self) -> str:
        object.__setattr__(self, "_live", True)
        self._dirty_content.clear()
        self._dirty_attrs.clear()
        object.__setattr__(self, "_lambdas_stale", False)
        html, _ = self._render_client()
        return html

    def next_frame(self) -> Frame | None:
        """The update frame for everything changed since the last one, or None."""
        with self._lock:
            frame = self._next_frame()
        self._run_deferred()
        return frame

    def _next_frame(self) -> Frame | None:
        with self._lock:
            self._retired, self._retiring = self._retiring, {}
            content, attrs = self._dirty_content, self._dirty_attrs
            if not (content or attrs or self._lambdas_stale or self._js) and all(self._statics.values()):
                return None
            object.__setattr__(self, "_dirty_content", set())
            object.__setattr__(self, "_dirty_attrs", {})
            if self._lambdas_stale:
                object.__setattr__(self, "_lambdas_stale", False)
                for tag in list(self._lambda_tags):
                    has_children, has_attrs = tag._reactivity()
                    if has_children:
                        element = self._element_of(tag)
                        if element is not None:
                            content.add(element)
                    if has_attrs and tag.tag:
                        attrs.setdefault(tag, set()).add(None)
            frame: Frame = {"action": "update"}
            updates, ops = self._diff(content, attrs)
            if updates:
                frame["updates"] = updates
            if ops:
                frame["ops"] = ops
            self._attach_pending(frame)
            return frame if len(frame) > 1 else None

    def _attach_pending(self, frame: Frame) -> None:
        new = [html for html, sent in self._statics.items() if not sent]
        if new:
            frame["statics"] = new
            for html in new:
                self._statics[html] = True
        if self._js:
            frame["js"] = list(self._js)
            self._js.clear()

    def _covered(self, tag: GTag, content: set[GTag]) -> bool | None:
        """None when `tag` is no longer mounted here; True when an ancestor is re-sent."""
        chain = tag._ancestors()
        if (chain[-1] if chain else tag) is not self:
            return None
        return any(a in content for a in chain)

    def _diff(self, content: set[GTag], attrs: dict[GTag, set[str | None]]) -> tuple[dict[str, str], list]:
        updates: dict[str, str] = {}
        for tag in content:
            if self._covered(tag, content) is False:
                html, changed = tag._render_client()
                if changed:
                    updates[tag._hid] = html
                    tag._forget_sent()
        ops: list[list[Any]] = []
        for tag, names in attrs.items():
            if tag in content or self._covered(tag, content) is not False:
                continue
            hid = tag._hid
            before = len(ops)
            if None in names:
                ops.extend(["attr", hid, name, value] for name, value in tag._changed_dynamic_attrs())
            ops.extend(["attr", hid, name, tag._render_attr(name)] for name in names if name is not None)
            if len(ops) > before:
                tag._forget_sent(itself=True)
        return updates, ops
