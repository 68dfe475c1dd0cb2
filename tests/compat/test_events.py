"""The Event a callback receives, as in htag 2: `e.value`, `e.id`, `e["..."]`, the
`Event(target, message)` constructor; and what the client sends for a button."""

from __future__ import annotations

from htag import Event, Tag
from htag.server import Event as ServerEvent

from ._support import reply_to_click


def test_event_from_an_htag2_message():
    b = Tag.button(_id="b1")
    e = Event(b, {"id": "b1", "event": "click", "data": {"value": 3, "key": "Enter"}})
    assert (e.target, e.id, e.name, e.value, e.key) == (b, "b1", "click", 3, "Enter")
    assert ServerEvent is Event


def test_event_from_a_message_without_data():
    b = Tag.button()
    e = Event(b, {"event": "click"})
    assert (e.id, e.name, e.value, e.key) == (b.id, "click", None, None)


def test_value_of_an_object_without_value_is_the_whole_object():
    b = Tag.button()
    e = Event(b, "custom", {"a": 1, "b": [2], "callback_id": "cb1"})
    assert e.value == {"a": 1, "b": [2]}  # the protocol's callback id is not the user's
    assert e.a == 1 and e["b"] == [2]


def test_value_sent_is_the_value():
    b = Tag.button()
    assert Event(b, "click", {"value": "x", "a": 1}).value == "x"
    assert Event(b, "click", {"value": None}).value is None
    assert Event(b, "click", 5).value == 5
    assert Event(b, "click", [1, 2]).value == [1, 2]


def test_id_is_the_tags_id():
    b = Tag.button()
    e = Event(b, "click", {})
    assert e.id == b.id and e["id"] == b.id
    given = Tag.button(_id="mine")
    assert Event(given, "click", {}).id == "mine"


def test_item_reads_form_fields_first_then_attributes():
    form = Tag.form()
    e = Event(form, "submit", {"value": {"name": "bob", "id": "f1"}})
    assert e["name"] == "bob" and e["id"] == "f1"
    assert e.name == "submit"  # the event's name is never a sent key's
    e = Event(form, "submit", {"value": {}})
    assert e["name"] == "submit" and e["id"] == form.id and e["nope"] is None


def test_over_a_websocket_an_object_payload_is_the_value(tmp_path):
    result = reply_to_click("event_probe", "probe", {"a": 1, "b": "two"}, tmp_path)["result"]
    assert result == {
        "value": {"a": 1, "b": "two"},
        "id": "probe",
        "item_id": "probe",
        "name": "click",
        "target": "probe",
        "a": 1,
        "missing": None,
    }


def test_over_a_websocket_a_sent_value_is_the_value(tmp_path):
    assert reply_to_click("event_probe", "valued", {"value": "x"}, tmp_path)["result"]["value"] == "x"
