"""`htag.server.sockets.cut`: the TCP connection of a client that stopped reading is shut
down under the server (tests/reliability/test_laggard_clients.py shows it on Granian)."""

from __future__ import annotations

import socket
import sys

import pytest

from htag.server.sockets import cut

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="found through /proc")


def test_cut_shuts_down_the_connection_the_scope_names_and_no_other():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        first, second = (
            socket.create_connection(("127.0.0.1", port)),
            socket.create_connection(("127.0.0.1", port)),
        )
        served_first, _ = listener.accept()
        served_second, _ = listener.accept()
        try:
            host, client_port = first.getsockname()
            # Granian gives ports as strings
            assert cut({"client": (host, str(client_port)), "server": ("127.0.0.1", str(port))})
            first.settimeout(5)
            assert first.recv(16) == b""  # the end of the stream: the server side was shut down
            served_second.sendall(b"still here")
            second.settimeout(5)
            assert second.recv(16) == b"still here"
        finally:
            for s in (first, second, served_first, served_second):
                s.close()


def test_cut_of_an_unknown_connection_does_nothing():
    assert not cut({"client": ("127.0.0.1", "1"), "server": ("127.0.0.1", "2")})
    assert not cut({})
