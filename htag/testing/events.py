"""What a DOM event tells the server, as `htag/client/src/events.js` says (eventData,
formValues) and which handlers of the markup an event runs.

Only htag's own handlers run: an `on<event>` attribute that calls
`htag_on(this,event[,flags])`. Other JavaScript in the page is never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .dom import Element, hid_of
from .select import visible_text

PREVENT, STOP = 1, 2  # htag_on flags (docs/protocol.md)
_HANDLER = re.compile(r"htag_on\s*\(\s*this\s*,\s*event\s*(?:,\s*(\d+)\s*)?\)")
MOUSE_EVENTS = {"click", "dblclick", "mousedown", "mouseup", "contextmenu", "auxclick"}
KEY_EVENTS = {"keydown", "keyup", "keypress"}
NO_MODIFIERS = {"ctrlKey": False, "shiftKey": False, "altKey": False, "metaKey": False}


@dataclass
class Handler:
    element: Element
    flags: int

    @property
    def hid(self) -> str:
        """The id the client sends: `data-htag-id`, else `id` (`htag_on` of events.js)."""
        return hid_of(self.element) or ""


def handler_of(el: Element, event: str) -> Handler | None:
    """The htag handler `el` has for `event`, if any."""
    m = _HANDLER.search(el.attrs.get("on" + event, ""))
    return Handler(el, int(m.group(1) or 0)) if m else None


def handlers_along(el: Element, event: str) -> list[Handler]:
    """The htag handlers an event dispatched at `el` runs, in bubbling order, up to the
    first that stops propagation."""
    out = []
    for node in (el, *el.ancestors()):
        handler = handler_of(node, event)
        if handler is not None:
            out.append(handler)
            if handler.flags & STOP:
                break
    return out


def value_property(el: Element) -> Any:
    """`el.value` for an element that is no form control: htag 2 sent it (`<button
    value="x">`, `<li>`, `<option>`...); None when the element has no such property."""
    tag, attrs = el.tag, el.attrs
    if tag in ("button", "data", "param"):
        return attrs.get("value", "")
    if tag == "option":
        return el.option_value()
    if tag == "output":
        return el.text_content()
    if tag in ("li", "meter", "progress"):
        raw = attrs.get("value", "0").strip()
        try:
            number = float(raw)
        except ValueError:
            return 0
        return int(number) if number.is_integer() else number
    return None


def event_data(el: Element, event: str, submitter: Element | None = None, **extra: Any) -> dict[str, Any]:
    """`eventData(el, ev)` of events.js: what `htag_on` sends for this element."""
    data: dict[str, Any] = {}
    if el.tag == "form" and event == "submit":
        data["value"] = form_values(el, submitter)
    elif el.is_form_control():
        if el.is_toggle():
            data["checked"] = el.checked
            data["value"] = el.checked if el.input_type == "checkbox" else el.control_value()
        elif el.input_type != "file":
            data["value"] = el.control_value()
    else:
        value = value_property(el)
        if value is not None:
            data["value"] = value
    if event in MOUSE_EVENTS:
        data.update(pageX=0, pageY=0, clientX=0, clientY=0, button=0, which=1, **NO_MODIFIERS)
    if event in KEY_EVENTS:
        data.update(key=extra.get("key", ""), code=extra.get("code", ""), **NO_MODIFIERS)
    if event == "hashchange":
        data.update(newURL=extra.get("newURL"), oldURL=extra.get("oldURL"))
    return data


def form_fields(form: Element) -> list[Element]:
    """`form.elements` (the controls inside the form; `form=` attributes are not followed)."""
    return [
        el
        for el in form.walk()
        if el.tag in ("input", "select", "textarea", "button", "fieldset", "output", "object")
    ]


def native_fields(form: Element, submitter: Element | None) -> list[tuple[str, str]]:
    """What a browser itself sends when it submits `form` (no htag handler): the name and
    value of each successful control, in order (a checked box's `value`, else "on")."""
    out: list[tuple[str, str]] = []
    for f in form_fields(form):
        name = f.attrs.get("name")
        if not name or "disabled" in f.attrs or f.tag in ("fieldset", "output", "object", "button"):
            continue
        t = f.input_type if f.tag == "input" else ""
        if t in ("submit", "button", "reset", "image", "file"):
            continue
        if t in ("checkbox", "radio"):
            if f.checked:
                out.append((name, f.attrs.get("value", "on")))
        elif f.tag == "select":
            out += [(name, o.option_value()) for o in f.options() if o.live.get("selected")]
        else:
            out.append((name, str(f.control_value() or "")))
    if submitter is not None and submitter.attrs.get("name"):
        out.append((submitter.attrs["name"], submitter.attrs.get("value", "")))
    return out


def form_values(form: Element, submitter: Element | None) -> dict[str, Any]:
    """`formValues(form, submitter)` of events.js."""
    out: dict[str, Any] = {}
    for f in form_fields(form):
        name = f.attrs.get("name")
        if not name or "disabled" in f.attrs or f.tag in ("fieldset", "output", "object"):
            continue
        t = f.input_type if f.tag == "input" else f.attrs.get("type", "").lower()
        if f.tag == "button" or t in ("submit", "button", "reset", "image"):
            continue
        if t == "checkbox":
            out[name] = f.checked
            continue
        if t == "radio":
            if f.checked:
                out[name] = f.control_value()
            elif name not in out:
                out[name] = None
            continue
        if t == "file":
            value: Any = []  # the names of the chosen files: none can be chosen here yet
        else:
            value = f.control_value()
        out[name] = [*_as_list(out[name]), value] if name in out else value
    if submitter is not None and submitter.attrs.get("name"):
        out[submitter.attrs["name"]] = submitter.attrs.get("value", "")
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_submitter(el: Element) -> bool:
    """A button that submits its form when clicked."""
    if el.tag == "button":
        return el.attrs.get("type", "submit").lower() == "submit"
    return el.tag == "input" and el.input_type in ("submit", "image")


def label_control(label: Element, root: Element) -> Element | None:
    """The control a `<label>` is for: its `for` id, else the first control inside."""
    target = label.attrs.get("for")
    if target:
        return next((el for el in root.walk() if el.attrs.get("id") == target), None)
    return next((el for el in label.walk() if el.is_form_control() or el.tag == "button"), None)


def key_code(key: str) -> str:
    """`KeyboardEvent.code` for a key (a US layout)."""
    if len(key) == 1 and key.isalpha():
        return "Key" + key.upper()
    if len(key) == 1 and key.isdigit():
        return "Digit" + key
    return {" ": "Space"}.get(key, key)


def describe_element(el: Element) -> str:
    hid = el.attrs.get("id")
    text = visible_text(el)
    return f"<{el.tag}{f' id={hid!r}' if hid else ''}>{f' {text[:40]!r}' if text else ''}"
