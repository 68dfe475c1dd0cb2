"""What `find()` returns: a snapshot of one element, taken when it was found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .dom import Element, hid_of
from .events import value_property
from .select import visible_text


@dataclass(frozen=True)
class ElementSnapshot:
    """An element as it was when found: later frames do not change it (find it again).

    `text`: its visible text (whitespace collapsed, scripts and styles left out);
    `attrs`: its attributes; `value`: the live value of a form control (a list for a
    multiple select; a checkbox's or radio's `value` attribute), else the element's
    `value` property when it has one (`<button value>`, `<li>`...), else None;
    `checked`: a checkbox's or radio's live state; `html`: its outer HTML."""

    tag: str
    text: str
    attrs: dict[str, str]
    value: Any
    checked: bool
    html: str
    hid: str | None

    @classmethod
    def of(cls, el: Element) -> ElementSnapshot:
        value = el.control_value() if el.is_form_control() else value_property(el)
        return cls(
            tag=el.tag,
            text=visible_text(el),
            attrs=dict(el.attrs),
            value=value,
            checked=el.checked,
            html=el.outer_html(),
            hid=hid_of(el),
        )

    @property
    def id(self) -> str | None:
        """The `id` attribute (the developer's id, or htag's internal one)."""
        return self.attrs.get("id")

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()
