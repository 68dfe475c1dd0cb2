"""`htag run`, and the busy-port refusal it shares with `WebApp.run()`: real servers, real
sockets, the commands run as subprocesses."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from harness import interrupt, start_htag_run, wait_until_served

from htag.server.ports import PortInUseError, ensure_port_free
from htag.server.serve import free_port

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo.py"


def test_htag_run_serves_the_demo_and_answers_a_click(browser, tmp_path):
    port = free_port("127.0.0.1")
    log = tmp_path / "run.log"
    proc = start_htag_run(f"{DEMO}:Demo", port=port, log=log, env={"HTAG_SECRET_KEY": "k" * 32})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_served(url, proc, log)
        client = browser(url)
        page = client.load()
        assert "htag demo" in page and 'id="count">0<' in page

        async def click():
            await client.connect()
            _, reply = await client.event("inc")
            return reply

        reply = asyncio.run(click())
        assert reply["updates"]["count"].endswith(">1</b>")
        assert "no secret key" not in log.read_text()  # HTAG_SECRET_KEY was read
    finally:
        assert interrupt(proc) in (0, -2, 130), log.read_text()
    assert f"serving http://127.0.0.1:{port}/ with granian" in log.read_text()


def test_busy_port_is_refused_by_htag_run_and_by_webapp_run(serve, tmp_path):
    first = serve()  # a WebApp on Granian (SO_REUSEPORT: a second Granian would share the port)
    busy = [
        [sys.executable, "-m", "htag", "run", f"{DEMO}:Demo", "--port", str(first.port)],
        [
            sys.executable,
            "-c",
            (
                f"import sys; sys.path.insert(0, {str(DEMO.parent)!r}); from demo import Demo; "
                f"from htag import WebApp; WebApp(Demo).run(port={first.port}, open_browser=False)"
            ),
        ],
    ]
    for cli, command in zip((True, False), busy):
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert f"port {first.port} on 127.0.0.1 is already in use" in done.stderr, done.stderr
        assert "htag: serving" not in done.stdout  # refused before serving anything
        if cli:  # the command says it in one line; a script calling run() gets the exception
            assert done.returncode == 1 and "Traceback" not in done.stderr
    assert httpx.get(first.url + "/", timeout=5).status_code == 200  # the first still serves


APP_V = """from htag import Tag

class App(Tag.App):
    def init(self):
        Tag.p("{text}", _id="version")
"""


def test_htag_run_dev_is_debug_and_reloads_on_change(tmp_path):
    """`python -m htag run --dev`: debug on, and an edit restarts the server with the new code
    (the restart runs the command as typed, `-m htag` included; the busy-port check must not
    refuse the old server's port)."""
    (tmp_path / "app.py").write_text(APP_V.format(text="first version"))
    port = free_port("127.0.0.1")
    log = tmp_path / "dev.log"
    out = open(log, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "htag", "run", "app:App", "--dev", "--port", str(port)],
        cwd=tmp_path,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(url, proc, log)
        page = httpx.get(url + "/", timeout=5).text
        assert "first version" in page
        assert 'data-htag-debug="1"' in page and 'data-htag-reload="1"' in page
        (tmp_path / "app.py").write_text(APP_V.format(text="second version"))
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                if "second version" in httpx.get(url + "/", timeout=2).text:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the edit was not served: " + log.read_text())
        assert "change detected, restarting" in log.read_text()
        assert "already in use" not in log.read_text()
    finally:
        interrupt(proc)
        out.close()


@pytest.mark.parametrize("reuse_port", [False, True])
def test_ensure_port_free_sees_a_listening_socket(reuse_port):
    with socket.socket() as listener:
        if reuse_port:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortInUseError) as refused:
            ensure_port_free("127.0.0.1", port)
        assert refused.value.port == port and "already in use" in str(refused.value)
    ensure_port_free("127.0.0.1", port)  # closed: free again
