"""State behaves as in htag 2: `proxy.get()`, `State(proxy)`, `s.value = s.value`."""

from __future__ import annotations

from htag import App, State, Tag


def frame_after(app: App, change) -> dict | None:
    app.render_page()
    change()
    return app.next_frame()


def test_proxy_get_without_argument_is_the_value():
    s = State({"items": [1, 2], "conf": {"a": 1}})
    assert s["items"].get() == [1, 2]
    assert s["conf"].get() == {"a": 1}
    assert s["conf"].get("a") == 1
    assert s["conf"].get("zz", 5) == 5


def test_state_get_passes_keywords_to_the_value():
    class Store(dict):
        def get(self, key, default=None, *, upper=False):
            value = super().get(key, default)
            return value.upper() if upper else value

    s = State(Store(a="x"))
    assert s.get("a", upper=True) == "X"


def test_state_of_a_proxy_is_the_proxy():
    s = State({"items": [1]})
    proxy = s["items"]
    assert State(proxy) is proxy


def test_writes_through_state_of_a_proxy_rerender_readers_of_the_parent():
    class Main(App):
        def init(self):
            self.data = State({"items": ["a"]})
            self.items = State(self.data["items"])
            self.count = Tag.span(lambda: len(self.data["items"]))
            self.add(self.count)

    app = Main()
    frame = frame_after(app, lambda: app.items.append("b"))
    assert frame is not None
    assert f'<span id="{app.count.id}">2</span>' in str(frame)


def test_a_proxy_renders_as_a_reactive_child_and_attribute():
    class Main(App):
        def init(self):
            self.data = State({"name": ["x"]})
            self.label = Tag.span(self.data["name"], _title=self.data["name"])
            self.add(self.label)

    app = Main()
    assert str(app.label) == f'<span id="{app.label.id}" title="[&#x27;x&#x27;]">x</span>'
    frame = frame_after(app, lambda: app.data["name"].append("y"))
    assert frame is not None and "xy" in str(frame)


def test_writing_back_the_value_after_an_in_place_change_rerenders():
    class Main(App):
        def init(self):
            self.items = State([1])
            self.count = Tag.span(lambda: len(self.items.value))
            self.add(self.count)

    app = Main()
    app.render_page()
    app.items.value.append(2)  # not seen: the list changed behind the State's back
    assert app.next_frame() is None
    app.items.value = app.items.value
    frame = app.next_frame()
    assert frame is not None and f'<span id="{app.count.id}">2</span>' in str(frame)


def test_writing_back_an_equal_immutable_value_stays_quiet():
    class Main(App):
        def init(self):
            self.n = State(3)
            self.add(Tag.span(self.n))

    app = Main()
    assert frame_after(app, lambda: setattr(app.n, "value", 3)) is None
