"""File uploads over the existing transports: a transfer announced by the client, received
in acknowledged chunks, then handed to the bound callback as `e.files`.

The client announces the files (`{"action": "upload", ...}`: names, types, sizes, and the
event the callback is bound to); the server answers with the chunk it wants next
(`upload_ack`), so a client never sends more than one chunk ahead (backpressure, whatever
the transport). Each chunk is base64 in a JSON message (`chunk`), appended to an
`UploadedFile` (memory up to `SPOOL_MEMORY`, then a temporary file). Once every file is
complete the bound event runs with `e.files`; the files are deleted when it ends.
Anything wrong (over the size limit, a chunk out of order or too large, bad base64) ends
the transfer at once: its files are deleted, the client gets `upload_error` and the
callback runs with `e.error` (and no files), so the App can say so. A closed connection
deletes its transfers. Wire format: docs/protocol.md#files.
"""

from __future__ import annotations

import binascii
import logging
import time
from base64 import b64decode
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.files import UploadedFile
from ..core.frames import error_frame
from ..core.tag import GTag
from .connections import Connection
from .dispatch import callback_id_of, is_callback_id
from .sessions import Session

if TYPE_CHECKING:
    from .protocol import Protocol

logger = logging.getLogger("htag")

UPLOAD_ACTIONS = ("upload", "chunk", "upload_abort")
MAX_CHUNK = 256 * 1024  # raw bytes per chunk, at most (fewer when max_message_size is small)
MAX_FILES = 100  # files in one transfer
MAX_TRANSFERS = 4  # transfers at once per session
IDLE_TIMEOUT = 60.0  # seconds without a chunk before a transfer is dropped
PROGRESS_STEPS = 100  # the `progress` callback runs at most this often per transfer (plus at 100%)
PROGRESS_EVENT = "progress"
MAX_SIZE_ATTRIBUTE = "data-max-size"  # a per-input limit, in bytes, on the bound tag


def chunk_size_for(max_message_size: int) -> int:
    """The largest chunk whose message fits `max_message_size`: base64 makes 4 of 3 bytes,
    and parano mode encodes the message in base64 again (16/9 in all), plus the JSON."""
    return max(1024, min(MAX_CHUNK, (max_message_size - 2048) * 9 // 16))


def human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


class UploadRefused(ValueError):
    """A transfer ends: the message says why (to the client and to the App)."""


@dataclass
class Transfer:
    """One announced upload of a session: its files, where it stands, who sends it."""

    uid: str
    conn: Connection
    tag: GTag
    event: str
    data: dict[str, Any]
    files: list[UploadedFile]
    limit: int
    chunk: int
    file_index: int = 0
    offset: int = 0
    received: int = 0
    next_progress: int = 0
    last_seen: float = field(default_factory=time.monotonic)

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)

    def skip_complete(self) -> None:
        """Moves past the files already whole (empty ones are whole at once)."""
        while self.file_index < len(self.files) and self.offset >= self.files[self.file_index].size:
            self.file_index += 1
            self.offset = 0

    @property
    def done(self) -> bool:
        return self.file_index >= len(self.files)

    def ack(self) -> dict[str, Any]:
        if self.done:
            return {"action": "upload_ack", "upload": self.uid, "done": True}
        return {
            "action": "upload_ack",
            "upload": self.uid,
            "file": self.file_index,
            "offset": self.offset,
            "size": self.chunk,
        }

    def close(self) -> None:
        for f in self.files:
            f.close()


class UploadReceiver:
    """Receives the transfers of every session of a `Protocol` (which runs their events)."""

    def __init__(self, protocol: Protocol, max_upload_size: int, max_message_size: int) -> None:
        self.protocol = protocol
        self.max_upload_size = max_upload_size
        self.chunk = chunk_size_for(max_message_size)

    # -- messages ------------------------------------------------------------------

    def handle(
        self, session: Session, conn: Connection, message: dict[str, Any], request: Any
    ) -> Coroutine[Any, Any, None] | None:
        action = message.get("action")
        uid = message.get("upload")
        if not is_callback_id(uid):
            conn.push(error_frame("bad message: 'upload' must be 1 to 64 printable ASCII characters", None))
            return None
        if action == "upload":
            return self.start(session, conn, uid, message, request)
        transfer = session.uploads.get(uid)
        if transfer is None or transfer.conn is not conn:
            conn.push(refusal(uid, "unknown upload"))
            return None
        if action == "upload_abort":
            self.drop(session, transfer, "aborted by the client")
            return None
        try:
            self.receive(transfer, message)
        except UploadRefused as e:
            return self.refuse(session, transfer, str(e), request)
        transfer.last_seen = time.monotonic()
        conn.push(transfer.ack())
        progress = self.progress(session, transfer, request)
        if not transfer.done:
            return progress
        return self.finish(session, transfer, request, progress)

    def start(
        self, session: Session, conn: Connection, uid: str, message: dict[str, Any], request: Any
    ) -> Coroutine[Any, Any, None] | None:
        tag_id, event, data = message.get("id"), message.get("event"), message.get("data")
        data = data if isinstance(data, dict) else {}
        callback_id = callback_id_of(message)
        tag = session.app.find_tag(tag_id) if isinstance(tag_id, str) else None
        if tag is None or not isinstance(event, str) or tag._event_handler(event) is None:
            conn.push(refusal(uid, f"no {str(event)[:50]!r} handler on {str(tag_id)[:50]!r}", callback_id))
            return None
        if uid in session.uploads:
            conn.push(refusal(uid, "this upload id is already in use", callback_id))
            return None
        try:
            files = announced_files(message.get("files"))
            limit = self.limit_of(tag)
            total = sum(size for _, _, size in files)
            if total > limit:
                raise UploadRefused(f"upload refused: {human(total)} is over the limit of {human(limit)}")
            if len(session.uploads) >= MAX_TRANSFERS:
                raise UploadRefused(f"upload refused: {MAX_TRANSFERS} uploads are already running")
        except UploadRefused as e:
            conn.push(refusal(uid, str(e)))
            return self.run_event(session, conn, tag, event, data, request, error=str(e))
        transfer = Transfer(
            uid, conn, tag, event, data, [UploadedFile(n, t, s) for n, t, s in files], limit, self.chunk
        )
        transfer.skip_complete()
        logger.info(
            "session %s: upload of %d file(s), %d bytes, started", session.sid[:8], len(files), transfer.total
        )
        if transfer.done:  # only empty files: nothing to wait for
            return self.run_event(session, conn, tag, event, data, request, files=transfer.files)
        session.uploads[uid] = transfer
        conn.push(transfer.ack())
        return None

    def receive(self, transfer: Transfer, message: dict[str, Any]) -> None:
        """Appends one chunk, if it is the one expected."""
        index, offset, text = message.get("file"), message.get("offset"), message.get("data")
        if index != transfer.file_index or offset != transfer.offset or type(offset) is not int:
            raise UploadRefused(
                f"upload failed: chunk of file {str(index)[:20]} at {str(offset)[:20]} out of order "
                f"(expected file {transfer.file_index} at {transfer.offset})"
            )
        if not isinstance(text, str) or len(text) > (transfer.chunk + 2) // 3 * 4:
            raise UploadRefused(f"upload failed: a chunk is at most {transfer.chunk} bytes")
        try:
            data = b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise UploadRefused("upload failed: a chunk is not base64") from None
        file = transfer.files[transfer.file_index]
        if not data or transfer.offset + len(data) > file.size:
            raise UploadRefused(
                f"upload failed: {file.name!r} is larger than the {file.size} bytes announced"
                if data
                else "upload failed: an empty chunk"
            )
        file.write(data)
        transfer.offset += len(data)
        transfer.received += len(data)
        transfer.skip_complete()

    def limit_of(self, tag: GTag) -> int:
        """The size limit of a transfer: the server's, or the tag's `data-max-size` if lower."""
        limit = self.max_upload_size
        try:
            own = int(str(tag[MAX_SIZE_ATTRIBUTE]))
        except (KeyError, TypeError, ValueError):
            return limit
        return min(limit, own) if own >= 0 else limit

    # -- ends ------------------------------------------------------------------------

    def progress(
        self, session: Session, transfer: Transfer, request: Any
    ) -> Coroutine[Any, Any, None] | None:
        """Runs the tag's `progress` callback (if any) with `e.loaded` and `e.total`, at most
        PROGRESS_STEPS times per transfer, always at the end."""
        total = transfer.total
        if transfer.received < transfer.next_progress and not transfer.done:
            return None
        transfer.next_progress = transfer.received + max(1, total // PROGRESS_STEPS)
        if transfer.tag._event_handler(PROGRESS_EVENT) is None:
            return None
        data = {"loaded": transfer.received, "total": total}
        message = {"id": transfer.tag._hid, "event": PROGRESS_EVENT, "data": data}
        return self.protocol.start(session, transfer.conn, message, request)

    def finish(
        self, session: Session, transfer: Transfer, request: Any, before: Coroutine[Any, Any, None] | None
    ) -> Coroutine[Any, Any, None] | None:
        """Every file is here: the bound event runs with them, then they are deleted."""
        session.uploads.pop(transfer.uid, None)
        logger.info("session %s: upload of %d bytes complete", session.sid[:8], transfer.total)
        after = self.run_event(
            session, transfer.conn, transfer.tag, transfer.event, transfer.data, request, files=transfer.files
        )
        return in_order(before, after, transfer.close)

    def refuse(
        self, session: Session, transfer: Transfer, reason: str, request: Any
    ) -> Coroutine[Any, Any, None] | None:
        self.drop(session, transfer, reason)
        transfer.conn.push(refusal(transfer.uid, reason))
        return self.run_event(
            session, transfer.conn, transfer.tag, transfer.event, transfer.data, request, error=reason
        )

    def run_event(
        self,
        session: Session,
        conn: Connection,
        tag: GTag,
        event: str,
        data: dict[str, Any],
        request: Any,
        files: list[UploadedFile] | None = None,
        error: str | None = None,
    ) -> Coroutine[Any, Any, None] | None:
        """The bound callback, with `e.files` (also `e.value`) and `e.error`; deletes the files
        when it ends, whatever its kind."""
        files = files or []
        sent = dict(data, files=files, value=files, error=error)
        message = {"id": tag._hid, "event": event, "data": sent}
        try:
            rest = self.protocol.start(session, conn, message, request)
        except BaseException:
            close_all(files)
            raise
        return in_order(rest, None, lambda: close_all(files))

    def drop(self, session: Session, transfer: Transfer, why: str) -> None:
        """Ends a transfer and deletes its files."""
        session.uploads.pop(transfer.uid, None)
        transfer.close()
        logger.warning("session %s: upload of %d bytes ended: %s", session.sid[:8], transfer.total, why)

    def connection_closed(self, session: Session, conn: Connection) -> None:
        for transfer in [t for t in session.uploads.values() if t.conn is conn]:
            self.drop(session, transfer, "its connection closed")

    def expire(self, sessions: list[Session]) -> None:
        """Drops the transfers whose client sent nothing for IDLE_TIMEOUT seconds."""
        stale = time.monotonic() - IDLE_TIMEOUT
        for session in sessions:
            for transfer in [t for t in session.uploads.values() if t.last_seen < stale]:
                self.drop(session, transfer, "no chunk for a minute")

    def is_live_chunk(self, session: Session, message: Any) -> bool:
        """Whether `message` is a chunk of one of the session's transfers (those are bounded
        by the size limit and paced by acknowledgements: they do not count as events)."""
        return (
            isinstance(message, dict)
            and message.get("action") == "chunk"
            and message.get("upload") in session.uploads
        )


def announced_files(files: Any) -> list[tuple[str, str, int]]:
    """(name, media type, size) of each announced file, checked."""
    if not isinstance(files, list) or not 0 < len(files) <= MAX_FILES:
        raise UploadRefused(f"upload refused: 'files' must list 1 to {MAX_FILES} files")
    out = []
    for f in files:
        name, media_type, size = (
            (f.get(k) for k in ("name", "type", "size")) if isinstance(f, dict) else (None,) * 3
        )
        if not isinstance(name, str) or not isinstance(media_type, str) or type(size) is not int or size < 0:
            raise UploadRefused("upload refused: each file needs a name, a type and a size")
        out.append((safe_name(name), media_type[:255], size))
    return out


def safe_name(name: str) -> str:
    """The file's own name: no directory, no control character, at most 255 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())
    return name[:255] or "file"


def refusal(uid: str, message: str, callback_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"action": "upload_error", "upload": uid, "message": message}
    if callback_id is not None:
        frame["callback_id"] = callback_id
    return frame


def close_all(files: list[UploadedFile]) -> None:
    for f in files:
        f.close()


def in_order(
    first: Coroutine[Any, Any, None] | None,
    second: Coroutine[Any, Any, None] | None,
    cleanup: Callable[[], None],
) -> Coroutine[Any, Any, None] | None:
    """What is left to await of `first` then `second`, with `cleanup` at the end (at once when
    nothing is left)."""
    if first is None and second is None:
        cleanup()
        return None

    async def run() -> None:
        try:
            if first is not None:
                await first
            if second is not None:
                await second
        finally:
            cleanup()

    return run()


__all__ = ["UPLOAD_ACTIONS", "UploadReceiver", "UploadRefused", "chunk_size_for"]
