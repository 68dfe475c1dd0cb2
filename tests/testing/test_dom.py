"""The frame-application rules of htag.testing.dom (those of htag/client/src/frames.js
and morph.js), on hand-written frames."""

from __future__ import annotations

import pytest

from htag.testing.dom import ClientDOM, parse_one
from htag.testing.select import SelectorError, Text, parse_target, resolve

BODY = (
    '<body id="b"><input id="i" value="a"><input id="c" type="checkbox">'
    '<select id="s"><option value="x">X</option><option value="y" selected>Y</option></select>'
    '<textarea id="t">text</textarea><p id="p" class="k">hi</p>'
    '<span id="user" data-htag-id="h9">mine</span><span id="h9" data-htag-id="h8">trap</span></body>'
)


def dom() -> ClientDOM:
    return ClientDOM(BODY, strict=False)


def test_controls_start_with_the_state_their_attributes_describe():
    d = dom()
    assert d.find("i").control_value() == "a"
    assert not d.find("c").checked
    assert d.find("s").control_value() == "y"
    assert d.find("t").control_value() == "text"


def test_an_element_is_found_by_id_unless_it_carries_another_hid():
    d = dom()
    assert d.find("h9").attrs.get("data-htag-id") == "h9"  # not the <span id="h9">
    assert d.get("nope") is None


def test_attribute_ops_are_mirrored_to_the_live_state():
    d = dom()
    d.apply(
        {
            "action": "update",
            "ops": [
                ["attr", "i", "value", "b"],
                ["attr", "c", "checked", ""],
                ["attr", "s", "value", "x"],
                ["attr", "p", "class", None],
            ],
        }
    )
    assert d.find("i").control_value() == "b"
    assert d.find("c").checked
    assert d.find("s").control_value() == "x"
    assert "class" not in d.find("p").attrs


def test_the_focused_control_keeps_what_the_user_typed():
    d = dom()
    d.find("i").live["value"] = "typed"
    d.focus.hid = "i"
    d.apply({"action": "update", "ops": [["attr", "i", "value", "server"]]})
    assert d.find("i").control_value() == "typed"  # a push does not overwrite it
    d.apply({"action": "update", "updates": {"b": BODY.replace('value="a"', 'value="server"')}})
    assert d.find("i").control_value() == "typed"  # nor does a morph
    # the reply to an event sent while it held exactly this value may
    d.apply({"action": "update", "ops": [["attr", "i", "value", ""]]}, authority=("i", "typed"))
    assert d.find("i").control_value() == ""


def test_updates_replace_the_element_and_settle_its_controls():
    d = dom()
    d.find("i").live["value"] = "user"  # not focused: the new HTML wins
    d.apply({"action": "update", "updates": {"p": '<p id="p">new <b>text</b></p>'}})
    assert d.find("p").text_content() == "new text"
    d.apply({"action": "update", "updates": {"b": BODY}})
    assert d.find("i").control_value() == "a"


def test_statics_set_the_title_js_is_recorded_and_unknown_targets_are_logged():
    d = dom()
    d.apply(
        {
            "action": "update",
            "statics": ["<title>New</title>", "<style>p{}</style>"],
            "js": ["alert(1)"],
            "ops": [["attr", "gone", "x", "1"], ["style", "p"]],
            "updates": {"gone": "<p></p>"},
            "future_key": 1,
        }
    )
    assert d.title == "New"
    assert d.scripts == ["alert(1)"]
    assert len(d.log) == 3  # what the browser would only log


def test_strict_mode_fails_on_what_the_browser_only_logs():
    with pytest.raises(AssertionError, match="client does not have|unknown element"):
        ClientDOM(BODY).apply({"action": "update", "updates": {"gone": "<p></p>"}})


def test_lenient_parsing_survives_stray_end_tags():
    el = parse_one("<div><p>a</b></p><!-- note --></div>", strict=False)
    assert el.text_content() == "a"
    with pytest.raises(AssertionError):
        parse_one("<div><p>a</b></p></div>")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("#p", ["p"]),
        (".k", ["p"]),
        ("p.k", ["p"]),
        ("span[data-htag-id]", ["user", "h9"]),
        ("[data-htag-id=h9]", ["user"]),
        ('[id^="us"]', ["user"]),
        ("body > span", ["user", "h9"]),
        ("body span, #p", ["p", "user", "h9"]),
        ("[data-htag-id=h8]", ["h9"]),
        ("select option[selected]", [None]),
        ("hi", ["p"]),  # visible text
        ("text=mine", ["user"]),
        ("css=span#h9", ["h9"]),
    ],
)
def test_targets(target, expected):
    found = resolve(dom().body, parse_target(target))
    assert [el.attrs.get("id") for el in found] == expected


@pytest.mark.parametrize("source", ["p:first-child", "p + span", "p ~ span", "body >", "p,,a", "#a::x", "[x"])
def test_unsupported_selectors_raise(source):
    with pytest.raises(SelectorError, match="unsupported selector"):
        parse_target(source)


def test_words_are_texts_not_element_names():
    assert isinstance(parse_target("Add item"), Text)
    assert isinstance(parse_target("Save"), Text)
    assert isinstance(parse_target("+"), Text)  # a button's text
    assert isinstance(parse_target("> next"), Text)
    assert not isinstance(parse_target("li b"), Text)
