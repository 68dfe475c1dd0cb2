"""The update engine of one App: what changed, and the smallest frame that says it.

Mutations of mounted tags report here (`content_changed`, `attr_changed`, and a
tag's `state_changed` when a State it read changes). What changed is tracked in Rust
(`_core.Changes`, the base class: marks instead of a walk of the tree, and the diff);
this class adds an `id -> tag` index of event targets, the statics it has sent, the
lifecycle hooks waiting for a client and the JavaScript to run. `next_frame()` turns
what changed into the smallest update (docs/protocol.md): only the topmost changed
tags, nothing when the output did not change, attribute patches when only attributes
changed.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .._core import F_EVENTS, F_EXTRA, F_FORM, F_HOOKS, F_LAMBDA, F_STATICS, Changes
from .frames import UpdateFrame
from .statics import Static, class_statics, render_statics, wire_html, wire_statics
from .tag import GTag

if TYPE_CHECKING:
    from .app import App

INDEXED = F_EVENTS | F_FORM
NO_TAGS: frozenset[GTag] = frozenset()

Notifier = Callable[[float | None], None]


class UpdateEngine(Changes):
    """Inherited from `Changes` (Rust): `live`, `notifier`, `content_changed(tag)`,
    `attr_changed(tag, name)`, `schedule(throttle)`, `hush()`/`unhush()`, the marks and
    `_diff`."""

    __slots__ = (
        "app",
        "deferred",
        "hook_runner",
        "index",
        "js",
        "lambda_tags",
        "lambdas_stale",
        "lifecycle",
        "lock",
        "retired",
        "retiring",
        "starting",
        "static_classes",
        "statics",
        "unsent_statics",
        "version",
    )

    def __init__(self, app: App) -> None:
        self.app = app
        self.lock = threading.RLock()
        self.index: dict[str, GTag] = {}  # event targets by hid
        self.retiring: dict[str, GTag] = {}  # replaced by a re-render: findable two frames more
        self.retired: dict[str, GTag] = {}
        # a WeakSet costs ~900 bytes even empty: most Apps have no lambda, so none until the first
        self.lambda_tags: weakref.WeakSet[GTag] | frozenset[GTag] = NO_TAGS
        self.lambdas_stale = False
        self.js: list[str] = []
        # each static as sent (html, or a shared `Static` asset) -> sent to the current page?
        self.statics: dict[str | Static, bool] = {}
        self.unsent_statics = False  # some of `statics` are False (a frame need not look)
        self.static_classes: set[type] = set()
        self.version = 0  # bumped by every render the client receives
        self.lifecycle: list[Any] = []  # generators/coroutines of hooks, waiting for a server
        # the server's runner of those once it serves this App (any thread may call it)
        self.hook_runner: Callable[[Any], None] | None = None
        # the App's own tree, built by its init: mounted when the App is first served
        self.starting: list[GTag] = []
        self.deferred: list[tuple[list[GTag], str]] = []  # hooks to run once the lock is released

    # -- mounting ------------------------------------------------------------

    def mount(self, nodes: Iterable[GTag], built: bool = False) -> list[GTag]:
        """Registers subtrees attached under the App; returns tags with hooks to run.
        Only nodes flagged as needing it (events, form values, hooks, statics,
        lambdas, extra state) are visited in Python, and indexed only if they can be
        an event target. Tags `built` by a lambda are all indexed: the Rust walk of
        `find_tag` does not reach them."""
        if self.app._building:
            return []
        hooked: list[GTag] = []
        index = self.index
        seen = self.static_classes
        for node in nodes:
            for tag in node._walk() if built else node._mount_walk():
                flags = tag._flags
                if built or flags & INDEXED:
                    index[tag._hid] = tag
                cls = type(tag)
                if flags & F_STATICS and cls not in seen:
                    seen.add(cls)
                    self.add_statics(class_statics(cls))
                if flags & F_HOOKS:
                    hooked.append(tag)
                if flags & (F_LAMBDA | F_EXTRA):
                    self._mount_extra(tag, tag.__dict__, hooked)
        return hooked

    def _mount_extra(self, tag: GTag, extra: dict[str, Any], hooked: list[GTag]) -> None:
        if "_htag_lambda" in extra:
            self.watch_lambdas(tag)
        if "statics" in extra:
            self.add_statics(wire_statics(render_statics(extra["statics"])))
        js = extra.pop("_htag_pending_js", None)
        if js:
            self.js.extend(js)
        generated = extra.get("_htag_generated")
        if generated:
            for nodes in generated.values():
                hooked.extend(self.mount(nodes, built=True))

    def unmount(self, nodes: Iterable[GTag], keep_index: bool = False, built: bool = False) -> list[GTag]:
        """Forgets detached subtrees; returns tags with hooks to run. Tags replaced by
        a re-render stay findable for two frames, so a click on them still lands."""
        hooked: list[GTag] = []
        index = self.index
        for node in nodes:
            for tag in node._walk() if built else node._mount_walk():
                flags = tag._flags
                if built or flags & INDEXED:
                    hid = tag._hid
                    if index.get(hid) is tag:
                        del index[hid]
                        if keep_index:
                            self.retiring[hid] = tag
                if flags & F_LAMBDA and self.lambda_tags:
                    self.lambda_tags.discard(tag)  # type: ignore[union-attr]
                if flags & F_HOOKS:
                    hooked.append(tag)
                if flags & F_EXTRA:
                    for generated in tag.__dict__.get("_htag_generated", {}).values():
                        hooked.extend(self.unmount(generated, keep_index, built=True))
        return hooked

    def find(self, tag_id: str) -> GTag | None:
        """An event target by hid (recently replaced ones too), else a walk in Rust."""
        tag = self.index.get(tag_id) or self.retiring.get(tag_id) or self.retired.get(tag_id)
        if tag is not None:
            return tag
        with self.lock:
            return self.app._find(tag_id)

    # -- lifecycle hooks -----------------------------------------------------

    def run_hooks(self, tags: list[GTag], hook: str) -> None:
        """Runs on_mount/on_unmount. A generator or coroutine they return goes to the
        server's runner (on the session's event loop, right after the current callback),
        or waits for a server when none serves this App yet."""
        for tag in tags:
            result = getattr(tag, hook)()
            if inspect.isgenerator(result) or inspect.isasyncgen(result) or inspect.iscoroutine(result):
                runner = self.hook_runner
                if runner is not None:
                    runner(result)
                else:
                    self.lifecycle.append(result)
                    self.schedule()

    def start(self) -> None:
        """Mounts the App's own tree (`on_mount` of the App and of what its init built)
        the first time it is served, as htag 2's WebApp does: building an App outside
        an event loop (a plain test) never runs a hook that starts a task."""
        if self.starting:
            with self.lock:
                hooks, self.starting = self.starting, []
            self.run_hooks(hooks, "on_mount")

    def defer_hooks(self, tags: list[GTag], hook: str) -> None:
        if tags:
            self.deferred.append((tags, hook))

    def run_deferred(self) -> None:
        """Runs the hooks queued while rendering (see `render_hooks._resolve_child`)."""
        while self.deferred:
            with self.lock:
                pending, self.deferred[:] = list(self.deferred), []
            for tags, hook in pending:
                self.run_hooks(tags, hook)

    def take_lifecycle(self) -> list[Any]:
        with self.lock:
            pending, self.lifecycle[:] = list(self.lifecycle), []
        return pending

    # -- change tracking (the rest is `Changes`) ------------------------------

    def watch_lambdas(self, tag: GTag) -> None:
        """`tag` renders a lambda: re-checked when a plain attribute changes."""
        if not self.lambda_tags:
            self.lambda_tags = weakref.WeakSet()
        self.lambda_tags.add(tag)  # type: ignore[union-attr]

    def plain_attribute_changed(self) -> None:
        if self.live and self.lambda_tags:
            self.lambdas_stale = True
            self.schedule()

    def queue_js(self, js: str) -> None:
        self.js.append(js)
        self.schedule()

    def add_statics(self, items: Iterable[str | Static]) -> None:
        statics = self.statics
        for item in items:
            if item not in statics:
                statics[item] = False
                self.unsent_statics = True

    # -- frames --------------------------------------------------------------

    def render_page(self) -> tuple[list[str], str]:
        """(every static, body HTML) for a fresh page; starts change tracking."""
        self.start()
        with self.lock:
            for item in self.statics:
                self.statics[item] = True
            self.unsent_statics = False
            body = self._render_everything()
            statics = [wire_html(item) for item in self.statics]
        self.run_deferred()
        return statics, body

    def full_frame(self) -> UpdateFrame:
        """The whole body, for a new connection (statics the page lacks included)."""
        self.start()
        with self.lock:
            frame: UpdateFrame = {"action": "update", "updates": {self.app._hid: self._render_everything()}}
            self._attach_pending(frame)
        self.run_deferred()
        return frame

    def _render_everything(self) -> str:
        self.live = True
        self.forget_changes()
        self.lambdas_stale = False
        self.version += 1
        html, _ = self.app._render_client()
        return html

    def next_frame(self) -> UpdateFrame | None:
        """The update frame for everything changed since the last one, or None."""
        frame: UpdateFrame | None = None
        with self.lock:
            self.retired, self.retiring = self.retiring, {}
            if self.has_changes or self.lambdas_stale or self.unsent_statics or self.js:
                frame = {"action": "update"}
                if self.lambdas_stale:
                    self.lambdas_stale = False
                    for tag in list(self.lambda_tags):
                        has_children, has_attrs = tag._reactivity()
                        if has_children:
                            self._mark_changed(tag, content=True)
                        if has_attrs:
                            self._mark_changed(tag, content=False)
                if self.has_changes:
                    self._diff(self.app, frame)  # `updates` and `ops`
                if self.unsent_statics or self.js:
                    self._attach_pending(frame)
                if len(frame) == 1:  # what changed renders as the client has it
                    frame = None
                else:
                    self.version += 1
        if self.deferred:
            self.run_deferred()
        return frame

    def _attach_pending(self, frame: UpdateFrame) -> None:
        if self.unsent_statics:
            self.unsent_statics = False
            new = [item for item, sent in self.statics.items() if not sent]
            frame["statics"] = [wire_html(item) for item in new]
            for item in new:
                self.statics[item] = True
        if self.js:
            frame["js"] = list(self.js)
            self.js.clear()
