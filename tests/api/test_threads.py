"""State writes and tag mutations from 8 threads while another thread builds frames:
no exception, no lost update, and the client DOM built from the frames equals a full render."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import sys
import threading

import pytest

from htag import App, State, Tag
from htag.testing.dom import ClientDOM, canonical, parse_one, unique_ids

ROUNDS = 300


@pytest.fixture(autouse=True)
def busy_switching():
    """Switch threads often so writes land in the middle of renders."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


class World(App):
    def init(self):
        self.word = "start"
        self.states = [State(0) for _ in range(3)]
        self.views = [Tag.p(s, _data_v=lambda s=s: s.value % 3) for s in self.states]
        self.boxes = [Tag.div() for _ in range(3)]
        self.shared = Tag.ul()
        self.seed = Tag.p(lambda: f"word={self.word}")
        self.add(*self.views, *self.boxes, self.shared, self.seed)


PACE = 50  # a writer is never more than this many rounds ahead of the frames


def run_threads(workers, app: World) -> ClientDOM:
    """Runs `workers` (each called with `pace`) in threads while another thread builds
    frames and applies them to a client DOM. A worker calls `pace(v)` at each round v:
    at every PACE-th round it waits for a frame built since its previous wait, so frames
    are always built while the writers run, however the threads are scheduled."""
    _, body = app.render_page()
    client = ClientDOM(body)
    errors: list[BaseException] = []
    done = threading.Event()
    start = threading.Barrier(len(workers) + 1)
    built = threading.Condition()
    frames_built = 0

    def pace(v: int) -> None:
        if v and v % PACE == 0:
            with built:
                # each round changes something: the frames that take those changes
                # come after this worker's previous wait, so this never waits in vain
                if not built.wait_for(lambda: frames_built >= v // PACE, timeout=30):
                    raise TimeoutError(f"no frame built while round {v} waited")

    def guard(fn):
        def run():
            try:
                start.wait()
                fn(pace)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

        return run

    def frames():
        nonlocal frames_built
        start.wait()
        try:
            while not done.is_set():
                frame = app.next_frame()
                client.apply(frame)
                if frame is not None:
                    with built:
                        frames_built += 1
                        built.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
            done.set()

    threads = [threading.Thread(target=guard(w)) for w in workers]
    framer = threading.Thread(target=frames)
    framer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    framer.join(60)
    assert not errors, errors
    assert frames_built > 1  # frames were built while the writers ran
    client.apply(app.next_frame())
    return client


def test_concurrent_writes_and_frames():
    app = World()

    def state_writer(i):
        def work(pace):
            for v in range(ROUNDS):
                pace(v)
                app.states[i].value = v

        return work

    def box_worker(i):
        def work(pace):
            box = app.boxes[i]
            for v in range(ROUNDS):
                pace(v)
                box.add(Tag.span(v))
                if v % 3 == 0:
                    box.remove(box.childs[0])  # a tag or, after a text reset, a string
                box["data-n"] = v
                box.toggle_class("odd")
                if v % 50 == 0:
                    box.text = f"reset {v}"

        return work

    def shared_worker(i):
        def work(pace):
            for v in range(ROUNDS // 3):
                pace(v)
                app.shared <= Tag.li(f"{i}-{v}")

        return work

    def seed_writer(pace):
        for v in range(ROUNDS):
            pace(v)
            app.word = f"w{v}"

    workers = [state_writer(0), state_writer(1), state_writer(2), box_worker(0), box_worker(1), box_worker(2),
               shared_worker(0), seed_writer]  # fmt: skip
    assert len(workers) == 8
    client = run_threads(workers, app)

    # no lost update: the last values are what the client shows
    expected = parse_one(str(app))
    unique_ids(client.body)
    assert canonical(client.body) == canonical(expected)
    last = ROUNDS - 1
    for view in app.views:
        assert str(view) == f'<p id="{view.id}" data-v="{last % 3}">{last}</p>'
    for box in app.boxes:
        assert box["data-n"] == str(last)
        assert box.has_class("odd") is (ROUNDS % 2 == 1)
    assert len(app.shared.childs) == ROUNDS // 3
    assert str(app.seed) == f'<p id="{app.seed.id}">word=w{last}</p>'
    assert app.next_frame() is None


def test_many_threads_add_to_one_tag():
    app = World()
    per = 200

    def adder(i):
        def work(pace):
            for v in range(per):
                pace(v)
                app.shared.add(Tag.li(f"{i}:{v}"))
                app.states[i % 3].value += 1

        return work

    client = run_threads([adder(i) for i in range(8)], app)
    assert len(app.shared.childs) == 8 * per
    texts = sorted(li.text for li in app.shared.childs)
    assert texts == sorted(f"{i}:{v}" for i in range(8) for v in range(per))
    assert canonical(client.body) == canonical(parse_one(str(app)))


def test_state_written_from_a_thread_reaches_the_next_frame():
    app = World()
    app.render_page()
    notified = threading.Event()
    app._set_notifier(lambda throttle: notified.set())
    t = threading.Thread(target=lambda: setattr(app.states[0], "value", 42))
    t.start()
    t.join()
    assert notified.is_set()  # the server is told, whatever the thread
    frame = app.next_frame()
    view = app.views[0]
    assert frame == {"action": "update", "updates": {view.id: f'<p id="{view.id}" data-v="0">42</p>'}}
