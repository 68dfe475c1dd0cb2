"""The htag demo: a counter, a todo list and a live clock, served on Granian.

python examples/demo.py            # then open http://127.0.0.1:8000/
"""

import asyncio
import datetime
import os

from htag import State, Tag


class Demo(Tag.App):
    statics = [Tag.title("htag demo")]
    styles = """
        body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
        .card { border: 1px solid #ccc; border-radius: 8px; padding: 1rem; margin: 1rem 0; }
        .done { text-decoration: line-through; color: #888; }
        button { padding: .3rem .8rem; }
    """

    def init(self):
        self.count = State(0)
        self.todos = State([])
        self.now = State("")
        Tag.h1("htag demo")
        with Tag.div(_class="card"):
            Tag.span("Clicks: ")
            Tag.b(self.count, _id="count")
            Tag.button("+1", _id="inc", _onclick=self.inc)
        with Tag.div(_class="card"):
            with Tag.form(_onsubmit=self.add_todo):
                self.field = Tag.input(_name="todo", _placeholder="something to do", _id="todo")
                Tag.button("add", _type="submit")
            Tag.ul(self.render_todos, _id="todos")
        Tag.p(lambda: f"Server time: {self.now.value}", _id="clock")

    def inc(self, event):
        self.count.value += 1

    def add_todo(self, event):
        text = (event["todo"] or "").strip()
        if text:
            self.todos.append({"text": text, "done": False})
            self.field["value"] = ""  # the browser's field empties with the reply

    def render_todos(self):
        items = []
        for i, todo in enumerate(self.todos.value):
            items.append(
                Tag.li(
                    todo["text"],
                    _class="done" if todo["done"] else "",
                    _onclick=lambda e, i=i: self.toggle(i),
                )
            )
        return items

    def toggle(self, i):
        self.todos[i]["done"] = not self.todos.value[i]["done"]

    async def on_mount(self):
        # a background task: the clock ticks without any user action
        async def tick():
            while True:
                self.now.value = datetime.datetime.now().strftime("%H:%M:%S")
                await asyncio.sleep(1)

        self._ticker = asyncio.ensure_future(tick())

    def on_unmount(self):
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.cancel()


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Demo).run(
        host=os.environ.get("HTAG_HOST", "127.0.0.1"),
        port=int(os.environ.get("HTAG_PORT", "8000")),
        open_browser=False,
    )
