"""File upload and download in real Chromium: a 20 MB upload with progress and bounded server
memory, limits, several files, drag and drop, the fallback transports; downloads of bytes and
of a generator through the browser's download, one use only."""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import psutil
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

MB = 1 << 20


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def peak_rss(server) -> int:
    """The largest resident-set high-water mark (VmHWM) among the server's processes: it only
    grows, so reading it after an upload tells its peak whatever the sampling."""
    root = psutil.Process(server.proc.pid)
    peaks = []
    for proc in [root, *root.children(recursive=True)]:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024)
    return max(peaks)


WATCH_PERCENT = """() => {
  window.__percents = [];
  window.__client_progress = [];
  const el = document.getElementById('percent');
  new MutationObserver(() => window.__percents.push(el.textContent)).observe(el, {childList: true, subtree: true, characterData: true});
  document.addEventListener('htag:progress', (e) => window.__client_progress.push(e.detail.loaded));
}"""


@pytest.mark.app("Files")
def test_a_20_mb_upload_arrives_whole_with_progress_and_bounded_server_memory(page, server, tmp_path):
    data = os.urandom(20 * MB)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    # a first upload warms the server up (its code paths, buffers) before the measure
    warm = tmp_path / "warm.bin"
    warm.write_bytes(os.urandom(2 * MB))
    page.set_input_files("#up", str(warm))
    expect(page.locator("#result")).to_contain_text(sha(warm.read_bytes()))
    before = peak_rss(server)

    page.evaluate(WATCH_PERCENT)
    page.set_input_files("#up", str(path))
    expect(page.locator("#result")).to_have_text(
        f"big.bin|application/octet-stream|{20 * MB}|{sha(data)}|disk"
    )
    after = peak_rss(server)
    print(f"peak RSS growth over a 20 MB upload: {(after - before) / MB:.2f} MB")

    percents = page.evaluate("window.__percents")
    assert len(set(percents)) >= 5 and percents[-1] == "100%", percents
    numbers = [int(p.rstrip("%")) for p in percents]
    assert numbers == sorted(numbers)
    assert page.evaluate("window.__client_progress")[-1] == 20 * MB
    # base64 chunks of 256 KiB and a spool of 1 MiB: the peak grows by far less than the 20 MB
    assert after - before < 8 * MB, f"peak RSS grew by {(after - before) / MB:.1f} MB"


@pytest.mark.app("Files", max_upload_size=1_000_000)
def test_an_upload_over_the_limit_is_refused_and_the_session_goes_on(page, tmp_path):
    path = tmp_path / "too-big.bin"
    path.write_bytes(bytes(1_000_001))
    page.set_input_files("#up", str(path))
    expect(page.locator("#result")).to_have_text(
        "refused: upload refused: 976.6 KiB is over the limit of 976.6 KiB"
    )
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")


@pytest.mark.app("Files")
def test_several_files_at_once(page, tmp_path):
    contents = {"a.txt": b"alpha", "b.bin": os.urandom(300_000), "c.json": b"{}"}
    paths = []
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    page.set_input_files("#up", paths)
    expect(page.locator("#result")).to_have_text(
        f"a.txt|text/plain|5|{sha(b'alpha')}|memory ; "
        f"b.bin|application/octet-stream|300000|{sha(contents['b.bin'])}|memory ; "
        f"c.json|application/json|2|{sha(b'{}')}|memory"
    )


DROP = """async () => {
  const dt = new DataTransfer();
  dt.items.add(new File(['dropped text'], 'note.txt', {type: 'text/plain'}));
  dt.items.add(new File([new Uint8Array(70000).fill(7)], 'sevens.bin', {type: 'application/octet-stream'}));
  const el = document.getElementById('drop');
  const over = new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true});
  el.dispatchEvent(over);
  const drop = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
  el.dispatchEvent(drop);
  return [over.defaultPrevented, drop.defaultPrevented];
}"""


@pytest.mark.app("Files")
def test_files_dropped_on_an_element(page):
    # the drop target accepts the drag, and the browser does not open the dropped file
    assert page.evaluate(DROP) == [True, True]
    expect(page.locator("#result")).to_have_text(
        f"note.txt|text/plain|12|{sha(b'dropped text')}|memory ; "
        f"sevens.bin|application/octet-stream|70000|{sha(bytes([7]) * 70000)}|memory"
    )


@pytest.mark.parametrize("mode", ["sse", "http"])
def test_upload_over_the_fallback_transports(open_page, servers, tmp_path, mode):
    page = open_page(servers("Files"), mode=mode)
    assert page.evaluate("window.htag.mode") == mode
    data = os.urandom(3 * MB)  # 12 chunks, and past the memory spool
    (tmp_path / "f.bin").write_bytes(data)
    page.set_input_files("#up", str(tmp_path / "f.bin"))
    expect(page.locator("#result")).to_have_text(f"f.bin|application/octet-stream|{3 * MB}|{sha(data)}|disk")
    expect(page.locator("#percent")).to_have_text("100%")


def download(page, button: str):
    with page.expect_download() as info:
        page.click(button)
    return info.value


@pytest.mark.app("Files")
def test_download_of_bytes_arrives_whole_once(page, server):
    from server.file_apps import pattern  # tests/ is on sys.path (tests/conftest.py)

    url = page.url
    got = download(page, "#dl-bytes")
    assert got.suggested_filename == "data.bin"
    assert Path(got.path()).read_bytes() == pattern(300_000, 1)
    assert page.url == url  # the page stayed
    again = page.request.get(got.url)
    assert again.status == 404 and "Traceback" not in again.text()
    # the page still works
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")


@pytest.mark.app("Files")
def test_download_of_a_generator_with_a_non_ascii_name(page):
    from server.file_apps import pattern

    got = download(page, "#dl-gen")
    assert got.suggested_filename == "génerated ✓.txt"
    assert Path(got.path()).read_bytes() == b"".join(pattern(10_000, i) for i in range(50))


@pytest.mark.app("Files")
def test_a_tampered_download_token_is_refused(page):
    # the URL the server offers, caught before the browser fetches it
    page.evaluate("window.htag.download = (url) => { window.__offered = url; }")
    page.click("#dl-bytes")
    page.wait_for_function("() => window.__offered")
    url = page.evaluate("window.__offered")
    token_id, signature = url.rsplit("/", 1)[1].split(".")
    base = page.url.rstrip("/")
    forged = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    refused = page.request.get(f"{base}/_htag/dl/{token_id}.{forged}")
    assert refused.status == 403 and "Traceback" not in refused.text()
    assert page.request.get(f"{base}/{url}").status == 200  # the real one was not used up


@pytest.mark.app("Files", parano=True)
def test_upload_in_parano_mode(page, tmp_path):
    """Chunks are sized so that their message, obfuscated (base64 again), fits max_message_size."""
    data = os.urandom(MB + MB // 2)
    (tmp_path / "p.bin").write_bytes(data)
    page.set_input_files("#up", str(tmp_path / "p.bin"))
    expect(page.locator("#result")).to_have_text(
        f"p.bin|application/octet-stream|{len(data)}|{sha(data)}|disk"
    )
    assert all(set(f) == {"raw"} for f in page.evaluate("window.__htag_frames"))  # obfuscated throughout


def test_an_upload_cut_by_its_connection_leaves_the_session_working(open_page, servers, tmp_path):
    server = servers.fresh("Files")  # its own: its log is read
    page = open_page(server)
    path = tmp_path / "huge.bin"
    path.write_bytes(os.urandom(50 * MB))
    page.evaluate(WATCH_PERCENT)
    page.set_input_files("#up", str(path))
    page.wait_for_function("() => window.__client_progress.length >= 3")  # some chunks are in
    page.evaluate("window.fallback()")  # the WebSocket closes mid-upload; the client goes on over SSE
    page.wait_for_function("() => window.htag.mode === 'sse'")
    deadline = time.monotonic() + 10
    while "ended: its connection closed" not in server.tail(200):
        assert time.monotonic() < deadline, server.tail()
        time.sleep(0.05)
    assert "|" not in page.locator("#result").inner_text()  # the callback never ran
    (tmp_path / "small.txt").write_bytes(b"after")
    page.set_input_files("#up", str(tmp_path / "small.txt"))
    expect(page.locator("#result")).to_have_text(f"small.txt|text/plain|5|{sha(b'after')}|memory")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
