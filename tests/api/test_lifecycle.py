"""HTAG_API.md, "Lifecycle": init once, on_mount/on_unmount when attached/detached,
generator hooks queued in app._engine.lifecycle."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import inspect

from htag import App, State, Tag


class Probe(Tag.div):
    """Records its hooks in a shared log."""

    log: list = []

    def init(self, name="p"):
        self.name = name
        self.log.append(("init", name))

    def on_mount(self):
        self.log.append(("mount", self.name))

    def on_unmount(self):
        self.log.append(("unmount", self.name))


def fresh_log() -> list:
    Probe.log = []
    return Probe.log


def test_init_runs_once_and_no_hooks_before_mount():
    log = fresh_log()
    p = Probe("a")
    Tag.div(p)
    assert log == [("init", "a")]


def test_mount_and_unmount_with_add_remove_clear():
    log = fresh_log()
    app = App()
    a, b, c = Probe("a"), Probe("b"), Probe("c")
    del log[:]
    app.add(a)
    assert log == [("mount", "a")]
    box = Tag.div(b, Tag.span(c))  # a whole subtree mounts at once
    app <= box
    assert log == [("mount", "a"), ("mount", "b"), ("mount", "c")]
    del log[:]
    a.remove()
    assert log == [("unmount", "a")]
    del log[:]
    box.clear()
    assert sorted(log) == [("unmount", "b"), ("unmount", "c")]
    del log[:]
    app.add(a)
    app.remove(a)
    assert log == [("mount", "a"), ("unmount", "a")]


def test_children_created_in_app_init_mount_once():
    log = fresh_log()

    class MyApp(App):
        def init(self):
            self.p = Probe("x")  # created inside init: joins the App ...
            self += self.p  # ... and this moves it inside the App: no unmount/mount churn

    app = MyApp()
    assert log == [("init", "x")]  # the App's own tree mounts when it is first served ...
    app.render_page()
    assert log == [("init", "x"), ("mount", "x")]
    app.render_page()  # ... once
    assert log == [("init", "x"), ("mount", "x")]


def test_move_inside_the_app_keeps_it_mounted():
    log = fresh_log()
    app = App()
    left, right = Tag.div(), Tag.div()
    p = Probe("m")
    left <= p
    app.add(left, right)
    right <= p
    assert log == [("init", "m"), ("mount", "m")]
    assert p.parent is right and app.find_tag(p.id) is p


def test_move_to_another_app():
    log = fresh_log()
    one, two = App(), App()
    p = Probe("m")
    one <= p
    two <= p
    assert log == [("init", "m"), ("mount", "m"), ("unmount", "m"), ("mount", "m")]
    assert one.find_tag(p.id) is None and two.find_tag(p.id) is p


def test_app_hooks():
    calls = []

    class MyApp(App):
        def on_mount(self):
            calls.append("mount")

        def on_destroy(self):
            calls.append("destroy")

    app = MyApp()
    assert calls == []  # built: not served yet (as in htag 2, where the WebApp mounts it)
    app.render_page()
    assert calls == ["mount"]
    app._remount()  # F5
    assert calls == ["mount", "mount"]


def test_remount_runs_unmount_then_mount():
    log = fresh_log()
    app = App()
    app <= Probe("r")
    del log[:]
    app._remount()
    assert log == [("unmount", "r"), ("mount", "r")]


def test_generator_hooks_are_queued():
    steps = []

    class Gen(Tag.div):
        def on_mount(self):
            steps.append("start")
            yield
            steps.append("end")

    class AsyncGen(Tag.div):
        async def on_mount(self):
            steps.append("async")

    app = App()
    app.add(Gen(), AsyncGen())
    assert steps == []  # queued, not run: they wait for a client
    pending = app._engine.take_lifecycle()
    assert len(pending) == 2
    assert inspect.isgenerator(pending[0]) and inspect.iscoroutine(pending[1])
    assert app._engine.lifecycle == []
    for _ in pending[0]:
        pass
    pending[1].close()
    assert steps == ["start", "end"]


def test_hooks_of_tags_built_by_lambdas():
    log = fresh_log()
    show = State(True)
    app = App()
    app <= Tag.div(lambda: Probe("lazy") if show.value else "")
    assert log == []  # not rendered yet
    app.render_page()
    assert log == [("init", "lazy"), ("mount", "lazy")]
    show.value = False
    app.next_frame()
    assert log == [("init", "lazy"), ("mount", "lazy"), ("unmount", "lazy")]


def test_a_lambda_rebuilding_components_unmounts_the_old_ones():
    log = fresh_log()
    n = State(0)
    app = App()
    app <= Tag.div(lambda: Probe(f"v{n.value}"))
    app.render_page()
    n.value = 1
    frame = app.next_frame()
    assert log == [("init", "v0"), ("mount", "v0"), ("init", "v1"), ("unmount", "v0"), ("mount", "v1")]
    assert list(frame["updates"]) == [app.childs[0].id]
    (v1,) = app.childs[0]._htag_generated.values()
    assert app.find_tag(v1[0].id) is v1[0]


def test_a_replaced_tag_with_events_stays_findable_for_a_frame():
    n = State(0)
    app = App()
    app <= Tag.div(lambda: Tag.button(f"v{n.value}", _onclick=lambda e: None))
    app.render_page()
    (old,) = next(iter(app.childs[0]._htag_generated.values()))
    n.value = 1
    app.next_frame()
    # a click sent just before the new button arrived still lands
    assert app.find_tag(old.id) is old
    app.next_frame()
    app.next_frame()
    assert app.find_tag(old.id) is None


def test_several_lambdas_in_one_tag_keep_their_tags():
    a, b = State("A"), State("B")
    app = App()
    d = Tag.div(lambda: Tag.b(a.value), lambda: Tag.i(b.value))
    app <= d
    app.render_page()
    built = [t for gen in d._htag_generated.values() for t in gen]
    assert sorted(t.tag for t in built) == ["b", "i"]
    assert all(t.parent is d and t.root is app for t in built)
    b.value = "C"
    app.next_frame()
    tags = sorted(t.tag for t in app._engine.index.values() if t.tag in ("b", "i"))
    assert tags == ["b", "i"]


def test_clearing_a_lambda_child_unmounts_what_it_built():
    log = fresh_log()
    app = App()
    d = Tag.div(lambda: Probe("built"))
    app <= d
    app.render_page()
    del log[:]
    d.clear()
    assert log == [("unmount", "built")]
    assert [t for t in app._engine.index.values() if isinstance(t, Probe)] == []


def test_on_mount_may_change_the_tree():
    class Grows(Tag.div):
        def on_mount(self):
            self <= Tag.span("grown")

    app = App()
    g = Grows()
    app <= g
    assert "grown" in str(g)
    app.render_page()
    show = State(False)
    app <= Tag.div(lambda: Grows() if show.value else "")
    app.next_frame()
    show.value = True
    app.next_frame()
    frame = app.next_frame()  # the hook ran after the render: its change comes next
    assert frame is not None and "grown" in str(frame)
