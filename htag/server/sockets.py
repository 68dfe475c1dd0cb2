"""The last resort for a WebSocket whose client stopped reading: cut its TCP connection.

A client that stops reading fills the TCP buffers; the server's send of the frame in
progress then never completes, and ASGI offers no way to abort it. Granian keeps such a
connection (and its buffers) for as long as the client keeps it open, even after the
application has given up on it, and a close frame cannot reach a client that reads
nothing. So htag shuts the socket down under the server: the blocked send fails, the
server releases the connection, and the client, when it reads again, gets what the
buffers held, then the end of the stream, and reconnects (resynchronising from the body).

Linux only (the socket is found through /proc/self/fd); elsewhere the connection stays
until the client reads or goes away, as with the server alone.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from typing import Any

logger = logging.getLogger("htag")


def _same_address(found: Any, wanted: Any) -> bool:
    """`found`: from getpeername/getsockname; `wanted`: an ASGI (host, port), whose port
    Granian gives as a string."""
    try:
        if not isinstance(found, tuple) or found[1] != int(wanted[1]):
            return False
    except (TypeError, ValueError):
        return False
    try:
        a, b = ipaddress.ip_address(found[0]), ipaddress.ip_address(wanted[0])
    except ValueError:
        return found[0] == wanted[0]
    a = getattr(a, "ipv4_mapped", None) or a
    b = getattr(b, "ipv4_mapped", None) or b
    return a == b


def cut(scope: dict[str, Any]) -> bool:
    """Shuts down the TCP socket of the connection `scope` describes (its `client` and
    `server` addresses). True if it was found and shut down."""
    client, server = scope.get("client"), scope.get("server")
    if not client or not server or not sys.platform.startswith("linux"):
        return False
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return False
    for name in fds:
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            # a duplicate, checked after it is made: the number may have been reused meanwhile
            dup = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue
        try:
            if (
                dup.type == socket.SOCK_STREAM
                and _same_address(dup.getpeername(), client)
                and _same_address(dup.getsockname(), server)
            ):
                dup.shutdown(socket.SHUT_RDWR)
                logger.info("tcp connection of %s:%s cut: its client stopped reading", *client)
                return True
        except OSError:
            pass
        finally:
            dup.close()  # the duplicate only: the server's own descriptor stays open
    return False
