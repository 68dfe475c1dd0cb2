"""Files a callback receives (`UploadedFile`) and sends (`Download`).

An `<input type="file">` whose event is bound to a callback (or an element whose `drop` is)
sends the chosen files to the server before the callback runs; the callback reads them
from `e.files`. Each one is held in a `SpooledTemporaryFile`: in memory up to
`SPOOL_MEMORY` bytes, on disk beyond, and deleted when the callback ends (copy it with
`save(path)` or `read()` to keep it). How they travel: docs/protocol.md#files.

`Tag.download(...)` offers bytes, a file or a generator of bytes to the browser; the
server turns a `Download` into a one-time URL (docs/security.md#files).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["DOWNLOAD_OFFER", "SPOOL_MEMORY", "Download", "DownloadSource", "UploadedFile"]

SPOOL_MEMORY = 1 << 20  # bytes of an uploaded file kept in memory before it goes to disk
READ_CHUNK = 1 << 16

DownloadSource = bytes | bytearray | memoryview | str | os.PathLike | Iterable[bytes] | AsyncIterable[bytes]


class UploadedFile:
    """A file the browser sent: `name` (as the user's system named it, without any
    directory: never trust it as a path), `type` (its media type, as the browser guessed
    it; may be empty) and `size` (bytes). Read it with `read()`, stream it with
    `chunks()` or `open()`, copy it with `save(path)`. It exists until the callback that
    received it ends."""

    def __init__(self, name: str, media_type: str, size: int, spool: IO[bytes] | None = None) -> None:
        self.name = name
        self.type = media_type
        self.size = size
        self._file: Any = spool if spool is not None else new_spool()

    def write(self, data: bytes) -> None:
        """Appends bytes (the server, as chunks arrive)."""
        self._file.write(data)

    def open(self) -> IO[bytes]:
        """The file object, at its start (a file of its own: do not close it)."""
        self._file.seek(0)
        return self._file  # type: ignore[no-any-return]

    def read(self) -> bytes:
        """The whole content."""
        return self.open().read()  # type: ignore[no-any-return]

    def chunks(self, size: int = READ_CHUNK) -> Iterator[bytes]:
        """The content in pieces of at most `size` bytes (nothing held beyond one)."""
        file = self.open()
        while piece := file.read(size):
            yield piece

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Copies the content to `path` (a file, written anew); returns it."""
        target = Path(path)
        with target.open("wb") as out:
            shutil.copyfileobj(self.open(), out, READ_CHUNK)
        return target

    @property
    def in_memory(self) -> bool:
        """Whether the content is still in memory (not yet rolled over to a temporary file)."""
        return not getattr(self._file, "_rolled", True)

    @property
    def closed(self) -> bool:
        return bool(self._file.closed)

    def close(self) -> None:
        """Frees the content (deletes its temporary file); the server calls it when the
        callback ends."""
        self._file.close()

    def __repr__(self) -> str:
        return f"<UploadedFile {self.name!r} {self.type or '?'} {self.size} bytes>"


def new_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, prefix="htag-upload-")


@dataclass
class Download:
    """What `Tag.download` offers: `source` is bytes, a path (str or `os.PathLike`) or a
    (sync or async) iterable of bytes, sent once as `filename`."""

    source: DownloadSource
    filename: str
    media_type: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.filename, str) or not self.filename.strip():
            raise ValueError("download(): filename must be a non-empty str")
        source = self.source
        if isinstance(source, (str, os.PathLike)):
            if not Path(source).is_file():
                raise FileNotFoundError(f"download(): no file at {os.fspath(source)!r}")
        elif not isinstance(source, (bytes, bytearray, memoryview)) and not (
            hasattr(source, "__iter__") or hasattr(source, "__aiter__")
        ):
            raise TypeError("download(): data must be bytes, a path or a (sync or async) generator of bytes")

    def close(self) -> None:
        """Lets go of a generator never sent (its `finally` blocks run)."""
        close = getattr(self.source, "close", None)
        if close is not None and hasattr(self.source, "__next__"):
            close()


# where the server puts its `Download -> URL` function on an App (see `Tag.download`)
DOWNLOAD_OFFER = "_htag_download_offer"
