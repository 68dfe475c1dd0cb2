"""A clock driven by a thread: a plain `threading.Thread` changes a `State`, and htag's
thread-safe update queue sends the change to the browser without any click.

    htag run examples/clock.py:Clock
"""

import threading
import time

from htag import State, Tag


class Clock(Tag.App):
    statics = [Tag.title("htag clock")]

    def init(self):
        self.now = State(time.strftime("%H:%M:%S"))
        self.ticks = State(0)
        Tag.h1(self.now, _id="now")
        Tag.p(lambda: f"{self.ticks.value} ticks", _id="ticks")

    def on_mount(self):
        # one stop signal per thread: a reload (unmount, then mount) must not revive the old one
        self.stopped = threading.Event()
        threading.Thread(target=self.tick, args=(self.stopped,), daemon=True, name="clock").start()

    def tick(self, stopped):
        while not stopped.wait(1.0):
            self.now.value = time.strftime("%H:%M:%S")
            self.ticks.value += 1

    def on_unmount(self):
        self.stopped.set()

    on_destroy = on_unmount  # the session ended


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Clock).run()
