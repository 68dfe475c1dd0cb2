"""A background task pushing updates (htag 2.0.28 style): `on_mount` starts a task
that changes a `State`; every change reaches the browser without a click."""

import asyncio

from htag import State, Tag, WebApp


class App(Tag.App):
    def init(self):
        self.ticks = State(0)
        Tag.p(lambda: f"ticks: {self.ticks.value}", _id="ticks")
        Tag.p(lambda: "done" if self.ticks.value >= 3 else "running", _id="status")
        Tag.button("Reset", _id="reset", _onclick=self.reset)

    def on_mount(self):
        self.task = asyncio.create_task(self.tick())

    async def tick(self):
        while self.ticks.value < 3:
            await asyncio.sleep(0.05)
            self.ticks.value += 1

    def reset(self, e):
        done = self.ticks.value
        self.ticks.value = 0
        return done


app = WebApp(App)

if __name__ == "__main__":
    app.run()
