"""File upload (chunked, acknowledged, over the WebSocket and the HTTP fallback) and download
(one-time signed URLs), against the real server.

Why one file over 500 lines: uploads and downloads share the one served App of the
`files_server` fixture, its helpers and its output log.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
from pathlib import Path

import httpx
import psutil
import pytest
from server.file_apps import pattern  # tests/ is on sys.path (tests/conftest.py)

from htag.server.downloads import content_disposition
from htag.server.uploads import MAX_CHUNK, chunk_size_for, safe_name

APPS = Path(__file__).resolve().parent / "file_apps.py"


def run(coro):
    return asyncio.run(coro)


def eventually(probe, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        assert time.monotonic() < deadline, f"still false after {timeout} s"
        time.sleep(0.02)
    return result


@pytest.fixture
def files_server(serve, browser):
    def start(app: str = "Files", **options):
        server = serve(app, apps_module=APPS, **options)
        client = browser(server.url)
        client.load()
        return server, client

    return start


def announce(uid, tag_id, files, event="change", cb="cb-up"):
    return {
        "action": "upload",
        "upload": uid,
        "id": tag_id,
        "event": event,
        "files": [{"name": n, "type": t, "size": len(d)} for n, t, d in files],
        "data": {"callback_id": cb},
    }


def chunk(uid, ack, content: bytes) -> dict:
    piece = content[ack["offset"] : ack["offset"] + ack["size"]]
    return {
        "action": "chunk",
        "upload": uid,
        "file": ack["file"],
        "offset": ack["offset"],
        "data": base64.b64encode(piece).decode(),
    }


async def upload(b, tag_id, files, uid="u1", cb="cb-up", event="change"):
    """Sends `files` as the browser client does (one chunk per acknowledgement); returns every
    frame received until the reply to the event."""
    await b.send(announce(uid, tag_id, files, event, cb))
    frames = []
    while True:
        frame = await b.recv()
        frames.append(frame)
        if frame.get("callback_id") == cb:
            return frames
        if frame["action"] == "upload_ack" and frame["upload"] == uid and not frame.get("done"):
            await b.send(chunk(uid, frame, files[frame["file"]][2]))


def files_line(server) -> str:
    return eventually(lambda: next((r for r in server.records() if r.startswith("files ")), None))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_files_arrive_whole_in_acknowledged_chunks_with_progress(files_server):
    server, b = files_server()
    big, small = pattern(5 * MAX_CHUNK + 12345), b"hello"  # over SPOOL_MEMORY (1 MiB): on disk
    files = [
        ("big.bin", "application/octet-stream", big),
        ("a/b\\small.txt", "text/plain", small),
        ("e", "", b""),
    ]

    async def scenario():
        await b.connect()
        return await upload(b, "up", files)

    frames = run(scenario())
    assert files_line(server) == (
        f"files big.bin|application/octet-stream|{len(big)}|{sha(big)}|disk ; "
        f"small.txt|text/plain|5|{sha(small)}|memory ; e||0|{sha(b'')}|memory"
    )
    acks = [f for f in frames if f["action"] == "upload_ack"]
    # one chunk asked at a time, in order, each at most the chunk size: the client never runs ahead
    asked = [(a["file"], a["offset"]) for a in acks if not a.get("done")]
    assert asked == [*((0, i * MAX_CHUNK) for i in range(6)), (1, 0)]
    assert all(a["size"] == MAX_CHUNK for a in acks if not a.get("done"))
    assert acks[-1] == {"action": "upload_ack", "upload": "u1", "done": True}
    # the progress callback ran for each chunk, up to 100 % (at most once per 1 % of the total: the
    # 12345 bytes of the 6th chunk are less), in order; it may have run in a thread, its updates
    # then following the reply: its records tell
    total = len(big) + len(small)
    loaded = [(i + 1) * MAX_CHUNK for i in range(5)] + [total]
    expected = [f"progress {round(100 * n / total)}" for n in loaded]
    progress = eventually(
        lambda: len(p := [r for r in server.records() if r.startswith("progress")]) >= len(expected) and p
    )
    assert progress == expected


def test_async_callback_reads_its_files_before_they_are_deleted(files_server):
    server, b = files_server("AsyncFiles")
    data = pattern(5 * MAX_CHUNK)

    async def scenario():
        await b.connect()
        await upload(b, "up", [("x.bin", "", data)])

    run(scenario())
    assert files_line(server) == f"files x.bin||{len(data)}|{sha(data)}|disk"


def test_empty_files_need_no_chunk(files_server):
    server, b = files_server()

    async def scenario():
        await b.connect()
        return await upload(b, "up", [("empty.txt", "text/plain", b"")])

    frames = run(scenario())
    assert not any(f["action"] == "upload_ack" for f in frames)
    assert files_line(server) == f"files empty.txt|text/plain|0|{sha(b'')}|memory"


def test_drop_on_an_element_receives_the_files(files_server):
    server, b = files_server()

    async def scenario():
        await b.connect()
        await upload(b, "drop", [("d.txt", "text/plain", b"dropped")], event="drop")

    run(scenario())
    assert files_line(server) == f"files d.txt|text/plain|7|{sha(b'dropped')}|memory"


async def shown(b, frames: list, text: str) -> None:
    """Waits until an update among `frames` (then among the next ones) shows `text`. A callback's
    first runs are in a thread: what it changes may go out in an update of its own, before the reply."""
    deadline = time.monotonic() + 10
    while not any(text in str(f.get("updates")) for f in frames):
        assert time.monotonic() < deadline, f"{text!r} never shown in {frames}"
        frames.append(await b.recv())


async def still_answers(b) -> None:
    before, reply = await b.event("inc")
    await shown(b, [*before, reply], '<span id="count">1</span>')


def test_an_upload_over_the_limit_is_refused_before_any_byte(files_server):
    server, b = files_server(max_upload_size=1000)

    async def scenario():
        await b.connect()
        frames = await upload(b, "up", [("big", "", bytes(1001))])
        await shown(b, frames, "refused: upload refused: 1001 bytes is over the limit")
        await still_answers(b)
        return frames

    frames = run(scenario())
    assert frames[0] == {
        "action": "upload_error",
        "upload": "u1",
        "message": "upload refused: 1001 bytes is over the limit of 1000 bytes",
    }
    assert not any(f["action"] == "upload_ack" for f in frames)
    assert not any(r.startswith("files") for r in server.records())


def test_an_input_may_have_a_lower_limit(files_server):
    server, b = files_server()

    async def scenario():
        await b.connect()
        refused = await upload(b, "small", [("s", "", bytes(1001))])
        accepted = await upload(b, "small", [("s", "", bytes(1000))], uid="u2", cb="cb2")
        return refused, accepted

    refused, _accepted = run(scenario())
    assert refused[0]["action"] == "upload_error" and "limit of 1000 bytes" in refused[0]["message"]
    assert files_line(server) == f"files s||1000|{sha(bytes(1000))}|memory"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"offset": 5}, "out of order"),
        ({"file": 1}, "out of order"),
        ({"data": base64.b64encode(bytes(MAX_CHUNK + 3)).decode()}, f"a chunk is at most {MAX_CHUNK} bytes"),
        ({"data": "not base64!"}, "not base64"),
        ({"data": base64.b64encode(bytes(20)).decode()}, "larger than the 10 bytes announced"),
        ({"data": ""}, "an empty chunk"),
    ],
)
def test_a_bad_chunk_ends_its_upload_and_nothing_else(files_server, bad, why):
    _server, b = files_server()

    async def scenario():
        await b.connect()
        await b.send(announce("u1", "up", [("f", "", bytes(10))]))
        ack = await b.recv()
        await b.send(dict(chunk("u1", ack, bytes(10)), **bad))
        frames = [await b.recv()]
        while frames[-1].get("callback_id") != "cb-up":
            frames.append(await b.recv())
        await shown(b, frames, "refused: upload failed")
        # the upload is gone: a good chunk now is for an unknown upload
        await b.send(chunk("u1", ack, bytes(10)))
        while (unknown := await b.recv())["action"] != "upload_error":
            pass  # updates of the App
        await still_answers(b)
        return frames, unknown

    frames, unknown = run(scenario())
    assert frames[0]["action"] == "upload_error" and why in frames[0]["message"], frames[0]
    assert unknown == {"action": "upload_error", "upload": "u1", "message": "unknown upload"}


def test_unknown_uploads_tags_and_malformed_announcements_are_refused(files_server):
    _server, b = files_server()

    async def scenario():
        await b.connect()
        answers = []
        for message in (
            {"action": "chunk", "upload": "nope", "file": 0, "offset": 0, "data": ""},
            {"action": "chunk", "upload": 5},
            dict(announce("u1", "missing", [("f", "", b"x")]), data={"callback_id": "c1"}),
            dict(announce("u2", "count", [("f", "", b"x")]), data={"callback_id": "c2"}),
            dict(announce("u3", "up", []), data={"callback_id": "c3"}),
            dict(announce("u4", "up", [("f", "", b"x")]), files=[{"name": "f", "type": "", "size": -1}]),
        ):
            await b.send(message)
            answers.append(await b.recv())
            if message.get("upload") in ("u3", "u4"):  # the App is told too: its reply (and updates)
                while (await b.recv()).get("callback_id") != message["data"]["callback_id"]:
                    pass
        await still_answers(b)
        return answers

    answers = run(scenario())
    assert answers[0] == {"action": "upload_error", "upload": "nope", "message": "unknown upload"}
    assert answers[1]["action"] == "error" and "'upload' must be" in answers[1]["message"]
    assert answers[2]["message"] == "no 'change' handler on 'missing'" and answers[2]["callback_id"] == "c1"
    assert answers[3]["message"] == "no 'change' handler on 'count'"
    assert "1 to 100 files" in answers[4]["message"]
    assert "needs a name, a type and a size" in answers[5]["message"]


def output(server) -> list[str]:
    return server.log.with_suffix(".out").read_text().splitlines()


def test_a_session_runs_four_uploads_at_once_at_most(files_server):
    _server, b = files_server()

    async def scenario():
        await b.connect()
        for n in range(4):
            await b.send(announce(f"u{n}", "up", [("f", "", bytes(10))], cb=f"c{n}"))
            assert (await b.recv())["action"] == "upload_ack"
        await b.send(announce("u4", "up", [("f", "", bytes(10))], cb="c4"))
        refused = await b.recv()
        frames = [await b.recv()]
        while frames[-1].get("callback_id") != "c4":
            frames.append(await b.recv())
        await shown(b, frames, "4 uploads are already running")
        # one ends: there is room again
        await b.send({"action": "upload_abort", "upload": "u0"})
        await b.send(announce("u5", "up", [("f", "", bytes(10))], cb="c5"))
        while (accepted := await b.recv())["action"] != "upload_ack":
            pass  # updates of the App
        return refused, accepted

    refused, accepted = run(scenario())
    assert refused["message"] == "upload refused: 4 uploads are already running"
    assert accepted["action"] == "upload_ack" and accepted["upload"] == "u5"


def server_processes(server) -> list[psutil.Process]:
    root = psutil.Process(server.proc.pid)
    return [root, *root.children(recursive=True)]


def spooled_files(server, spool: Path) -> list[str]:
    """The server's open files in `spool` (the temporary files of uploads, deleted or not)."""
    out = []
    for proc in server_processes(server):
        for fd in Path(f"/proc/{proc.pid}/fd").iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target.startswith(str(spool)):
                out.append(target)
    return out


def test_a_client_gone_mid_upload_leaves_no_temporary_file(files_server, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    server, b = files_server()
    data = pattern(8 * MAX_CHUNK)

    async def scenario():
        await b.connect()
        await b.send(announce("u1", "up", [("f", "", data)]))

        async def next_ack():
            while (frame := await b.recv())["action"] != "upload_ack":
                pass  # the progress callback's updates
            return frame

        for _ in range(6):  # past the memory threshold: the file is on disk
            await b.send(chunk("u1", await next_ack(), data))
        await next_ack()  # the 7th: the 6th chunk was written
        assert spooled_files(server, spool), "the upload should be on disk by now"
        await b.ws.close()

    run(scenario())
    eventually(lambda: not spooled_files(server, spool))
    eventually(
        lambda: any("upload of 2097152 bytes ended: its connection closed" in r for r in output(server))
    )


def test_temporary_files_are_deleted_when_the_callback_ends_or_a_chunk_is_refused(
    files_server, tmp_path, monkeypatch
):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    server, b = files_server("AsyncFiles")  # its callback awaits: the files live until it ends
    data = pattern(6 * MAX_CHUNK)

    async def scenario():
        await b.connect()
        await upload(b, "up", [("f", "", data)])
        assert not spooled_files(server, spool)  # deleted by the time the reply left
        await b.send(announce("u2", "up", [("g", "", data)], cb="c2"))
        for _ in range(6):
            while (ack := await b.recv())["action"] != "upload_ack":
                pass
            if ack["offset"] == 5 * MAX_CHUNK:  # on disk by now: this last chunk is refused
                assert spooled_files(server, spool)
                await b.send(dict(chunk("u2", ack, data), offset=0))
            else:
                await b.send(chunk("u2", ack, data))
        while (frame := await b.recv()).get("callback_id") != "c2":
            pass
        return frame

    run(scenario())
    assert files_line(server) == f"files f||{len(data)}|{sha(data)}|disk"
    eventually(lambda: not spooled_files(server, spool))


def test_upload_over_pure_http(files_server):
    server, b = files_server()
    data = pattern(MAX_CHUNK + 7)
    assert b.post({"action": "poll", "fallback": True}).status_code == 200
    payloads = b.post(dict(announce("u1", "up", [("h.bin", "", data)]), fallback=True)).json()["payloads"]
    while True:
        acks = [p for p in payloads if p["action"] == "upload_ack" and not p.get("done")]
        if not acks:
            break
        payloads = b.post(dict(chunk("u1", acks[0], data), fallback=True)).json()["payloads"]
    assert any(p.get("callback_id") == "cb-up" for p in payloads)
    assert files_line(server) == f"files h.bin||{len(data)}|{sha(data)}|memory"


def test_chunks_do_not_count_as_events(files_server):
    """An upload of many chunks is paced by its acknowledgements, not by the event rate."""
    server, b = files_server(event_rate=1.0, event_burst=3.0, max_message_size=64 * 1024)
    data = pattern(40 * chunk_size_for(64 * 1024))

    async def scenario():
        await b.connect()
        await upload(b, "up", [("f", "", data)])

    run(scenario())
    assert files_line(server) == f"files f||{len(data)}|{sha(data)}|disk"


# -- downloads -------------------------------------------------------------------------


def download_url(b, button: str) -> str:
    async def scenario():
        await b.connect()
        _before, reply = await b.event(button)
        await b.ws.close()
        return reply

    reply = run(scenario())
    (script,) = reply["js"]
    return re.fullmatch(r'htag\.download\("(_htag/dl/[^"]+)"\)', script).group(1)


def test_download_of_bytes_once_and_only_by_its_session(files_server):
    server, b = files_server()
    url = download_url(b, "dl-bytes")
    stranger = httpx.get(f"{server.url}/{url}")  # another session (none): refused
    assert stranger.status_code == 403
    r = b.http.get("/" + url)
    assert r.status_code == 200
    assert r.content == pattern(300_000, 1)
    assert r.headers["content-disposition"] == 'attachment; filename="data.bin"'
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    again = b.http.get("/" + url)
    assert again.status_code == 404 and "Traceback" not in again.text


def test_download_of_a_generator_streams_with_an_encoded_name(files_server):
    _server, b = files_server()
    r = b.http.get("/" + download_url(b, "dl-gen"))
    assert r.content == b"".join(pattern(10_000, i) for i in range(50))
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"g_nerated _.txt\"; filename*=UTF-8''g%C3%A9nerated%20%E2%9C%93.txt"
    )
    assert r.headers["content-type"].startswith("text/plain")


def test_download_of_an_async_generator(files_server):
    _server, b = files_server()
    r = b.http.get("/" + download_url(b, "dl-agen"))
    assert r.content == b"".join(pattern(1000, i) for i in range(5))


def test_a_tampered_or_unknown_token_is_refused(files_server):
    _server, b = files_server()
    url = download_url(b, "dl-bytes")
    token_id, signature = url.rsplit("/", 1)[1].split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert b.http.get(f"/_htag/dl/{token_id}.{flipped}").status_code == 403
    other_id = ("A" if token_id[0] != "A" else "B") + token_id[1:]
    assert b.http.get(f"/_htag/dl/{other_id}.{signature}").status_code == 403
    assert b.http.get("/_htag/dl/garbage").status_code == 404
    assert b.http.head("/" + url).status_code == 405
    assert b.http.get("/" + url).status_code == 200  # still valid: the forgeries did not use it


def test_a_download_offered_from_a_thread_reaches_its_session(files_server):
    _server, b = files_server()

    async def scenario():
        await b.connect()
        before, frame = await b.event("dl-later")  # the thread may be done before the reply
        frames = [*before, frame]
        while not any(f.get("js") for f in frames):
            frames.append(await b.recv())
        await b.ws.close()
        return next(f["js"][0] for f in frames if f.get("js"))

    script = run(scenario())
    url = re.fullmatch(r'htag\.download\("(_htag/dl/[^"]+)"\)', script).group(1)
    assert b.http.get("/" + url).content == b"from a thread"


def test_a_download_expires(files_server):
    _server, b = files_server(download_timeout=0.3)
    url = download_url(b, "dl-bytes")
    time.sleep(0.5)  # past its deadline, whatever the machine's load
    assert b.http.get("/" + url).status_code == 404


# -- units -------------------------------------------------------------------------------


def test_content_disposition_is_safe():
    assert content_disposition("a.txt") == 'attachment; filename="a.txt"'
    assert content_disposition('../x/"e\r\n;.txt') == (
        "attachment; filename=\"_e_.txt\"; filename*=UTF-8''%22e%3B.txt"
    )
    assert content_disposition("") == 'attachment; filename="download"'


def test_chunk_size_fits_the_message_limit():
    assert chunk_size_for(1 << 20) == MAX_CHUNK
    small = chunk_size_for(64 * 1024)
    assert (small + 2) // 3 * 4 * 4 // 3 + 1024 < 64 * 1024


def test_safe_name():
    assert safe_name("C:\\fakepath\\a.txt") == "a.txt"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("\x00\n") == "file"
