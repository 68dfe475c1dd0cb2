"""`htag nginx-conf`: the nginx configuration that puts one address in front of the processes of
`htag run --procs N --port P`, keeping each browser on one process (its session lives there).

Affinity is decided by nginx on the first request: hashing htag's own session cookie would
misroute the first visit (the page is requested before that cookie exists). nginx sets a
routing cookie of its own (`htag_route`, a fresh `$request_id` on the first visit) and hashes
it, so the page, its WebSocket, its SSE stream and every later request reach the same process.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

HELP = "print an nginx configuration for the processes of `htag run --procs N`"
DESCRIPTION = """\
Prints a complete nginx configuration file for N htag processes on ports PORT..PORT+N-1
(`htag run module:App --procs N --port PORT`): sticky routing decided on the first request,
WebSocket and SSE proxied, the Host header kept with its port. It runs as it is, unprivileged:
`nginx -p DIR -c FILE` (DIR: a writable folder for nginx's pid and temporary files)."""
EPILOG = """\
examples:
  htag nginx-conf --procs 4 --port 8001 --listen 8080 > htag.conf
  mkdir -p run && nginx -p run -c "$PWD/htag.conf"      # stop: nginx -p run -c "$PWD/htag.conf" -s quit
"""

ROUTE_COOKIE = "htag_route"


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "nginx-conf",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--procs", type=int, required=True, help="how many htag processes (as given to htag run)")
    p.add_argument("--port", type=int, required=True, help="the port of the first one (as given to htag run)")
    p.add_argument("--listen", default="8080", help="nginx's `listen`: a port or address:port (8080)")
    p.add_argument("--host", default="127.0.0.1", help="the address the htag processes listen on (127.0.0.1)")
    p.set_defaults(command=command)


def command(args: argparse.Namespace) -> int:
    if args.procs < 1 or not 0 < args.port <= 65536 - args.procs:
        print("htag: error: --procs must be 1 or more, and the ports PORT..PORT+N-1 valid", file=sys.stderr)
        return 2
    sys.stdout.write(render(args.procs, args.port, args.listen, args.host))
    return 0


def render(procs: int, port: int, listen: str = "8080", host: str = "127.0.0.1") -> str:
    """The configuration file for `procs` htag processes on `host`:`port`..`port+procs-1`."""
    servers = "\n".join(f"        server {host}:{p} max_fails=0;" for p in range(port, port + procs))
    return TEMPLATE.format(servers=servers, listen=listen, procs=procs, port=port, cookie=ROUTE_COOKIE)


TEMPLATE = """\
# nginx in front of {procs} htag processes (`htag run module:App --procs {procs} --port {port}`),
# made by `htag nginx-conf --procs {procs} --port {port} --listen {listen}`.
# Run it as it is, unprivileged: nginx -p DIR -c THIS_FILE   (stop: add -s quit)
# DIR is a writable folder: the pid file and temporary files below are relative to it.
# Tested by tests/scale/ (docs/deployment.md).

worker_processes auto;
pid nginx.pid;
error_log error.log notice;

events {{
    worker_connections 4096;           # each browser holds a WebSocket or an SSE stream
}}

http {{
    access_log off;                    # URLs carry the session token (WebSocket, SSE)
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    default_type application/octet-stream;
    server_tokens off;

    # Affinity decided on the first request: a browser without the routing cookie gets a fresh
    # route ($request_id), hashed now and set as the cookie; later requests (the page's WebSocket,
    # SSE stream, POSTs, reloads) follow it to the same process.
    map $cookie_{cookie} $htag_route {{
        ""      $request_id;
        default $cookie_{cookie};
    }}
    map $cookie_{cookie} $htag_route_cookie {{
        ""      "{cookie}=$request_id; Path=/; HttpOnly; SameSite=Lax";   # TLS: add "; Secure"
        default "";                    # already set: no header (nginx skips an empty add_header)
    }}
    # WebSocket upgrade; "" keeps the upstream connection alive for plain requests
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}

    upstream htag {{
        # consistent: a process that dies moves its own users only. max_fails=0: a process
        # that is down is tried first anyway (refused at once on loopback, then the next one
        # answers), so a process restarted by `htag run --procs` gets its users back at once
        hash $htag_route consistent;
{servers}
        keepalive 32;
    }}

    server {{
        listen {listen};
        # server_name app.example.com;
        # TLS: terminate it here, and run htag with --forwarded-allow-ips 127.0.0.1 so that it
        # believes X-Forwarded-Proto (the WebSocket Origin check compares schemes):
        #   listen 443 ssl;
        #   http2 on;                  # nginx >= 1.25.1; older: listen 443 ssl http2;
        #   ssl_certificate     /etc/ssl/certs/app.example.com.pem;
        #   ssl_certificate_key /etc/ssl/private/app.example.com.key;
        #   ssl_protocols TLSv1.2 TLSv1.3;
        # and add "; Secure" to the routing cookie above.

        add_header Set-Cookie $htag_route_cookie always;

        proxy_http_version 1.1;        # WebSocket and upstream keep-alive need HTTP/1.1
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        # $http_host keeps the port: $host drops it, and htag's Origin check (Origin == Host)
        # then refuses every WebSocket behind any port but 80/443
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        # A draining process (a rolling restart: `kill -HUP` to the supervisor of htag run --procs)
        # answers 503 to what is not its own: new pages, and the WebSocket or SSE stream of a
        # session another process has. nginx then tries the next process (the same one for every
        # request of a route: the page and its WebSocket meet there). nginx never retries a POST
        # that reached a process (non-idempotent), and htag does not need it to: a POST of a
        # session the process does not have is answered `reload`.
        proxy_next_upstream error timeout http_503;

        location / {{
            proxy_pass http://htag;
        }}

        # long-lived connections: the WebSocket (the client pings every 20 s) and the SSE
        # stream (a keep-alive every 10 s at most); frames go out as they come, unbuffered
        location ~ /(ws|stream)$ {{
            proxy_pass http://htag;
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
        }}
    }}
}}
"""
