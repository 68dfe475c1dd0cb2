"""Refusing a port that is already taken, before the server binds it.

Granian binds with SO_REUSEPORT: a second server on the same port would bind it too, and
the kernel would then spread connections over both, each with its own sessions (a page
from one, its WebSocket to the other). A probe bound WITHOUT SO_REUSEPORT fails on any
port a server listens on, whatever options that server used.
"""

from __future__ import annotations

import errno
import socket
import sys


class PortInUseError(OSError):
    """The port is taken: another server (perhaps this same app) is listening on it."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            errno.EADDRINUSE,
            f"port {port} on {host} is already in use (another server is listening on it): "
            f"stop that server or choose another port (run(port=...), `htag run --port`)",
        )
        self.host, self.port = host, port

    def __str__(self) -> str:
        return self.strerror or "port in use"


def ensure_port_free(host: str, port: int) -> None:
    """Raises `PortInUseError` when a server listens on `host:port`. Other bind errors
    (an address this machine does not have...) are left to the server, which names them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if sys.platform != "win32":
            # lets a restart bind over the old server's connections in TIME_WAIT, as servers
            # do; on Windows this option would let the probe share a live port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno in BUSY:
                raise PortInUseError(host, port) from None


# Windows answers EACCES for a port another process holds exclusively
BUSY = {errno.EADDRINUSE} | ({errno.EACCES} if sys.platform == "win32" else set())
