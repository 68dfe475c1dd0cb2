"""`/_htag/health` and `/_htag/metrics` over a real server: the figures follow what clients do."""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx

from htag.server.metrics import Histogram, Metrics, exposition


def samples(text: str) -> dict[str, float]:
    """Prometheus text -> {'name{labels}': value}; every line is a comment or a sample."""
    found = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.fullmatch(r"# (HELP|TYPE) htag_\w+ .+", line), line
            continue
        name, value = line.rsplit(" ", 1)
        assert re.fullmatch(r'htag_\w+(\{\w+="[^"]*"\})?', name), line
        found[name] = float(value)
    return found


def test_health_and_metrics_follow_sessions_connections_events_and_refusals(opened):
    server, client = opened()
    health = httpx.get(server.url + "/_htag/health").json()
    assert health["status"] == "ok" and health["ready"] is True and health["pid"] > 0
    assert health["sessions"] == {"pending": 1, "established": 0}
    assert health["connections"] == {"websocket": 0, "sse": 0, "http": 0}
    assert health["uptime_s"] > 0

    async def scenario():
        await client.connect()
        for _ in range(3):
            await client.event("inc")
        async with httpx.AsyncClient(base_url=server.url) as http:
            during = (await http.get("/_htag/health")).json()
            metrics = samples((await http.get("/_htag/metrics")).text)
        await client.ws.close()
        return during, metrics

    during, metrics = asyncio.run(scenario())
    assert during["sessions"] == {"pending": 0, "established": 1}
    assert during["connections"]["websocket"] == 1
    assert metrics['htag_sessions{state="established"}'] == 1
    assert metrics['htag_connections{kind="websocket"}'] == 1
    assert metrics["htag_events_total"] == 3
    assert metrics["htag_event_latency_seconds_count"] == 3
    assert metrics['htag_event_latency_seconds_bucket{le="+Inf"}'] == 3
    assert 0 < metrics["htag_event_latency_seconds_sum"] < 3
    assert metrics["htag_frames_sent_total"] >= 4  # the body, then a reply per click
    assert metrics["htag_sent_bytes_total"] > 100
    assert metrics["htag_ready"] == 1

    # refusals are counted by reason: a wrong token (WebSocket), a wrong CSRF token, an unknown Host
    async def refused_socket():
        with contextlib.suppress(Exception):  # the server closes it: that is the point
            await client.connect(token="wrong")
            await client.recv()

    asyncio.run(refused_socket())
    assert client.post({"id": "inc", "event": "click", "data": {}}, token="bad").status_code == 403
    assert httpx.get(server.url + "/", headers={"Host": "evil.example"}).status_code == 400
    after = samples(httpx.get(server.url + "/_htag/metrics").text)
    assert after['htag_refusals_total{reason="token"}'] == 1
    assert after['htag_refusals_total{reason="csrf"}'] == 1
    assert after['htag_refusals_total{reason="host"}'] == 1
    assert after['htag_refusals_total{reason="origin"}'] == 0
    assert after["htag_events_total"] == 3


def test_health_ready_query_is_503_when_the_process_takes_no_new_session(serve, browser):
    server = serve(max_sessions=1)
    client = browser(server.url)
    client.load()

    async def hold_the_only_session():
        await client.connect()
        async with httpx.AsyncClient(base_url=server.url) as http:
            full = await http.get("/_htag/health?ready")
            alive = await http.get("/_htag/health")
        await client.ws.close()
        return full, alive

    full, alive = asyncio.run(hold_the_only_session())
    assert full.status_code == 503 and full.json()["ready"] is False
    assert alive.status_code == 200  # liveness: it answers


def test_origin_refusal_is_logged_with_its_reason(opened):
    server, client = opened()

    async def from_elsewhere():
        with contextlib.suppress(Exception):  # refused: that is the point
            await client.connect(origin="http://evil.example")
            await client.recv()

    asyncio.run(from_elsewhere())
    assert samples(httpx.get(server.url + "/_htag/metrics").text)['htag_refusals_total{reason="origin"}'] == 1
    server.out.flush()
    out = server.log.with_suffix(".out").read_text()
    assert "websocket from origin 'http://evil.example' refused: not the Host" in out


def test_histogram_buckets_are_cumulative_and_values_exact():
    metrics = Metrics()
    for seconds in (0.0005, 0.003, 0.003, 20.0):
        metrics.latency.observe(seconds)
    metrics.sent("abc")
    metrics.sent("é")  # two bytes in UTF-8
    text = exposition(metrics, {"pending": 0, "established": 2}, {"websocket": 1}, ready=True)
    found = samples(text)
    assert found['htag_event_latency_seconds_bucket{le="0.001"}'] == 1
    assert found['htag_event_latency_seconds_bucket{le="0.0025"}'] == 1
    assert found['htag_event_latency_seconds_bucket{le="0.005"}'] == 3
    assert found['htag_event_latency_seconds_bucket{le="10"}'] == 3
    assert found['htag_event_latency_seconds_bucket{le="+Inf"}'] == 4
    assert found["htag_event_latency_seconds_count"] == 4
    assert found["htag_frames_sent_total"] == 2 and found["htag_sent_bytes_total"] == 5
    assert text.count("# TYPE htag_event_latency_seconds histogram") == 1
    assert isinstance(metrics.latency, Histogram)
