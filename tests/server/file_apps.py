"""Apps with file uploads and downloads (imported by the server and browser tests' servers)."""

import asyncio
import hashlib
import os
import threading

from htag import Tag


def _record(line: str) -> None:
    path = os.environ.get("HTAG_TEST_LOG")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes that are not all alike (a shifted chunk would show)."""
    block = hashlib.sha256(str(seed).encode()).digest() * 8
    whole = block * (size // len(block) + 1)
    return bytes((b + i // len(block)) % 256 for i, b in enumerate(whole[:size]))


class Files(Tag.App):
    def init(self):
        self.up = Tag.input(
            _type="file", _id="up", _multiple=True, _onchange=self.got, _onprogress=self.progress
        )
        Tag.input(_type="file", _id="small", _data_max_size="1000", _onchange=self.got)
        Tag.div("drop files here", _id="drop", _ondrop=self.got, _style="width:200px;height:100px")
        self.result = Tag.div(_id="result")
        self.percent = Tag.span("0%", _id="percent")
        self.seen = Tag.div(_id="seen")
        Tag.button("inc", _id="inc", _onclick=self.inc)
        self.count = Tag.span("0", _id="count")
        Tag.button("bytes", _id="dl-bytes", _onclick=lambda e: self.download(pattern(300_000, 1), "data.bin"))
        Tag.button("gen", _id="dl-gen", _onclick=lambda e: self.download(self.chunks(), "génerated ✓.txt"))
        Tag.button("agen", _id="dl-agen", _onclick=lambda e: self.download(self.achunks(), "async.bin"))
        Tag.button("later", _id="dl-later", _onclick=self.later)
        self.percents = []

    def later(self, e):
        """A download offered from a thread of the App's own, after the callback returned."""
        threading.Thread(target=lambda: self.download(b"from a thread", "later.txt")).start()

    def inc(self, e):
        self.count.text = str(int(self.count.text) + 1)

    def progress(self, e):
        percent = round(100 * e.loaded / e.total) if e.total else 100
        self.percent.text = f"{percent}%"
        self.percents.append(percent)
        _record(f"progress {percent}")
        self.seen.text = " ".join(map(str, self.percents))

    def got(self, e):
        if e.error:
            self.result.text = f"refused: {e.error}"
            _record(f"refused {e.error}")
            return
        lines = []
        for f in e.files:
            digest = hashlib.sha256()
            for piece in f.chunks():
                digest.update(piece)
            lines.append(
                f"{f.name}|{f.type}|{f.size}|{digest.hexdigest()}|{'memory' if f.in_memory else 'disk'}"
            )
        self.result.text = " ; ".join(lines) or "no files"
        _record("files " + " ; ".join(lines))

    def chunks(self):
        for i in range(50):
            yield pattern(10_000, i)

    async def achunks(self):
        for i in range(5):
            await asyncio.sleep(0)
            yield pattern(1000, i)


class AsyncFiles(Files):
    """The same, with an async callback: the files live until it ends."""

    async def got(self, e):
        await asyncio.sleep(0.05)
        Files.got(self, e)
