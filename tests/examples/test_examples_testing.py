"""Each example, driven in-process by `htag.testing` the way a user would use it."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

from htag.testing import Client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str):
    """examples/<name>.py as a module (not __main__: nothing is served)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_counter_counts_both_ways():
    with Client(example("counter").Counter) as page:
        assert page.text("#count") == "0"
        page.click("#inc")
        page.click("#inc")
        page.click("-1")  # a button's visible text
        assert page.text("#count") == "1"


def test_todo_adds_marks_filters_and_clears():
    with Client(example("todo").Todo) as page:
        for thing in ("milk", "eggs", "tea"):
            page.type("#text", thing)
            page.click("#add")
        assert page.value("#text") == "", "the field empties after an add"
        assert page.text("#left") == "3 left"
        page.check("#item-1")
        assert page.text("#left") == "2 left"
        page.select("#filter", "done")
        assert page.text("#items") == "eggs"
        page.select("#filter", "active")
        assert page.text("#items") == "milkteas" or [e.text for e in page.find_all("#items li")] == [
            "milk",
            "tea",
        ]
        page.click("#clear-done")
        page.select("#filter", "all")
        assert [e.text for e in page.find_all("#items li")] == ["milk", "tea"]
        page.type("#text", "   ")
        page.click("#add")
        assert len(page.find_all("#items li")) == 2, "a blank todo is not added"


def test_pages_follow_links_and_navigate():
    with Client(example("pages").Site) as page:
        page.wait_for(lambda p: p.text("#title") == "Home")
        page.click("#to-books")
        assert page.text("#title") == "Books"
        page.click("Neuromancer")
        assert page.text("#details") == "William Gibson, 1984"
        page.go("#/books/99")
        page.wait_for(lambda p: p.text("#title") == "Not found")
        page.click("#open-2")
        assert page.text("#at") == "at /books/2"


def test_stream_shows_each_prime_as_it_is_found():
    with Client(example("stream").Stream) as page:
        page.click("#go")
        page.wait_for(lambda p: p.text("#status") == "done: 17 primes")
        assert [e.text for e in page.find_all("#primes li")][:5] == ["2", "3", "5", "7", "11"]


def test_clock_ticks_from_its_thread():
    with Client(example("clock").Clock) as page:
        page.wait_for(lambda p: p.text("#ticks") == "2 ticks", timeout=10)
        assert re.fullmatch(r"\d\d:\d\d:\d\d", page.text("#now"))


def test_bigtable_sorts_both_ways_and_filters():
    with Client(example("bigtable").BigTable) as page:
        assert page.text("#summary") == "1000 rows, by id"

        def scores() -> list[int]:
            return [int(cell.text) for cell in page.find_all("#body .score")]

        page.click("#by-score")
        assert scores() == sorted(scores())
        page.click("#by-score")
        assert scores() == sorted(scores(), reverse=True)
        page.type("#filter", "oslo")
        cities = {cell.text for cell in page.find_all("#body .city")}
        assert cities == {"Oslo"} and page.text("#summary") == f"{len(scores())} rows, by score"


def test_chat_delivers_a_message_to_every_session():
    chat = example("chat")
    from htag import WebApp

    webapp = WebApp(chat.Chat, secret_key="k" * 32, debug=True)
    with Client(webapp, lifespan=True) as alice, Client(webapp) as bob:
        alice.type("#msg", "hello bob")
        alice.submit("#say")
        assert alice.value("#msg") == ""
        bob.wait_for(lambda p: "hello bob" in p.text("#lines"))
        assert "hello bob" in alice.text("#lines")


def test_login_logs_in_and_out_through_the_host_session():
    login = example("login")
    with Client(login.host) as page:
        assert page.text("#title") == "Log in"
        page.type("#user", "ada")
        page.type("#password", "wrong")
        page.click("#submit")  # a plain form post: the host's /login, then its redirect
        assert page.text("#error") == "wrong name or password"
        page.type("#user", "ada")
        page.type("#password", "lovelace")
        page.click("#submit")
        assert page.text("#title") == "Welcome ada"
        page.click("#click")
        assert page.text("#clicks") == "ada clicked 1 times"
        page.reload()  # F5: still logged in, the same App
        assert page.text("#clicks") == "ada clicked 1 times"
        page.click("#logout")
        assert page.text("#title") == "Log in"


def test_upload_receives_the_files_whole_with_progress():
    upload = example("upload")
    big, small = bytes(range(256)) * 12_000, b"hello"  # 3 MB: several chunks, on disk on the server
    with Client(upload.Uploader) as page:
        page.upload("#files", ("big.bin", big), ("notes.txt", small, "text/plain"))
        assert page.text("#status") == "2 file(s) received"
        lines = [e.text for e in page.find_all("#received li")]
        assert lines == [
            f"big.bin (application/octet-stream, {len(big)} bytes) sha256 {hashlib.sha256(big).hexdigest()}",
            f"notes.txt (text/plain, 5 bytes) sha256 {hashlib.sha256(small).hexdigest()}",
        ]
        assert page.text("#percent") == "100%"
        page.upload("#drop", ("dropped.txt", b"x"))  # a drop on the box
        assert len(page.find_all("#received li")) == 3


def test_an_upload_over_the_limit_is_refused_and_the_page_says_so():
    upload = example("upload")
    with Client(upload.Uploader, max_upload_size=1000) as page:
        page.upload("#files", ("big.bin", b"x" * 1001))
        assert len(page.upload_errors) == 1
        assert page.find("#status").attrs.get("class") == "error" and page.text("#status")
        assert not page.find_all("#received li"), "nothing of it was kept"
        page.upload("#files", ("small.bin", b"x" * 10))  # the session goes on
        assert page.text("#status") == "1 file(s) received"


def test_downloads_arrive_whole_with_their_names():
    download = example("download")
    with Client(download.Downloader) as page:
        page.click("#hello")
        got = page.download()
        assert (got.name, got.content) == ("grüße.txt", "Grüße from htag\n".encode())
        page.click("#squares")
        csv = page.download()
        assert csv.name == "squares.csv" and csv.media_type == "text/csv"
        assert csv.content == b"".join(download.squares())
        page.click("#source")
        assert page.download().content == (EXAMPLES / "download.py").read_bytes()
