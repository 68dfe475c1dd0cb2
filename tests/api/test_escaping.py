"""Hostile strings never break out of text, attributes, `style` or `script`: the parsed
structure (html.parser) equals the intended one, and the text/attribute values survive."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from htag import HTML, App, State, Tag

HOSTILE = [
    "plain",
    "\"double\" 'single'",
    "<script>alert(1)</script>",
    "</div><img src=x onerror=alert(1)>",
    "a & b &amp; &lt; &#x27; &",
    "é ✓ 漢字 🎉 \u202e rtl",
    '" onclick="alert(1)',
    "' onmouseover='alert(1)",
    "<!-- comment -->",
    "]]> <![CDATA[",
    "\x00 nul",
    "line\nbreak\ttab",
    "`${x}`",
]


class Tree(HTMLParser):
    """(tag, attrs, children) with text decoded, as a browser would see it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list = ["#root", {}, []]
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = [tag, {k: ("" if v is None else v) for k, v in attrs}, []]
        self.stack[-1][2].append(node)
        if tag not in ("input", "img", "br", "meta", "link", "hr"):
            self.stack.append(node)

    def handle_endtag(self, tag):
        assert self.stack[-1][0] == tag, f"</{tag}> closed <{self.stack[-1][0]}>"
        self.stack.pop()

    def handle_data(self, data):
        kids = self.stack[-1][2]
        if kids and isinstance(kids[-1], str):
            kids[-1] += data
        else:
            kids.append(data)

    def handle_comment(self, data):
        self.stack[-1][2].append(("comment", data))


def parsed(html: str) -> list:
    t = Tree()
    t.feed(html)
    t.close()
    assert len(t.stack) == 1, "unclosed element"
    return t.root[2]


@pytest.mark.parametrize("s", HOSTILE)
def test_text_children(s):
    d = Tag.div(s, Tag.b(s))
    b = d.childs[1]
    assert parsed(str(d)) == [["div", {"id": d.id}, [s, ["b", {"id": b.id}, [s]]]]]


@pytest.mark.parametrize("s", HOSTILE)
def test_attribute_values(s):
    d = Tag.div(_title=s, _data_x=s, _class=lambda: s)
    assert parsed(str(d)) == [["div", {"id": d.id, "title": s, "data-x": s, "class": s}, []]]


@pytest.mark.parametrize("s", HOSTILE)
def test_user_id_stays_inside_the_attribute(s):
    d = Tag.div(_id=s)
    assert parsed(str(d)) == [["div", {"id": s}, []]]
    e = Tag.div()
    e.id = s
    assert parsed(str(e)) == [["div", {"data-htag-id": e._hid, "id": s}, []]]


def test_id_injection():
    d = Tag.div(_id='x" onclick="alert(1)')
    html = str(d)
    assert html == '<div id="x&quot; onclick=&quot;alert(1)"></div>'
    assert parsed(html) == [["div", {"id": 'x" onclick="alert(1)'}, []]]


@pytest.mark.parametrize(
    "name",
    ['x" onclick="alert(1)', "x onclick", "a=b", "a>b", "on click", "a/b", "", "1a", "x'y", "a\nb", "é"],
)
def test_attribute_names_cannot_inject(name):
    d = Tag.div()
    with pytest.raises(ValueError):
        d[name] = "1"
    with pytest.raises(ValueError):
        Tag.div(**{"_" + name: "1"})
    assert str(d) == f'<div id="{d.id}"></div>'


def test_event_attribute_names_are_validated_too():
    with pytest.raises(ValueError):
        Tag.div()["onclick x"] = lambda e: None
    with pytest.raises(ValueError):
        Tag.div()['onclick"'] = "alert(1)"


def test_tag_names_cannot_inject():
    with pytest.raises(AttributeError):
        getattr(Tag, "div><script")
    with pytest.raises(AttributeError):
        getattr(Tag, "a b")


@pytest.mark.parametrize(
    "payload", ["</script><img src=x onerror=alert(1)>", "</SCRIPT >x", "a</script", "<!--<script>"]
)
def test_script_content_cannot_close_the_element(payload):
    j = Tag.script("var s = '", payload, "';")
    after = Tag.p("after")
    d = Tag.div(j, after)
    tree = parsed(str(d))
    assert len(tree) == 1
    div = tree[0]
    assert [c[0] for c in div[2]] == ["script", "p"]
    script = div[2][0]
    assert len(script[2]) == 1 and isinstance(script[2][0], str)
    assert script[2][0].startswith("var s = '") and script[2][0].endswith("';")
    assert div[2][1] == ["p", {"id": after.id}, ["after"]]


def test_script_double_escape_state_is_neutralised():
    # after `<!--<script>` a browser no longer ends the script at `</script>`
    j = Tag.script("x = '<!--<script>';")
    assert str(j) == f"<script id=\"{j.id}\">x = '<\\!--<script>';</script>"


@pytest.mark.parametrize("payload", ["</style><img src=x onerror=alert(1)>", "</STYLE>", "a</style"])
def test_style_content_cannot_close_the_element(payload):
    s = Tag.style("p { content: '", payload, "' }")
    d = Tag.div(s, Tag.p("after"))
    div = parsed(str(d))[0]
    assert [c[0] for c in div[2]] == ["style", "p"]
    assert len(div[2][0][2]) == 1


def test_title_is_escaped():
    t = Tag.title("</title><script>alert(1)</script>")
    assert str(t) == f'<title id="{t.id}">&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>'


def test_reactive_text_is_escaped():
    s = State("<b>x</b>")
    d = Tag.div(s, lambda: s.value + "&")
    assert str(d) == f'<div id="{d.id}">&lt;b&gt;x&lt;/b&gt;&lt;b&gt;x&lt;/b&gt;&amp;</div>'
    h = Tag.div(lambda: HTML("<i>ok</i>"))
    assert str(h) == f'<div id="{h.id}"><i>ok</i></div>'


def test_frames_escape_too():
    app = App()
    d = Tag.div()
    app <= d
    app.render_page()
    d["title"] = '"><script>'
    assert app.next_frame() == {
        "action": "update",
        "ops": [["attr", d.id, "title", '"><script>']],
    }  # raw value: set by the client
    d.add("<script>")
    frame = app.next_frame()
    html = frame["updates"][d.id]
    assert parsed(html) == [["div", {"id": d.id, "title": '"><script>'}, ["<script>"]]]


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text())
def test_any_text_round_trips(text, value):
    d = Tag.div(text, _title=value)
    assert parsed(str(d)) == [["div", {"id": d.id, "title": value}, [text] if text else []]]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_script_content_stays_inside(text):
    d = Tag.div(Tag.script(text), Tag.style(text), Tag.p("end"))
    div = parsed(str(d))[0]
    assert [c[0] for c in div[2]] == ["script", "style", "p"]
