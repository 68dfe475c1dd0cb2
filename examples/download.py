"""Downloads: bytes, a file on disk and a generator streamed to the browser.

    python examples/download.py      # http://127.0.0.1:8000/

`self.download(data, filename, media_type=None)` within a callback: `data` is bytes, a path, or a
(sync or async) generator of bytes, sent as it is produced (nothing held whole in memory). The
browser fetches it from a one-time URL bound to the session and saves it; the page stays.
"""

from pathlib import Path

from htag import Tag

ROWS = 100_000


def squares():
    """A CSV produced row by row while it is downloaded."""
    yield b"n,square\n"
    for start in range(0, ROWS, 1000):
        yield "".join(f"{n},{n * n}\n" for n in range(start, start + 1000)).encode()


class Downloader(Tag.App):
    statics = [Tag.title("htag download")]
    styles = "body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }"

    def init(self):
        Tag.h1("Download")
        Tag.button("a greeting (bytes)", _id="hello", _onclick=self.hello)
        Tag.button(f"{ROWS} squares (a generator, CSV)", _id="squares", _onclick=self.squares)
        Tag.button("this example's source (a file)", _id="source", _onclick=self.source)
        self.status = Tag.p(_id="status")

    def hello(self, e):
        self.download("Grüße from htag\n".encode(), "grüße.txt")
        self.status.text = "greeting sent"

    def squares(self, e):
        self.download(squares(), "squares.csv", "text/csv")
        self.status.text = "squares sent"

    def source(self, e):
        self.download(Path(__file__), "download.py", "text/x-python")
        self.status.text = "source sent"


if __name__ == "__main__":
    from htag import WebApp

    WebApp(Downloader).run(open_browser=False)
