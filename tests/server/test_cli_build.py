"""`htag build`: the starter project made into one executable file by PyInstaller, which
serves the page and answers a click over a real WebSocket, with no Python around it."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time

import httpx
from harness import interrupt

from htag.server.serve import free_port


def test_built_executable_serves_and_answers_a_click(tmp_path, browser):
    subprocess.run([sys.executable, "-m", "htag", "new", "hello"], cwd=tmp_path, check=True, timeout=60)
    project = tmp_path / "hello"
    build = subprocess.run(
        [sys.executable, "-m", "htag", "build", "app:App", "--name", "hello"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    exe = project / "dist" / ("hello.exe" if sys.platform == "win32" else "hello")
    assert exe.is_file() and f"built {exe}" in build.stdout
    assert not (project / "build").exists() and not list(project.glob("*.spec"))  # no litter

    port = free_port("127.0.0.1")
    log = tmp_path / "exe.log"
    out = open(log, "w")
    # no Python on PATH, another folder: the executable carries everything
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path), "HTAG_SECRET_KEY": "k" * 32}
    proc = subprocess.Popen(
        [str(exe), "--port", str(port), "--no-open"],
        cwd=tmp_path,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60  # a one-file executable unpacks itself first
        while True:
            assert proc.poll() is None, "the executable exited: " + log.read_text()
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < end, "the executable did not serve: " + log.read_text()
            time.sleep(0.2)
        client = browser(url)
        page = client.load()
        assert "Clicked 0 times" in page
        button = re.search(r'<button id="([^"]+)"[^>]*>\+1</button>', page).group(1)

        async def click():
            await client.connect()
            return (await client.event(button))[1]

        reply = asyncio.run(click())
        assert "Clicked 1 times" in str(reply["updates"])
    finally:
        interrupt(proc, 15)
        out.close()
