"""Fixture pairs for the pure morph (htag/client/src/morph.js), run by test_morph_fixtures.py.

Each fixture is a dict:
- `before`: the <body> content of the page; `target`: the hid (or "body") of the element morphed;
  `update`: its new outer HTML; `expected`: the <body> content after the morph (default: `update`,
  for fixtures whose body is the target alone). The page and the expectation are both parsed by the
  browser and compared by a canonical serialisation (namespaces, sorted attributes, text, comments).
- `steps`: what the user does first, run by Playwright: ("fill", sel, text), ("focus", sel),
  ("range", sel, start, end, dir), ("scroll", sel, top, left), ("page_scroll", y),
  ("checked", sel, bool), ("choose", sel, value), ("caret", sel, offset) in a contenteditable,
  ("js", code).
- `owns`: the policy, as CSS selectors of the controls whose live value the user owns
  (`:focus` = the focused one, as the live client does while nobody else decided).
- `same` / `fresh`: selectors of elements that must be the same objects after the morph (reused,
  checked with a JS property set before) / must be new ones (the old one not reused).
- State expected after the morph (and still two animation frames later): `focus` (a selector, or
  None for <body>), `values`, `checked`, `selected` (a select's selected values), `selection`
  ([start, end, direction]), `scroll` ([top, left]), `page_scroll` (scrollY), `caret` (contenteditable:
  [text of the anchor node, offset]), `js` ({expression: expected value}).

Why one file over 500 lines: it is data, one entry per morph case (over 30), read by
tests/browser/test_morph_fixtures.py.
"""

from __future__ import annotations

LONG = "\n".join(f"line {i}" for i in range(40))
ITEMS = "".join(f'<div id="i{i}" style="height:20px">item {i}</div>' for i in range(50))
WIDE = '<div style="width:2000px;height:20px">wide</div>'
SPACER = '<div id="spacer" style="height:3000px">spacer</div>'


def ul(*keys: str, tag: str = "li", attr: str = "id") -> str:
    return '<ul id="c">' + "".join(f'<{tag} {attr}="{k}">{k}</{tag}>' for k in keys) + "</ul>"


FIXTURES: list[dict] = [
    # ------------------------------------------------------------------ text and attributes --
    {
        "name": "text_change",
        "before": '<div id="c"><p id="p">old text</p></div>',
        "update": '<div id="c"><p id="p">new text</p></div>',
        "steps": [("js", "document.getElementById('p').firstChild.__fx = 'text node'")],
        "same": ["#c", "#p"],
        "js": {"document.getElementById('p').firstChild.__fx": "text node"},
    },
    {
        "name": "attribute_add",
        "before": '<div id="c"><a id="a">link</a></div>',
        "update": '<div id="c"><a id="a" href="/x" title="go" data-n="1">link</a></div>',
        "same": ["#a"],
    },
    {
        "name": "attribute_change",
        "before": '<div id="c" class="a b"><span id="s" data-n="1" style="color:red">x</span></div>',
        "update": '<div id="c" class="c"><span id="s" data-n="2" style="color:blue">x</span></div>',
        "same": ["#c", "#s"],
        "js": {"getComputedStyle(document.getElementById('s')).color": "rgb(0, 0, 255)"},
    },
    {
        "name": "attribute_remove",
        "before": '<div id="c" class="a" title="t"><span id="s" data-n="1" hidden>x</span></div>',
        "update": '<div id="c"><span id="s">x</span></div>',
        "same": ["#c", "#s"],
        "js": {"document.getElementById('s').hidden": False},
    },
    {
        "name": "boolean_attributes",
        "before": '<div id="c"><button id="b" disabled>b</button><input id="in" required>'
        '<details id="d" open><summary>s</summary>x</details></div>',
        "update": '<div id="c"><button id="b">b</button><input id="in" readonly hidden>'
        '<details id="d"><summary>s</summary>x</details></div>',
        "same": ["#b", "#in", "#d"],
        "js": {
            "document.getElementById('b').disabled": False,
            "document.getElementById('in').required": False,
            "document.getElementById('in').readOnly": True,
            "document.getElementById('d').open": False,
        },
    },
    # ------------------------------------------------------------ insert and remove, keyed --
    {
        "name": "insert_start",
        "before": ul("b", "c", "d"),
        "update": ul("a", "b", "c", "d"),
        "same": ["#b", "#c", "#d"],
    },
    {
        "name": "insert_middle",
        "before": ul("a", "b", "d"),
        "update": ul("a", "b", "c", "d"),
        "same": ["#a", "#b", "#d"],
    },
    {"name": "insert_end", "before": ul("a", "b"), "update": ul("a", "b", "c"), "same": ["#a", "#b"]},
    {"name": "remove_start", "before": ul("a", "b", "c"), "update": ul("b", "c"), "same": ["#b", "#c"]},
    {"name": "remove_middle", "before": ul("a", "b", "c"), "update": ul("a", "c"), "same": ["#a", "#c"]},
    {"name": "remove_end", "before": ul("a", "b", "c"), "update": ul("a", "b"), "same": ["#a", "#b"]},
    {
        "name": "unkeyed_insert_start",
        "before": '<ul id="c"><li>b</li><li>c</li></ul>',
        "update": '<ul id="c"><li>a</li><li>b</li><li>c</li></ul>',
        "js": {"document.querySelectorAll('#c li').length": 3},
    },
    {
        "name": "keyed_reorder_by_id",
        "before": ul("a", "b", "c", "d", "e"),
        "update": ul("e", "c", "a", "d", "b"),
        "same": ["#a", "#b", "#c", "#d", "#e"],
    },
    {
        "name": "keyed_reorder_by_data_htag_id",
        "before": '<ul id="c"><li id="mail" data-htag-id="h1">1</li><li id="name" data-htag-id="h2">2</li>'
        '<li data-htag-id="h3">3</li></ul>',
        "update": '<ul id="c"><li data-htag-id="h3">3</li><li id="mail" data-htag-id="h1">1</li>'
        '<li id="name" data-htag-id="h2">2!</li></ul>',
        "same": ['[data-htag-id="h1"]', '[data-htag-id="h2"]', '[data-htag-id="h3"]'],
    },
    {
        "name": "target_by_data_htag_id",
        "before": '<div id="c"><p id="x" data-htag-id="h9">a</p><p id="h9" data-htag-id="h10">b</p></div>',
        "target": "h9",  # the hid of the first <p>; the second one's developer id is the same string
        "update": '<p id="x" data-htag-id="h9" class="on">a!</p>',
        "expected": '<div id="c"><p id="x" data-htag-id="h9" class="on">a!</p><p id="h9" data-htag-id="h10">b</p></div>',
        "same": ["#x", '[data-htag-id="h10"]'],
    },
    {
        "name": "keyed_move_across_parents",
        "before": '<div id="c"><div id="l"><span id="m">m</span><span id="k">k</span></div><div id="r"></div></div>',
        "update": '<div id="c"><div id="l"><span id="k">k</span></div><div id="r"><span id="m">m</span></div></div>',
        "same": ["#l", "#r", "#m", "#k"],
    },
    {
        "name": "keyed_moved_into_a_new_wrapper",
        "before": '<div id="c"><input id="in"><p id="p">p</p></div>',
        "update": '<div id="c"><p id="p">p</p><div id="wrap"><label id="lab">name</label><input id="in"></div></div>',
        "steps": [("fill", "#in", "typed"), ("range", "#in", 1, 3, "forward")],
        "owns": [":focus"],
        "same": ["#in", "#p"],
        "focus": "#in",
        "values": {"#in": "typed"},
        "selection": {"#in": [1, 3, "forward"]},
    },
    {
        "name": "keyed_moved_into_its_previous_sibling",  # the old node at the cursor is claimed deeper
        "before": '<div id="c"><p id="a">a</p><span id="k">k</span><b id="z">z</b></div>',
        "update": '<div id="c"><p id="a">a<span id="k">k</span></p><i>new</i><b id="z">z</b></div>',
        "same": ["#a", "#k", "#z"],
    },
    {
        "name": "keyed_moved_out_into_a_later_group",
        "before": '<div id="c"><span id="k">k</span><p id="a">a</p><p id="b">b</p></div>',
        "update": '<div id="c"><p id="a">a</p><p id="b">b<span id="k">k</span></p><i>end</i></div>',
        "same": ["#a", "#b", "#k"],
    },
    {
        "name": "keyed_moved_into_a_new_wrapper_before_more_siblings",
        "before": '<div id="c"><input id="in"><p id="p">p</p></div>',
        "update": '<div id="c"><div id="wrap"><input id="in"></div><p id="p">p</p><i>after</i></div>',
        "steps": [("fill", "#in", "typed")],
        "owns": [":focus"],
        "same": ["#in", "#p"],
        "focus": "#in",
        "values": {"#in": "typed"},
    },
    # ------------------------------------------------------------------------ tag changes --
    {
        "name": "tag_change_same_position_keyed",
        "before": '<div id="c"><span id="x">x</span><i id="y">y</i></div>',
        "update": '<div id="c"><b id="x">x</b><i id="y">y</i></div>',
        "same": ["#y"],
        "fresh": ["#x"],
    },
    {
        "name": "tag_change_same_position_unkeyed",
        "before": '<div id="c"><span class="a">a</span><em>b</em></div>',
        "update": '<div id="c"><strong class="a">a</strong><em>b</em></div>',
        "fresh": ["#c > :first-child"],
    },
    {
        "name": "root_tag_change_reuses_keyed_children",
        "before": '<div id="c" class="box"><input id="in"><p id="p">p</p></div>',
        "update": '<section id="c" class="box"><p id="p">p!</p><input id="in"></section>',
        "steps": [("fill", "#in", "kept"), ("range", "#in", 2, 4, "backward")],
        "owns": [":focus"],
        "fresh": ["#c"],
        "same": ["#in", "#p"],
        "focus": "#in",
        "values": {"#in": "kept"},
        "selection": {"#in": [2, 4, "backward"]},
    },
    {
        "name": "root_tag_change_to_a_textarea_keeps_its_value",
        "before": '<div id="c"><p id="ta">x</p></div>',
        "target": "ta",
        "update": '<textarea id="ta" value="from python">initial</textarea>',
        "expected": '<div id="c"><textarea id="ta" value="from python">initial</textarea></div>',
        "fresh": ["#ta"],
        "values": {"#ta": "from python"},
    },
    # ------------------------------------------------------------ focus, caret, selection --
    {
        "name": "focus_kept_when_the_container_rerenders",
        "before": '<div id="c" class="k0"><span id="keys">keys: 0</span><input id="in"></div>',
        "update": '<div id="c" class="k1"><span id="keys">keys: 1</span><input id="in"></div>',
        "steps": [("fill", "#in", "abc")],
        "owns": [":focus"],
        "same": ["#in"],
        "focus": "#in",
        "values": {"#in": "abc"},
    },
    {
        "name": "caret_kept",
        "before": '<div id="c"><b>count 0</b><input id="in"></div>',
        "update": '<div id="c"><b>count 1</b><i>new</i><input id="in" class="x"></div>',
        "steps": [("fill", "#in", "hello world"), ("range", "#in", 3, 3, "forward")],
        "owns": [":focus"],
        "same": ["#in"],
        "focus": "#in",
        "values": {"#in": "hello world"},
        "selection": {"#in": [3, 3, "forward"]},
    },
    {
        "name": "input_selection_backward_kept",
        "before": '<div id="c"><input id="in"></div>',
        "update": '<div id="c"><p>inserted before</p><input id="in"></div>',
        "steps": [("fill", "#in", "hello world"), ("range", "#in", 2, 7, "backward")],
        "owns": [":focus"],
        "same": ["#in"],
        "focus": "#in",
        "selection": {"#in": [2, 7, "backward"]},
    },
    {
        "name": "textarea_selection_forward_kept",
        "before": '<div id="c"><span>0</span><textarea id="ta"></textarea></div>',
        "update": '<div id="c"><span>1</span><textarea id="ta"></textarea></div>',
        "steps": [("fill", "#ta", "first line\nsecond line"), ("range", "#ta", 0, 15, "forward")],
        "owns": [":focus"],
        "same": ["#ta"],
        "focus": "#ta",
        "values": {"#ta": "first line\nsecond line"},
        "selection": {"#ta": [0, 15, "forward"]},
    },
    {
        "name": "moved_textarea_keeps_focus_and_backward_selection",
        "before": '<div id="c"><p id="a">a</p><textarea id="ta"></textarea><p id="b">b</p></div>',
        "update": '<div id="c"><textarea id="ta"></textarea><p id="b">b</p><p id="a">a</p></div>',
        "steps": [("fill", "#ta", "hello world\nagain"), ("range", "#ta", 6, 14, "backward")],
        "owns": [":focus"],
        "same": ["#ta", "#a", "#b"],
        "focus": "#ta",
        "values": {"#ta": "hello world\nagain"},
        "selection": {"#ta": [6, 14, "backward"]},
    },
    {
        "name": "moved_button_keeps_focus",
        "before": '<div id="c"><div id="l"><button id="btn">go</button></div><div id="r"></div></div>',
        "update": '<div id="c"><div id="l"></div><div id="r"><button id="btn">go!</button></div></div>',
        "steps": [("focus", "#btn")],
        "same": ["#btn"],
        "focus": "#btn",
    },
    {
        "name": "focused_input_removed_leaves_focus_to_body",
        "before": '<div id="c"><input id="in"><p id="p">p</p></div>',
        "update": '<div id="c"><p id="p">p</p></div>',
        "steps": [("fill", "#in", "gone")],
        "owns": [":focus"],
        "same": ["#p"],
        "focus": None,
    },
    # ---------------------------------------------------------------------------- scroll --
    {
        "name": "scrolled_div_keeps_scroll_top",
        "before": f'<div id="c"><b>v0</b><div id="list" style="height:100px;overflow:auto">{ITEMS}</div></div>',
        "update": f'<div id="c"><b>v1</b><div id="list" style="height:100px;overflow:auto">'
        f"{ITEMS.replace('item 0<', 'item 0 (v1)<')}</div></div>",
        "steps": [("scroll", "#list", 400, 0)],
        "same": ["#list", "#i0", "#i49"],
        "scroll": {"#list": [400, 0]},
    },
    {
        "name": "moved_scrolled_div_keeps_scroll",
        "before": f'<div id="c"><p id="p">p</p><div id="list" style="height:100px;width:200px;overflow:auto">'
        f"{WIDE}{ITEMS}</div></div>",
        "update": f'<div id="c"><div id="list" style="height:100px;width:200px;overflow:auto">{WIDE}{ITEMS}</div>'
        '<p id="p">p</p></div>',
        "steps": [("scroll", "#list", 300, 150)],
        "same": ["#list", "#p"],
        "scroll": {"#list": [300, 150]},
    },
    {
        "name": "page_scroll_kept_when_the_focused_input_moves",
        "before": f'<div id="c"><div id="top"><input id="in"></div>{SPACER}<div id="bottom"></div></div>',
        "update": f'<div id="c"><div id="top"></div>{SPACER}<div id="bottom"><input id="in"></div></div>',
        "steps": [("fill", "#in", "x"), ("page_scroll", 1200)],
        "owns": [":focus"],
        "same": ["#in", "#spacer"],
        "focus": "#in",
        "page_scroll": 1200,
    },
    {
        "name": "page_scroll_kept_when_the_body_is_morphed",
        "target": "body",
        "before": f'<div id="c"><p id="p">0</p>{SPACER}</div>',
        "update": f'<body class="later"><div id="c"><p id="p">1</p>{SPACER}<p id="end">end</p></div></body>',
        "expected": f'<div id="c"><p id="p">1</p>{SPACER}<p id="end">end</p></div>',
        "expected_body_attrs": {"class": "later"},
        "steps": [("page_scroll", 2000)],
        "same": ["#c", "#p", "#spacer"],
        "page_scroll": 2000,
    },
    # ------------------------------------------------------------------ values and policy --
    {
        "name": "owned_unsynced_typing_not_overwritten",
        "before": '<div id="c"><input id="in" value="server 1"><button id="other">o</button></div>',
        "update": '<div id="c"><input id="in" value="server 2"><button id="other">o</button></div>',
        "steps": [("fill", "#in", "typed by the user"), ("focus", "#other")],
        "owns": ["#in"],  # not focused, but a sync not sent yet
        "same": ["#in"],
        "focus": "#other",
        "values": {"#in": "typed by the user"},
    },
    {
        "name": "not_owned_value_is_updated",
        "before": '<div id="c"><input id="in" value="server 1"><button id="other">o</button></div>',
        "update": '<div id="c"><input id="in" value="server 2"><button id="other">o</button></div>',
        "steps": [("fill", "#in", "typed and synced"), ("focus", "#other")],
        "owns": [],
        "same": ["#in"],
        "values": {"#in": "server 2"},
    },
    {
        "name": "focused_but_not_owned_value_is_updated",  # Python clears a chat input on Enter
        "before": '<div id="c"><ul id="msgs"></ul><input id="in"></div>',
        "update": '<div id="c"><ul id="msgs"><li>hello</li></ul><input id="in" value=""></div>',
        "steps": [("fill", "#in", "hello")],
        "owns": [],
        "same": ["#in", "#msgs"],
        "focus": "#in",
        "values": {"#in": ""},
    },
    {
        "name": "textarea_owned_value_kept",
        "before": '<div id="c"><textarea id="ta">initial</textarea><button id="other">o</button></div>',
        "update": '<div id="c"><textarea id="ta" value="from python">changed</textarea><button id="other">o</button></div>',
        "steps": [("fill", "#ta", "typed"), ("focus", "#other")],
        "owns": ["#ta"],
        "same": ["#ta"],
        "values": {"#ta": "typed"},
        "js": {"document.getElementById('ta').defaultValue": "changed"},
    },
    {
        "name": "textarea_not_owned_takes_the_value_attribute",
        "before": '<div id="c"><textarea id="ta">initial</textarea></div>',
        "update": '<div id="c"><textarea id="ta" value="from python">initial</textarea></div>',
        "steps": [("fill", "#ta", "typed")],
        "owns": [],
        "same": ["#ta"],
        "values": {"#ta": "from python"},
    },
    {
        "name": "textarea_not_owned_follows_its_text",
        "before": '<div id="c"><textarea id="ta">initial</textarea></div>',
        "update": '<div id="c"><textarea id="ta">second</textarea></div>',
        "same": ["#ta"],
        "values": {"#ta": "second"},
    },
    {
        "name": "checkbox_owned_keeps_its_state",
        "before": '<div id="c"><input type="checkbox" id="cb"><span>0</span></div>',
        "update": '<div id="c"><input type="checkbox" id="cb"><span>1</span></div>',
        "steps": [("checked", "#cb", True), ("js", "document.activeElement.blur()")],
        "owns": ["#cb"],
        "same": ["#cb"],
        "checked": {"#cb": True},
    },
    {
        "name": "checkbox_not_owned_follows_the_html",
        "before": '<div id="c"><input type="checkbox" id="cb"><input type="checkbox" id="cb2" checked></div>',
        "update": '<div id="c"><input type="checkbox" id="cb"><input type="checkbox" id="cb2" checked></div>',
        "steps": [("checked", "#cb", True), ("checked", "#cb2", False)],
        "owns": [],
        "same": ["#cb", "#cb2"],
        "checked": {"#cb": False, "#cb2": True},
    },
    {
        "name": "radio_group_not_owned_follows_the_html",
        "before": '<form id="c"><input type="radio" name="g" id="ga" value="a" checked>'
        '<input type="radio" name="g" id="gb" value="b"></form>',
        "update": '<form id="c"><input type="radio" name="g" id="ga" value="a">'
        '<input type="radio" name="g" id="gb" value="b" checked></form>',
        "same": ["#ga", "#gb"],
        "checked": {"#ga": False, "#gb": True},
    },
    {
        "name": "select_not_owned_takes_the_value_attribute",
        "before": '<div id="c"><select id="s"><option>x</option><option>y</option><option>z</option></select></div>',
        "update": '<div id="c"><select id="s" value="z"><option>x</option><option>y</option><option>z</option>'
        "</select></div>",
        "same": ["#s"],
        "selected": {"#s": ["z"]},
    },
    {
        "name": "select_not_owned_follows_selected_options",
        "before": '<div id="c"><select id="s"><option>x</option><option>y</option><option>z</option></select></div>',
        "update": '<div id="c"><select id="s"><option>x</option><option selected>y</option><option>z</option>'
        "</select></div>",
        "steps": [("choose", "#s", "z")],
        "owns": [],
        "same": ["#s"],
        "selected": {"#s": ["y"]},
    },
    {
        "name": "select_owned_keeps_the_choice",
        "before": '<div id="c"><select id="s"><option>x</option><option>y</option><option>z</option></select></div>',
        "update": '<div id="c"><select id="s"><option selected>x</option><option>y</option><option>z</option>'
        "</select></div>",
        "steps": [("choose", "#s", "z")],
        "owns": ["#s"],
        "same": ["#s"],
        "selected": {"#s": ["z"]},
    },
    {
        "name": "select_owned_keeps_the_choice_when_options_shift",
        "before": '<div id="c"><select id="s"><option>x</option><option>y</option><option>z</option></select></div>',
        "update": '<div id="c"><select id="s"><option selected>new</option><option>x</option><option>y</option>'
        "<option>z</option></select></div>",
        "steps": [("choose", "#s", "z"), ("js", "document.activeElement.blur()")],
        "owns": ["#s"],
        "same": ["#s"],
        "selected": {"#s": ["z"]},
    },
    {
        "name": "focused_select_keeps_the_choice_when_options_shift",
        "before": '<div id="c"><select id="s"><option>x</option><option>y</option><option>z</option></select></div>',
        "update": '<div id="c"><select id="s"><option>new</option><option>x</option><option>y</option>'
        "<option>z</option></select></div>",
        "steps": [("choose", "#s", "y"), ("focus", "#s")],
        "owns": [":focus"],
        "same": ["#s"],
        "focus": "#s",
        "selected": {"#s": ["y"]},
    },
    {
        "name": "select_multiple_not_owned",
        "before": '<div id="c"><select id="s" multiple><option selected>x</option><option>y</option>'
        "<option>z</option></select></div>",
        "update": '<div id="c"><select id="s" multiple><option>x</option><option selected>y</option>'
        "<option selected>z</option></select></div>",
        "same": ["#s"],
        "selected": {"#s": ["y", "z"]},
    },
    {
        "name": "nested_forms_and_fieldsets",
        "before": '<div id="c"><form id="f1"><fieldset id="fs1"><legend>a</legend><input id="n1" name="n1">'
        '<div><input id="n2" name="n2" value="v2"></div></fieldset></form>'
        '<form id="f2"><input id="n3" name="n3" value="v3"></form></div>',
        "update": '<div id="c"><form id="f1" class="sent"><fieldset id="fs1" name="fs"><legend>a!</legend>'
        '<div><input id="n2" name="n2" value="w2"></div><fieldset id="fs2"><input id="n1" name="n1"></fieldset>'
        '</fieldset></form><form id="f2"><input id="n3" name="n3" value="w3"><input id="n4" name="n4" value="v4">'
        "</form></div>",
        "steps": [("fill", "#n3", "user 3"), ("fill", "#n1", "user 1")],
        "owns": [":focus", "#n3"],
        "same": ["#f1", "#f2", "#fs1", "#n1", "#n2", "#n3"],
        "focus": "#n1",
        "values": {"#n1": "user 1", "#n2": "w2", "#n3": "user 3", "#n4": "v4"},
        "js": {
            "document.getElementById('f1').elements.length": 4,
            "document.getElementById('n1').form.id": "f1",
            "document.getElementById('n4').form.id": "f2",
        },
    },
    {
        "name": "contenteditable_caret_kept",
        "before": '<div id="c"><b>0</b><div id="ed" contenteditable="true">hello world</div></div>',
        "update": '<div id="c"><b>1</b><div id="ed" contenteditable="true" class="dirty">hello world</div></div>',
        "steps": [("caret", "#ed", 5)],
        "same": ["#ed"],
        "focus": "#ed",
        "caret": ["hello world", 5],
    },
    # ------------------------------------------------------------ scripts, text, comments --
    {
        "name": "scripts_in_updates_do_not_run",
        "before": '<div id="c"><script id="old">window.__runs = (window.__runs || 0) + 1</script></div>',
        "update": '<div id="c"><script id="old">window.__runs = 100</script>'
        "<script>window.__new_script_ran = true</script><div><script>window.__nested_ran = true</script></div></div>",
        "same": ["#old"],
        "js": {
            "window.__runs": 1,
            "typeof window.__new_script_ran": "undefined",
            "typeof window.__nested_ran": "undefined",
        },
    },
    {
        "name": "scripts_in_a_body_update_do_not_run",
        "target": "body",
        "before": '<div id="c">x</div>',
        "update": '<body><div id="c">y<script>window.__body_script_ran = true</script></div></body>',
        "expected": '<div id="c">y<script>window.__body_script_ran = true</script></div>',
        "same": ["#c"],
        "js": {"typeof window.__body_script_ran": "undefined"},
    },
    {
        "name": "whitespace_text_nodes",
        "before": '<div id="c">\n  <span id="a">a</span>\n  <span id="b">b</span>\n</div>',
        "update": '<div id="c"> <span id="b">b</span>\n\t<span id="a">a</span> text <pre>\n keep\n</pre></div>',
        "same": ["#a", "#b"],
        "js": {"document.getElementById('c').childNodes.length": 6},
    },
    {
        "name": "comments",
        "before": '<div id="c"><!-- one --><p id="p">x</p><!-- two --></div>',
        "update": '<div id="c"><!-- one changed --><p id="p">x</p>text<!-- three --><!-- four --></div>',
        "steps": [("js", "document.getElementById('c').firstChild.__fx = 'comment'")],
        "same": ["#p"],
        "js": {"document.getElementById('c').firstChild.__fx": "comment"},
    },
    {
        "name": "template_content",
        "before": '<div id="c"><template id="t"><p>old</p></template></div>',
        "update": '<div id="c"><template id="t"><p class="n">new</p><b>more</b></template></div>',
        "same": ["#t"],
        "js": {"document.getElementById('t').content.childNodes.length": 2},
    },
    {
        "name": "void_elements",
        "before": '<div id="c">a<br>b<img id="img" alt="one"><input id="in"><hr></div>',
        "update": '<div id="c">a b<img id="img" alt="two"><input id="in" placeholder="p"><wbr><hr class="x"></div>',
        "same": ["#img", "#in"],
    },
    {
        "name": "table_row_update_and_reorder",
        "before": '<table id="c"><tbody id="tb"><tr id="r1"><td>1</td></tr><tr id="r2"><td>2</td></tr></tbody></table>',
        "target": "tb",
        "update": '<tbody id="tb"><tr id="r2"><td>2</td><td>two</td></tr><tr id="r1"><td>1</td></tr></tbody>',
        "expected": '<table id="c"><tbody id="tb"><tr id="r2"><td>2</td><td>two</td></tr><tr id="r1"><td>1</td></tr>'
        "</tbody></table>",
        "same": ["#tb", "#r1", "#r2"],
    },
    # ------------------------------------------------------------------------------ SVG --
    {
        "name": "svg_in_a_container",
        "before": '<div id="c"><svg id="svg" width="100" height="100"><circle id="circ" cx="10" cy="10" r="5"/></svg></div>',
        "update": '<div id="c"><svg id="svg" width="100" height="100" viewBox="0 0 100 100">'
        '<circle id="circ" cx="20" cy="10" r="8" fill="red"/><rect id="rect" width="10" height="10"/></svg></div>',
        "same": ["#svg", "#circ"],
        "js": {
            "document.getElementById('rect').namespaceURI": "http://www.w3.org/2000/svg",
            "document.getElementById('circ').getBBox().width": 16,
        },
    },
    {
        "name": "svg_element_updated_alone",
        "before": '<div id="c"><svg id="svg" width="100" height="100"><g id="g"><circle id="circ" r="5"/></g></svg></div>',
        "target": "g",
        "update": '<g id="g" class="on"><circle id="circ" r="9"/><text id="txt" x="1" y="20">hi</text></g>',
        "expected": '<div id="c"><svg id="svg" width="100" height="100"><g id="g" class="on"><circle id="circ" r="9"/>'
        '<text id="txt" x="1" y="20">hi</text></g></svg></div>',
        "same": ["#g", "#circ"],
        "js": {
            "document.getElementById('txt').namespaceURI": "http://www.w3.org/2000/svg",
            "document.getElementById('circ').getBBox().width": 18,
        },
    },
    {
        "name": "svg_namespaced_attribute",
        "before": '<div id="c"><svg id="svg"><defs><circle id="dot" r="3"/></defs>'
        '<use id="u" xlink:href="#dot" href="#dot"/></svg></div>',
        "update": '<div id="c"><svg id="svg"><defs><circle id="dot" r="3"/></defs>'
        '<use id="u" xlink:href="#other" href="#other"/></svg></div>',
        "same": ["#u"],
        "js": {
            "document.getElementById('u').getAttributeNS('http://www.w3.org/1999/xlink', 'href')": "#other"
        },
    },
    {
        "name": "mathml_element_updated_alone",
        "before": '<div id="c"><math id="m"><mrow id="mr"><mi>x</mi><mo>+</mo><mn>1</mn></mrow></math></div>',
        "target": "mr",
        "update": '<mrow id="mr"><mi>y</mi><mo>+</mo><mn>2</mn></mrow>',
        "expected": '<div id="c"><math id="m"><mrow id="mr"><mi>y</mi><mo>+</mo><mn>2</mn></mrow></math></div>',
        "same": ["#mr"],
        "js": {"document.querySelector('#mr mi').namespaceURI": "http://www.w3.org/1998/Math/MathML"},
    },
]
