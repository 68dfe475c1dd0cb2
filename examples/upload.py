"""Upload with progress: choose files (or drop them on the box) and watch them arrive.

    python examples/upload.py        # http://127.0.0.1:8000/

The input's `change` callback receives the files as `e.files` once they are all on the server;
its `progress` callback runs as they arrive (`e.loaded` of `e.total` bytes). Each file is held in
memory up to 1 MiB, on disk beyond, and deleted when the callback ends: `f.save(path)` keeps a copy.
Uploads over `MAX_SIZE` are refused before a byte is sent, and the callback gets `e.error`.
"""

import hashlib

from htag import Tag

MAX_SIZE = 50 << 20


class Uploader(Tag.App):
    statics = [Tag.title("htag upload")]
    styles = """
        body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
        #drop { border: 2px dashed #999; padding: 2rem; text-align: center; margin: 1rem 0; }
        progress { width: 100%; }
        .error { color: #b00; }
    """

    def init(self):
        Tag.h1("Upload")
        Tag.input(
            _type="file", _multiple=True, _id="files", _onchange=self.received, _onprogress=self.progress
        )
        Tag.div("... or drop files here", _id="drop", _ondrop=self.received, _onprogress=self.progress)
        self.bar = Tag.progress(_id="bar", _max="100", _value="0")
        self.percent = Tag.span("", _id="percent")
        self.status = Tag.p(_id="status")
        self.received_list = Tag.ul(_id="received")

    def progress(self, e):
        percent = 100 * e.loaded // e.total if e.total else 100
        self.bar["value"] = str(percent)
        self.percent.text = f"{percent}%"

    def received(self, e):
        if e.error:
            self.status.text = e.error
            self.status["class"] = "error"
            return
        self.status.text = f"{len(e.files)} file(s) received"
        self.status["class"] = ""
        for f in e.files:
            digest = hashlib.sha256()
            for piece in f.chunks():
                digest.update(piece)
            self.received_list.add(
                Tag.li(f"{f.name} ({f.type or 'unknown type'}, {f.size} bytes) sha256 {digest.hexdigest()}")
            )


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Uploader, max_upload_size=MAX_SIZE).run(open_browser=False)
