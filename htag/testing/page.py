"""`AsyncPage`: one browser tab on an htag App, driven by a test.

It loads the page over HTTP (cookies kept), opens the WebSocket, and from then on
behaves as `htag/client/src/` does: a user action dispatches DOM events to the htag
handlers of the markup (`events.py`), form values are synced (`htag:sync`) before any
event and after typing, and the frames the server sends are applied to a model of the
DOM (`dom.py`) in the order they arrive, whether they answer an action or were pushed
by a thread or a task. An action returns once the server has answered all it caused.

Failures are assertion errors: a missing or ambiguous target (with the HTML around),
a callback that raised (the server's error message), no answer in time. Their
functions set `__tracebackhide__`: pytest points at the test's line, not at ours.

Why one file over 500 lines: `AsyncPage` is the one object a test drives; its public
methods (reading, acting, waiting) share the page's state (the DOM model, the outbox,
the socket), so they are one class. What needs none of that state has its own module:
the DOM model (dom.py), selectors (select.py), the browser's event rules (events.py),
value syncing (sync.py), the transports (transport.py).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import mimetypes
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import orjson

from .cookies import Cookies
from .dom import ClientDOM, Element, hid_of, parse, radio_group, select_options, set_checked
from .element import ElementSnapshot
from .events import (
    KEY_EVENTS,
    PREVENT,
    describe_element,
    event_data,
    handlers_along,
    is_submitter,
    key_code,
    label_control,
    native_fields,
)
from .report import excerpt
from .scripts import OfferDownload, ReportHash, SetHash, as_hash, understood
from .select import (
    Target,
    Text,
    common_ancestor,
    container_hint,
    describe,
    find_text,
    parse_target,
    resolve,
    visible_text,
)
from .transport import Socket, Transport

DEFAULT_TIMEOUT = 10.0  # seconds for the server to answer an action
WAIT_TIMEOUT = 5.0  # seconds `wait_for` waits by default
MAX_RECONNECTS = 3  # dropped sockets in a row, without a frame, before the test fails
REFUSED = (1008, 1013)  # a foreign origin or a wrong token; a full server (docs/protocol.md)


class ServerError(AssertionError):
    """The server answered with an `error` frame (a callback raised, a refusal)."""

    def __init__(self, frame: dict[str, Any], what: str) -> None:
        self.frame = frame
        message = f"{what}: the server answered with an error: {frame.get('message', '')}"
        if frame.get("traceback"):
            message += "\n\n" + frame["traceback"]
        super().__init__(message)


class AsyncPage:
    """The async face of the testing client (see `htag.testing.Client`)."""

    def __init__(self, transport: Transport, path: str = "/", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.transport = transport
        self.path, _, fragment = path.partition("#")
        self.location_hash = as_hash(fragment)  # the URL's fragment (`location.hash`)
        self.timeout = timeout
        self.cookies = Cookies()
        self.dom = ClientDOM("<body></body>", strict=False)
        self.errors: list[dict[str, Any]] = []  # error frames no action was waiting for
        self.config: dict[str, str] = {}
        self._socket: Socket | None = None
        self._inbox: deque[str] = deque()
        self._arrived = asyncio.Event()
        self._lock = threading.Lock()  # the sync face reads the DOM from another thread
        self._ids = itertools.count(1)
        self._pending: dict[str, tuple[str, Any] | None] = {}  # callback_id -> focus when sent
        self._replies: dict[str, dict[str, Any]] = {}
        self._pongs = 0
        self._reload_asked = False
        self._socket_closed: int | None | bool = False
        self._pending_syncs: dict[str, Element] = {}  # hid -> control whose sync waits
        self._last_synced: dict[str, Any] = {}  # hid -> the state the server last got
        self._outbox: list[dict[str, Any]] = []
        self._scripts_to_run: list[SetHash | ReportHash | OfferDownload] = []  # htag's own, see scripts.py
        self._offered: deque[str] = deque()  # download URLs offered (Tag.download), not fetched yet
        self._background: set[str] = set()  # callback ids of events no action waits for
        self._uploads: dict[str, list[bytes]] = {}  # upload id -> its files' contents (upload.js)
        self._chunks_to_send: list[dict[str, Any]] = []  # what the server's upload_ack asked for
        self.upload_errors: list[str] = []  # what the server refused (upload_error frames)
        self._form_navigation: tuple[str, str, list[tuple[str, str]]] | None = None  # a plain form's
        self._closed = False
        self._reconnects = 0  # in a row, without a frame between them
        self._generation: object | None = None  # the current socket's
        self.face: Any = self  # what `wait_for` gives a predicate: this page, or its sync face
        self.webapp: Any = None  # in-process, the WebApp serving the page

    # -- opening, reloading, closing ---------------------------------------------

    async def open(self) -> AsyncPage:
        await self.transport.start()
        try:
            await self._load(self.path)
            await self.settle()  # what the server sends at once (on_mount, a Router's question) is in
        except BaseException:
            await self.transport.stop()
            raise
        return self

    async def _load(self, path: str) -> None:
        """GET the page (its cookies kept), then its WebSocket: a browser's page load."""
        response = await self.transport.get(path, self.cookies.header())
        self.cookies.update(response.headers)
        if response.status != 200:
            raise AssertionError(f"GET {path} answered {response.status}: {response.text[:500]}")
        document = parse(response.text, strict=False)
        root = next((n for n in document if isinstance(n, Element) and n.tag == "html"), None)
        body = next((e for e in root.walk() if e.tag == "body"), None) if root else None
        if root is None or body is None:
            raise AssertionError(f"GET {path} is no htag page:\n{response.text[:500]}")
        self.config = {k[len("data-htag-") :]: v for k, v in root.attrs.items() if k.startswith("data-htag-")}
        body.parent = None
        with self._lock:
            self.dom = ClientDOM(body, strict=False)
            self.dom.title = next((e.text_content() for e in root.walk() if e.tag == "title"), None)
            self._pending_syncs.clear()
            self._last_synced.clear()
            self._inbox.clear()
        await self._connect()

    async def _connect(self) -> None:
        base = self.config.get("base", "/")
        query = "token=" + quote(self.config.get("token", ""))
        if self.config.get("version"):
            query += "&v=" + quote(self.config["version"])
        self._socket_closed = False
        generation = self._generation = object()  # what an older socket says is ignored

        def on_message(text: str) -> None:
            if generation is self._generation:
                self._reconnects = 0
                self._inbox.append(text)
                self._arrived.set()

        def on_close(code: int | None) -> None:
            if generation is self._generation:
                self._socket_closed = code if code is not None else True
                self._arrived.set()

        self._socket = await self.transport.open_socket(
            f"{base}ws?{query}",
            {**self.cookies.header(), "Origin": self.transport.base_url},
            on_message,
            on_close,
        )

    async def reload(self) -> None:
        """F5: the tab leaves its WebSocket (close code 1001, going away), loads the page
        again with the same cookie (the same session: the App is unmounted and mounted
        again, not created anew) and connects; the page is current, so no body follows."""
        __tracebackhide__ = True
        self._raise_errors()
        await self._open_page(self.path)

    async def _open_page(self, path: str) -> None:
        """The tab leaves its WebSocket (1001, going away) and loads `path`: what was waiting for
        that socket (replies, uploads) is given up, as the server forgets it too."""
        await self._drop_socket(1001)
        self._pending.clear()
        self._background.clear()
        self._uploads.clear()
        await self._load(path)

    async def _drop_socket(self, code: int) -> None:
        self._generation = None
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close(code)

    async def close(self) -> None:
        """Closes the tab (its WebSocket) and, in-process, the application (its
        lifespan ends: sessions are destroyed, `on_destroy` runs)."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._drop_socket(1001)
        finally:
            await self.transport.stop()
        self._raise_errors()

    # -- frames -----------------------------------------------------------------------

    def _decode(self, text: str) -> Any:
        key = self.config.get("parano")
        if key and not text.startswith("{"):
            from htag.server.codec import deobfuscate  # parano mode only

            text = deobfuscate(text, key.encode())
        return orjson.loads(text)

    def _encode(self, message: dict[str, Any]) -> str:
        text = orjson.dumps(message).decode()
        key = self.config.get("parano")
        if key:
            from htag.server.codec import obfuscate

            text = obfuscate(text, key.encode())
        return text

    def apply_arrived(self) -> None:
        """Applies the frames received so far, in order (the browser does it as they
        come; here, whenever the test looks or waits)."""
        with self._lock:
            while self._inbox and not self._reload_asked:
                frame = self._decode(self._inbox.popleft())
                self._handle(frame)

    def _handle(self, frame: dict[str, Any]) -> None:
        action = frame.get("action")
        cid = frame.get("callback_id")
        if action == "update":
            self.dom.apply(frame, self._pending.get(cid) if cid else None)
            self._scripts_to_run.extend(filter(None, map(understood, frame.get("js") or ())))
        elif action == "error" and not (cid and cid in self._pending):
            self.errors.append(frame)
        elif action == "reload":
            self._reload_asked = True  # the session is gone: the browser reloads
            self._inbox.clear()
        elif action == "pong":
            self._pongs += 1
        elif action == "upload_ack":
            self._answer_upload_ack(frame)
        elif action == "upload_error":
            self._uploads.pop(frame.get("upload"), None)
            self.upload_errors.append(str(frame.get("message")))
        if cid and cid in self._background:
            self._background.discard(cid)
            self._pending.pop(cid, None)
            if action == "error":
                self.errors.append(frame)
        elif cid and cid in self._pending:
            self._replies[cid] = frame

    async def _until(self, done: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
        """Applies frames as they arrive until `done()`; an AssertionError after `timeout`."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            self._arrived.clear()
            self.apply_arrived()
            if self._chunks_to_send:
                chunks, self._chunks_to_send = self._chunks_to_send, []
                await self._transmit(chunks)
            if self._scripts_to_run:
                await self._run_scripts()
            if self._reload_asked:
                await self._reload_for_server()
                continue
            if done():
                return
            if self._socket_closed is not False and not self._closed:
                await self._reconnect()
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{what()} (after {timeout:g} s). The page:\n{excerpt(self.dom.body)}")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def _reload_for_server(self) -> None:
        """The `reload` frame: the session no longer exists; the events sent are lost."""
        self._reload_asked = False
        for cid in list(self._pending):
            self._replies[cid] = {"action": "error", "message": "the session ended: the page reloaded"}
        self._pending.clear()
        self._background.clear()  # their replies will not come either
        await self._drop_socket(1001)
        await self._load(self.path)

    async def _reconnect(self) -> None:
        """A dropped WebSocket: the client connects again with its page's version (the
        server sends the body if anything changed); replies not received are lost. A
        socket refused or dropped again before any frame fails the test."""
        __tracebackhide__ = True
        code = self._socket_closed
        for cid in list(self._pending):
            self._replies[cid] = {"action": "error", "message": f"the connection closed (code {code})"}
        self._pending.clear()
        self._background.clear()  # their replies will not come either
        await self._drop_socket(1000)
        self._reconnects += 1
        if code in REFUSED or self._reconnects > MAX_RECONNECTS:
            raise AssertionError(
                f"the server closed the WebSocket (code {code}) and the page cannot reconnect"
            )
        try:
            await self._connect()
        except ConnectionError as e:
            raise AssertionError(f"the page cannot reconnect: {e}") from e

    # -- messages out ------------------------------------------------------------------

    def _queue_event(self, hid: str, event: str, data: dict[str, Any]) -> str:
        """`sendEvent` of events.js: pending syncs first, then the event; the focused
        control's state is remembered for the reply (see dom.ClientDOM.owns)."""
        self._queue_syncs()
        cid = f"t{next(self._ids)}"
        focused = self.dom.get(self.dom.focus.hid) if self.dom.focus.hid else None
        self._pending[cid] = (self.dom.focus.hid, focused.state()) if focused is not None else None
        self._outbox.append({"id": hid, "event": event, "data": {**data, "callback_id": cid}})
        return cid

    def _queue_syncs(self) -> None:
        for hid, el in self._pending_syncs.items():
            self._last_synced[hid] = el.state()
            data = {"checked": el.checked} if el.is_toggle() else {"value": el.control_value()}
            self._outbox.append({"id": hid, "event": "htag:sync", "data": data})
        self._pending_syncs.clear()

    def _schedule_sync(self, el: Element, force: bool = False) -> None:
        """`scheduleSync` of sync.js (sent without its debounce, at the end of the action)."""
        hid = hid_of(el)
        if not hid:
            return
        if hid not in self._pending_syncs and not force and self._last_synced.get(hid) == el.state():
            return
        self._pending_syncs[hid] = el

    def _drop_sync(self, el: Element) -> None:
        hid = hid_of(el)
        if hid and self._pending_syncs.pop(hid, None) is not None:
            self._last_synced[hid] = el.state()

    async def _send_outbox(self, what: str) -> Any:
        """Sends what the action produced, then waits for every reply (and, when syncs
        went last, for the server to have taken them: a ping's pong)."""
        __tracebackhide__ = True
        self._queue_syncs()
        messages, self._outbox = self._outbox, []
        if not messages:
            return None
        cids = [m["data"]["callback_id"] for m in messages if m.get("event") != "htag:sync"]
        barrier = messages[-1].get("event") == "htag:sync"
        pongs = self._pongs
        if barrier:
            messages.append({"action": "ping"})
        await self._transmit(messages)
        await self._until(
            lambda: all(c in self._replies for c in cids) and (not barrier or self._pongs > pongs),
            self.timeout,
            lambda: f"no answer from the server to {what}",
        )
        result = None
        for cid in cids:
            frame = self._replies.pop(cid)
            self._pending.pop(cid, None)
            if frame.get("action") == "error":
                raise ServerError(frame, what)
            result = frame.get("result")
        return result

    async def _transmit(self, messages: list[dict[str, Any]]) -> None:
        __tracebackhide__ = True
        if self._socket is None:
            raise AssertionError("the page is closed")
        if self._socket_closed is not False:  # as the browser's outbox: sent once connected again
            await self._reconnect()
        for message in messages:
            await self._socket.send_message(self._encode(message))

    async def _run_scripts(self) -> None:
        """Performs htag's own scripts the frames brought (scripts.py); the events they
        send are answered in the background (an error frame fails the next action)."""
        actions, self._scripts_to_run = self._scripts_to_run, []
        held, self._outbox = self._outbox, []
        for action in actions:
            if isinstance(action, SetHash):
                self._navigate(as_hash(action.fragment))
            elif isinstance(action, OfferDownload):
                self._offered.append(action.url)
            else:
                self._queue_event(action.hid, action.event, {"hash": self.location_hash})
        messages, self._outbox = self._outbox, held
        self._background.update(m["data"]["callback_id"] for m in messages if m.get("event") != "htag:sync")
        await self._transmit(messages)

    def _url(self, location_hash: str) -> str:
        return self.transport.base_url + self.path + location_hash

    def _navigate(self, location_hash: str) -> None:
        """The URL's fragment changes (a link, the address bar, `location.hash=`): when it
        differs, `hashchange` goes to the App's `onhashchange` (events.js forwards it)."""
        if location_hash == self.location_hash:
            return
        old, self.location_hash = self._url(self.location_hash), location_hash
        self._dispatch(self.dom.body, "hashchange", newURL=self._url(location_hash), oldURL=old)

    # -- finding ------------------------------------------------------------------------

    def _find_all(self, target: str | Target) -> list[Element]:
        parsed = parse_target(target) if isinstance(target, str) else target
        self.apply_arrived()
        return resolve(self.dom.body, parsed)

    def _one(self, target: str) -> Element:
        __tracebackhide__ = True
        parsed = parse_target(target)
        found = self._find_all(parsed)
        if len(found) == 1:
            return found[0]
        if not found:
            where = container_hint(self.dom.body, parsed)
            hint = ""
            if not isinstance(parsed, Text) and find_text(self.dom.body, target):
                hint = f" (but an element shows that text: say text={target})"
            raise AssertionError(
                f"no element for {describe(parsed)}{hint}; the page around:\n{excerpt(where)}"
            )
        listed = "\n".join(f"  {describe_element(el)}" for el in found[:10])
        raise AssertionError(
            f"{len(found)} elements for {describe(parsed)}, the test must say which one:\n{listed}\n"
            f"where they are:\n{excerpt(common_ancestor(found))}"
        )

    def find(self, target: str) -> ElementSnapshot:
        """The one element of `target` (a CSS selector or a visible text: see
        `htag.testing.select`); an AssertionError showing the HTML around when there is
        none or more than one."""
        __tracebackhide__ = True
        return ElementSnapshot.of(self._one(target))

    def find_all(self, target: str) -> list[ElementSnapshot]:
        """Every element of `target`, in document order (maybe none)."""
        return [ElementSnapshot.of(el) for el in self._find_all(target)]

    def exists(self, target: str) -> bool:
        return bool(self._find_all(target))

    def html(self, target: str | None = None) -> str:
        """The outer HTML of the body (or of the one element of `target`), as it stands."""
        __tracebackhide__ = True
        self.apply_arrived()
        return (self._one(target) if target else self.dom.body).outer_html()

    def text(self, target: str | None = None) -> str:
        """The visible text of the body (or of the one element of `target`)."""
        __tracebackhide__ = True
        self.apply_arrived()
        return visible_text(self._one(target) if target else self.dom.body)

    def value(self, target: str) -> Any:
        """The live value of a form control (what the user sees in it)."""
        return self.find(target).value

    @property
    def app(self) -> Any:
        """In-process, the App instance of this page's session (to look at, or to
        change from the test as a thread would; frames follow as for any change)."""
        if self.webapp is None:
            raise AttributeError("page.app is known in-process only (Client(MyApp), not Client(url=...))")
        token = self.config.get("token")
        for session in self.webapp.sessions.all():
            if session.token == token:
                return session.app
        raise AssertionError("this page's session no longer exists")

    @property
    def url(self) -> str:
        """The page's URL, its fragment included (`#/users/3` after a Router navigated)."""
        return self._url(self.location_hash)

    @property
    def scripts(self) -> list[str]:
        """The `js` of every frame since the page loaded, in order: recorded, never run."""
        return self.dom.scripts

    @property
    def title(self) -> str | None:
        self.apply_arrived()
        return self.dom.title

    # -- actions --------------------------------------------------------------------------

    def _control(self, target: str, kinds: str) -> Element:
        """The control of `target` (a label stands for its control)."""
        __tracebackhide__ = True
        el = self._one(target)
        if el.tag == "label":
            el = label_control(el, self.dom.body) or el
        if "disabled" in el.attrs:
            raise AssertionError(f"{describe_element(el)} is disabled:\n{excerpt(el.parent or el)}")
        if kinds == "text" and not (
            el.tag == "textarea" or (el.tag == "input" and not el.is_toggle() and el.input_type != "file")
        ):
            raise AssertionError(f"type() needs a text field, {target!r} is {describe_element(el)}")
        if kinds == "toggle" and not el.is_toggle():
            raise AssertionError(f"check() needs a checkbox or a radio, {target!r} is {describe_element(el)}")
        if kinds == "select" and el.tag != "select":
            raise AssertionError(f"select() needs a <select>, {target!r} is {describe_element(el)}")
        return el

    def _focus(self, el: Element | None) -> None:
        self.dom.focus.hid = hid_of(el) if el is not None and el.is_form_control() else None

    def _dispatch(self, el: Element, event: str, **extra: Any) -> bool:
        """Dispatches a DOM event at `el`: the value sync sees it first (capture phase),
        then each htag handler on the way up sends its event. True when one of them
        prevented the default action."""
        if event in ("input", "change") and el.is_form_control() and el.input_type != "file":
            self._schedule_sync(el)
            if el.input_type == "radio" and el.checked:  # the others of its group fire nothing
                for other in _radio_peers(el):
                    last = self._last_synced.get(hid_of(other) or "")
                    if "checked" in other.attrs or (last is not None and last[0]):
                        self._schedule_sync(other, force=True)
        prevented = False
        for handler in handlers_along(el, event):
            prevented = prevented or bool(handler.flags & PREVENT)
            self._drop_sync(handler.element)
            data = event_data(handler.element, event, **extra)
            self._queue_event(handler.hid, event, data)
        return prevented

    async def _act(self, what: str, steps: Callable[[], None]) -> Any:
        __tracebackhide__ = True
        self._raise_errors()
        self.apply_arrived()
        steps()
        result = await self._send_outbox(what)
        self._raise_errors()
        if self._form_navigation is not None:
            navigation, self._form_navigation = self._form_navigation, None
            await self._follow_form(*navigation)
        return result

    async def click(self, target: str) -> Any:
        """Clicks the element of `target`, as a user: its click handlers (and its
        ancestors') run; a checkbox or radio changes first (and fires input and change);
        a submit button submits its form; a label clicks its control. Returns the result
        of the last callback that answered (the reply's `result`)."""
        __tracebackhide__ = True
        el = self._one(target)
        if "disabled" in el.attrs:
            raise AssertionError(f"{describe_element(el)} is disabled:\n{excerpt(el.parent or el)}")
        return await self._act(f"click on {target!r}", lambda: self._click(el))

    def _click(self, el: Element) -> None:
        self._focus(el)
        before = el.checked
        group = radio_group(el) if el.input_type == "radio" else [el]
        states = [(r, r.checked) for r in group]  # a prevented click puts them all back
        if el.is_toggle():
            set_checked(el, not before if el.input_type == "checkbox" else True)
        prevented = self._dispatch(el, "click")
        if el.is_toggle():
            if prevented:
                for r, state in states:
                    r.live["checked"] = state
            elif el.checked != before:
                self._dispatch(el, "input")
                self._dispatch(el, "change")
            return
        if prevented:
            return
        form = el.closest("form")
        link = el.closest("a")
        if is_submitter(el) and form is not None:
            self._submit(form, el)
        elif link is not None and link.attrs.get("href", "").startswith("#"):
            self._navigate(as_hash(link.attrs["href"]))  # other links lead away: not followed
        elif el.tag == "label":
            control = label_control(el, self.dom.body)
            if control is not None and control is not el:
                self._click(control)

    async def type(self, target: str, text: str) -> None:
        """Fills the text field of `target` (an input, a textarea, or a label or a
        placeholder naming one) with `text`, replacing its value, and commits it, as a user
        typing then leaving the field: `input` then `change` fire (their handlers get
        the value), and the value is synced to the server (`htag:sync`) before this
        returns."""
        __tracebackhide__ = True
        el = self._control(target, "text")

        def steps() -> None:
            self._focus(el)
            el.live["value"] = text
            self._dispatch(el, "input")
            self._dispatch(el, "change")

        try:
            await self._act(f"type into {target!r}", steps)
        finally:
            self._focus(None)  # it was left: `change` fired

    async def check(self, target: str, checked: bool = True) -> None:
        """Checks (or, `checked=False`, unchecks) a checkbox or a radio, by clicking it
        when its state differs."""
        __tracebackhide__ = True
        el = self._control(target, "toggle")
        if not checked and el.input_type == "radio":
            raise AssertionError(f"a radio is unchecked by checking another one: {describe_element(el)}")
        if el.checked != checked:
            await self._act(f"check {target!r}", lambda: self._click(el))

    async def uncheck(self, target: str) -> None:
        await self.check(target, False)

    async def select(self, target: str, value: str | list[str]) -> None:
        """Chooses the option(s) of a `<select>` by value or by visible label (a list
        for a multiple select), then fires `input` and `change`."""
        __tracebackhide__ = True
        el = self._control(target, "select")
        wanted = [value] if isinstance(value, str) else list(value)
        options = el.options()
        values = []
        for w in wanted:
            match = next((o for o in options if o.option_value() == w), None) or next(
                (o for o in options if visible_text(o) == w), None
            )
            if match is None:
                raise AssertionError(f"no option {w!r} in {target!r}:\n{excerpt(el)}")
            values.append(match.option_value())
        if len(values) > 1 and "multiple" not in el.attrs:
            raise AssertionError(f"{target!r} is not a multiple select: choose one option")

        def steps() -> None:
            self._focus(el)
            select_options(el, values)
            self._dispatch(el, "input")
            self._dispatch(el, "change")

        try:
            await self._act(f"select {value!r} in {target!r}", steps)
        finally:
            self._focus(None)

    async def submit(self, target: str) -> Any:
        """Submits the form of `target` (the form, a field in it, or its submit button),
        as pressing Enter in it: its default button is clicked if it has one, else the
        form's `submit` handlers get its fields (`e.value`, see docs/protocol.md)."""
        __tracebackhide__ = True
        el = self._one(target)
        if is_submitter(el):
            return await self.click(target)
        form = el.closest("form")
        if form is None:
            raise AssertionError(f"{target!r} is in no form:\n{excerpt(el.parent or el)}")
        default = next((b for b in form.walk() if is_submitter(b) and "disabled" not in b.attrs), None)
        if default is not None:
            return await self._act(f"submit {target!r}", lambda: self._click(default))
        return await self._act(f"submit {target!r}", lambda: self._submit(form, None))

    def _submit(self, form: Element, submitter: Element | None) -> None:
        prevented = self._dispatch(form, "submit", submitter=submitter)
        if not prevented and not handlers_along(form, "submit"):
            # no htag handler: the browser submits the form itself, leaving the page
            method = (form.attrs.get("method") or "get").lower()
            self._form_navigation = (
                method,
                form.attrs.get("action") or self.path,
                native_fields(form, submitter),
            )

    async def _follow_form(self, method: str, action: str, fields: list[tuple[str, str]]) -> None:
        """A plain HTML form's submission: the page is left for the answer (a GET with the
        fields in the query, or a POST and the redirect that follows it: Post/Redirect/Get)."""
        __tracebackhide__ = True
        target = urljoin(self.path, action)
        if method != "post":
            await self._leave_for(target.split("?")[0] + "?" + urlencode(fields))
            return
        headers = {
            **self.cookies.header(),
            "Origin": self.transport.base_url,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        response = await self.transport.request("POST", target, headers, urlencode(fields).encode())
        self.cookies.update(response.headers)
        location = dict(response.headers).get("location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            raise AssertionError(
                f"POST {target} answered {response.status} without a redirect: htag.testing follows a "
                f"form post's redirect (Post/Redirect/Get) only:\n{response.text[:300]}"
            )
        await self._leave_for(urlsplit(location)._replace(scheme="", netloc="").geturl() or "/")

    async def _leave_for(self, path: str) -> None:
        """The tab goes to another page of the server: a new page load, its own socket."""
        self.path, self.location_hash = path, ""
        await self._open_page(path)

    async def press(self, target: str, key: str = "Enter") -> Any:
        """Presses a key on the element of `target` (focused first): `keydown` then
        `keyup` fire with `key` and `code`; Enter in a form's text field submits the form.
        It types nothing: use `type()` for text."""
        __tracebackhide__ = True
        el = self._one(target)

        def steps() -> None:
            self._focus(el)
            self._dispatch(el, "keydown", key=key, code=key_code(key))
            form = el.closest("form")
            if key == "Enter" and form is not None and el.tag == "input" and not el.is_toggle():
                default = next(
                    (b for b in form.walk() if is_submitter(b) and "disabled" not in b.attrs), None
                )
                if default is not None:
                    self._click(default)
                else:
                    self._submit(form, None)
            self._dispatch(el, "keyup", key=key, code=key_code(key))

        return await self._act(f"press {key!r} on {target!r}", steps)

    async def dispatch(self, target: str, event: str, **data: Any) -> Any:
        """Fires any DOM event at the element of `target` (its htag handlers and its
        ancestors' run); `data` is added to what the event carries."""
        __tracebackhide__ = True
        el = self._one(target)

        def steps() -> None:
            for handler in handlers_along(el, event):
                self._drop_sync(handler.element)
                payload = {**event_data(handler.element, event, **data), **data}
                if event in KEY_EVENTS and "key" in data and "code" not in data:
                    payload["code"] = key_code(data["key"])
                self._queue_event(handler.hid, event, payload)

        return await self._act(f"{event} on {target!r}", steps)

    async def go(self, fragment: str) -> None:
        """Goes to a URL fragment (`"#/users/3"`), as a link or the address bar would:
        `hashchange` reaches the App's `onhashchange` (a `Router` shows that page)."""
        __tracebackhide__ = True
        await self._act(f"go to {fragment!r}", lambda: self._navigate(as_hash(fragment)))
        await self.settle()  # the Router's echo, if any

    async def upload(self, target: str, *files: Any, event: str | None = None) -> Any:
        """Chooses `files` in the `<input type=file>` of `target` (its `change` handler gets
        them as `e.files`), or drops them on an element with a `drop` handler, as upload.js
        sends them: announced, then chunk by chunk as the server acknowledges each (progress
        callbacks run as in a browser). A file is a path, or `(name, bytes)` or `(name, bytes,
        media_type)`. Returns the callback's result; a refusal of the server (a size limit)
        is in `upload_errors`, and the callback still runs, with `e.error`."""
        __tracebackhide__ = True
        chosen = [file_of(f) for f in files]
        el = self._one(target)
        name = event or ("change" if el.input_type == "file" else "drop")
        if el.input_type == "file":  # what a browser's file input says it holds
            el.live["value"] = f"C:\\fakepath\\{chosen[0][0]}" if chosen else ""
        handlers = handlers_along(el, name)
        if not handlers:
            raise AssertionError(f"{describe_element(el)} has no {name} handler:\n{excerpt(el.parent or el)}")
        return await self._act(
            f"upload to {target!r}", lambda: self._queue_upload(handlers[0].element, name, chosen)
        )

    def _queue_upload(self, el: Element, event: str, files: list[tuple[str, bytes, str]]) -> None:
        """`startUpload` of upload.js: the event, announced with its files' names, types, sizes."""
        self._queue_syncs()
        cid, uid = f"t{next(self._ids)}", f"up{next(self._ids)}"
        self._pending[cid] = None
        self._uploads[uid] = [content for _, content, _ in files]
        self._outbox.append(
            {
                "id": hid_of(el),
                "event": event,
                "data": {**event_data(el, event), "callback_id": cid},
                "action": "upload",
                "upload": uid,
                "files": [{"name": n, "type": t, "size": len(c)} for n, c, t in files],
            }
        )

    def _answer_upload_ack(self, frame: dict[str, Any]) -> None:
        """`onUploadAck` of upload.js: the chunk the server asks for, or done."""
        uid = frame.get("upload")
        contents = self._uploads.get(uid)
        if contents is None:
            return
        if frame.get("done"):
            del self._uploads[uid]
            return
        index, offset, size = int(frame["file"]), int(frame["offset"]), int(frame["size"])
        piece = contents[index][offset : offset + size]
        self._chunks_to_send.append(
            {
                "action": "chunk",
                "upload": uid,
                "file": index,
                "offset": offset,
                "data": base64.b64encode(piece).decode(),
            }
        )

    async def download(self, timeout: float = WAIT_TIMEOUT) -> Downloaded:
        """The file the App offered (`Tag.download`), fetched as the browser does: its one-time
        URL, with the session's cookie; waits for the offer (a callback, a thread) up to
        `timeout` seconds. The oldest offer not fetched yet, once each."""
        __tracebackhide__ = True
        await self._until(lambda: bool(self._offered), timeout, lambda: "no download was offered")
        url = self.config.get("base", "/") + self._offered.popleft()
        response = await self.transport.get(url, self.cookies.header())
        if response.status != 200:
            raise AssertionError(f"GET {url} (a download) answered {response.status}: {response.text[:300]}")
        headers = {k.lower(): v for k, v in response.headers}
        return Downloaded(
            attachment_name(headers.get("content-disposition", "")),
            headers.get("content-type", "").split(";")[0],
            response.body,
        )

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for(self, target: str | Callable[[Any], Any], timeout: float = WAIT_TIMEOUT) -> Any:
        """Waits, applying the frames the server pushes (threads, tasks), until `target`
        is on the page (a selector or a visible text: returns its first element) or
        `target(page)` is truthy (returns that value). An AssertionError showing the page
        after `timeout` seconds; an error frame the server pushed meanwhile fails at once."""
        __tracebackhide__ = True
        self._raise_errors()
        found: list[Any] = []
        if isinstance(target, str):
            parsed = parse_target(target)

            def done() -> bool:
                self._raise_errors()
                hits = resolve(self.dom.body, parsed)
                found[:] = hits[:1]
                return bool(hits)

            await self._until(done, timeout, lambda: f"{describe(parsed)} never appeared")
            return ElementSnapshot.of(found[0])

        def holds() -> bool:
            self._raise_errors()
            value = target(self.face)
            found[:] = [value]
            return bool(value)

        await self._until(
            holds, timeout, lambda: f"{getattr(target, '__name__', 'the condition')} never held"
        )
        return found[0]

    async def settle(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Waits until the server has handled everything sent so far (a ping's pong), and
        applies what it sent meanwhile; a dropped socket is connected again first."""
        __tracebackhide__ = True
        while self._socket is not None:
            self.apply_arrived()
            if self._socket_closed is not False:
                await self._reconnect()
            pongs = self._pongs
            await self._socket.send_message(self._encode({"action": "ping"}))
            await self._until(
                lambda pongs=pongs: (
                    (self._pongs > pongs and not self._background and not self._scripts_to_run)
                    or self._socket_closed is not False
                ),
                timeout,
                lambda: "no pong from the server",
            )
            if self._pongs > pongs:
                return

    def _raise_errors(self) -> None:
        __tracebackhide__ = True
        if self.errors:
            frame = self.errors.pop(0)
            raise ServerError(frame, "while the test ran")


def _radio_peers(el: Element) -> list[Element]:
    return [r for r in radio_group(el) if r is not el and not r.checked]


def file_of(given: Any) -> tuple[str, bytes, str]:
    """(name, content, media type) of a file given to `upload`: a path, or a tuple."""
    if isinstance(given, (str, Path)):
        path = Path(given)
        return path.name, path.read_bytes(), mimetypes.guess_type(path.name)[0] or ""
    if isinstance(given, tuple) and len(given) in (2, 3) and isinstance(given[1], (bytes, bytearray)):
        name, content, *kind = given
        return str(name), bytes(content), kind[0] if kind else (mimetypes.guess_type(str(name))[0] or "")
    raise TypeError(f"a file to upload is a path or (name, bytes[, media type]), not {given!r}")


@dataclass
class Downloaded:
    """A file the App sent with `Tag.download`: its name, media type and content."""

    name: str
    media_type: str
    content: bytes


def attachment_name(disposition: str) -> str:
    """The file name of a Content-Disposition header (RFC 5987's `filename*` first)."""
    encoded = re.search(r"filename\*=UTF-8''([^;]+)", disposition, re.IGNORECASE)
    if encoded:
        return unquote(encoded.group(1).strip())
    plain = re.search(r'filename="((?:[^"\\]|\\.)*)"', disposition, re.IGNORECASE)
    return plain.group(1).replace('\\"', '"') if plain else ""
