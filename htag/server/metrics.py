"""What a process has done, for `/_htag/health` and `/_htag/metrics` (Prometheus text format).

Counters are plain attributes incremented where the thing happens already (an event started,
a frame sent, a request refused), on the event loop's thread: no lock, no timer, no allocation
on the hot path. They are process-wide (one `METRICS`), as a Prometheus scrape of one process
expects; the gauges (sessions, connections) are read from the WebApp when scraped.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterable, Mapping

# seconds; an event's latency: from its message to its reply (a sync callback, an async one's end)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# the reasons a request, a connection or a message is refused (label `reason` of htag_refusals_total)
REFUSAL_REASONS = ("host", "origin", "token", "csrf", "flood", "full", "too_large", "malformed")


class Histogram:
    """A Prometheus histogram: a count per bucket (cumulated only when exposed)."""

    __slots__ = ("bounds", "count", "counts", "sum")

    def __init__(self, bounds: Iterable[float]) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)  # the last one: over every bound (+Inf)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.count += 1
        self.sum += value


class Metrics:
    """The counters of one process."""

    __slots__ = ("bytes_sent", "events", "frames_sent", "latency", "refusals", "started")

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.events = 0
        self.frames_sent = 0
        self.bytes_sent = 0
        self.latency = Histogram(LATENCY_BUCKETS)
        self.refusals = dict.fromkeys(REFUSAL_REASONS, 0)

    def sent(self, text: str) -> None:
        """A frame went to a client (its bytes: UTF-8, as on the wire)."""
        self.frames_sent += 1
        # isascii() is O(1) on CPython's compact strings; most frames are ASCII
        self.bytes_sent += len(text) if text.isascii() else len(text.encode())

    def refused(self, reason: str) -> None:
        self.refusals[reason] += 1

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started


METRICS = Metrics()


def exposition(
    metrics: Metrics,
    sessions: Mapping[str, int],
    connections: Mapping[str, int],
    ready: bool,
    draining: bool = False,
) -> str:
    """The Prometheus text exposition format (version 0.0.4) of `metrics` and the gauges."""
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{labels} {_number(value)}" for labels, value in samples)

    family(
        "htag_sessions",
        "gauge",
        "Sessions in memory: pending (a page served, no connection yet) or established.",
        ((f'{{state="{state}"}}', n) for state, n in sessions.items()),
    )
    family(
        "htag_connections",
        "gauge",
        "Open client connections, by transport.",
        ((f'{{kind="{kind}"}}', n) for kind, n in connections.items()),
    )
    family("htag_ready", "gauge", "1 when this process takes new sessions.", [("", int(ready))])
    family(
        "htag_draining",
        "gauge",
        "1 while this process drains before a restart: no new session, the existing ones go on.",
        [("", int(draining))],
    )
    family(
        "htag_uptime_seconds", "gauge", "Seconds since this process started serving.", [("", metrics.uptime)]
    )
    family("htag_events_total", "counter", "Events received from clients and run.", [("", metrics.events)])
    histogram = metrics.latency
    cumulated, samples = 0, []
    for bound, count in zip((*histogram.bounds, float("inf")), histogram.counts):
        cumulated += count
        samples.append((f'_bucket{{le="{_number(bound)}"}}', cumulated))
    samples += [("_sum", histogram.sum), ("_count", histogram.count)]
    lines.append("# HELP htag_event_latency_seconds From an event's message to its reply.")
    lines.append("# TYPE htag_event_latency_seconds histogram")
    lines.extend(f"htag_event_latency_seconds{suffix} {_number(value)}" for suffix, value in samples)
    family("htag_frames_sent_total", "counter", "Frames sent to clients.", [("", metrics.frames_sent)])
    family("htag_sent_bytes_total", "counter", "Bytes of frames sent to clients.", [("", metrics.bytes_sent)])
    family(
        "htag_refusals_total",
        "counter",
        "Requests, connections and messages refused, by reason.",
        ((f'{{reason="{reason}"}}', n) for reason, n in metrics.refusals.items()),
    )
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)
