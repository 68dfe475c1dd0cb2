"""The App the reliability tests serve (imported by the server subprocess, see `support.start_server`).

`Workload` is the server tests' `Counter` (its buttons, and `on_destroy` recorded in the test log) plus
two buttons that misbehave on purpose: `block` sleeps in a sync callback, `flood` streams big frames.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

from htag import State, Tag

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
from apps import Counter  # tests/server/apps.py (its directory is put on the path above)

# htag logs to a NullHandler: the server's own warnings and errors go to its output, where the tests
# look for errors htag did not handle (`support.internal_errors`)
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

FLOOD_BYTES = 16_384  # per frame: a stalled client's TCP buffers fill after a few hundred frames
FLOOD_EVERY_S = 0.002


class Workload(Counter):
    def init(self):
        super().init()
        self.feed = State("")
        Tag.div(self.feed, _id="feed")
        Tag.button("block", _id="block", _onclick=self.block)
        Tag.button("flood", _id="flood", _onclick=self.flood)

    def block(self, e):
        """A sync callback that holds its thread for `value` seconds (a blocking call in user code)."""
        seconds = float(e.value or 1)
        time.sleep(seconds)
        return seconds

    def flood(self, e):
        """`value` frames of FLOOD_BYTES each, one every FLOOD_EVERY_S: more than a stalled client takes."""
        for i in range(int(e.value or 1000)):
            self.feed.value = f"{i:08d}" + "x" * FLOOD_BYTES
            yield asyncio.sleep(FLOOD_EVERY_S)


class AsyncWorkload(Workload):
    """`Workload` whose `on_destroy` is async and takes a while: at shutdown it must be awaited."""

    async def on_destroy(self):
        await asyncio.sleep(0.2)
        super().on_destroy()
