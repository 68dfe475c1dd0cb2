"""`GET /_htag/health` (liveness and readiness, as JSON) and `GET /_htag/metrics` (the same
figures and the counters of `metrics.py`, as Prometheus text), for balancers and monitoring.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .metrics import METRICS, exposition

if TYPE_CHECKING:
    from .webapp import WebApp


def connection_counts(web: WebApp) -> dict[str, int]:
    """Open connections by transport."""
    counts = {"websocket": 0, "sse": 0, "http": 0}
    for session in web.sessions.all():
        for conn in list(session.connections):
            counts[conn.kind] = counts.get(conn.kind, 0) + 1
    return counts


def is_ready(web: WebApp) -> bool:
    """Whether this process takes new sessions (not full, not draining)."""
    return not web.draining and not web.sessions.full()


async def health_endpoint(web: WebApp, request: Request) -> Response:
    """Liveness (it answers: 200) and readiness (`ready`; with `?ready`, 503 when not
    ready, for a balancer's check), with the figures behind them."""
    ready = is_ready(web)
    body = {
        "status": "ok",
        "ready": ready,
        "draining": web.draining,
        "pid": os.getpid(),
        "uptime_s": round(METRICS.uptime, 3),
        "sessions": web.sessions.counts(),
        "connections": connection_counts(web),
    }
    status = 503 if "ready" in request.query_params and not ready else 200
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def metrics_endpoint(web: WebApp, request: Request) -> Response:
    """The Prometheus text exposition of this process."""
    text = exposition(
        METRICS, web.sessions.counts(), connection_counts(web), is_ready(web), draining=web.draining
    )
    return Response(
        text, media_type="text/plain; version=0.0.4; charset=utf-8", headers={"Cache-Control": "no-store"}
    )
