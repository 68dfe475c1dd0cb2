"""What htag promises under stress (docs/reliability.md), as checks of a scenario's figures: each returns
the promises broken (empty: all kept). The tests assert it is empty; `measure.py` prints it.

Time limits are loose on purpose: the tests run on a loaded 2-core machine, and what they catch is a
server that stops serving (seconds), not one that is a little slower (milliseconds).
"""

from __future__ import annotations

from typing import Any

import fuzz
import load
import support

CLICK_P99_MS = 2_000  # a click's round trip, p99, with every session clicking
OTHERS_P99_MS = 500  # other sessions' click p99 while one session's sync callback sleeps
LAGGARD_OTHERS_P99_MS = 1_000  # another session's click p99 while a client stalls
LAGGARD_RSS_MIB = 64  # the server's RSS growth while one client stalls
EXIT_S = 30  # from SIGTERM to the server's exit
GOING_AWAY = 1001  # the close code of a WebSocket that the server closes because it stops


def broken(*checks: tuple[bool, str]) -> list[str]:
    return [message for kept, message in checks if not kept]


def server_sane(server: Any) -> list[str]:
    return broken(
        (server.proc.poll() is None, "the server process died"),
        (not (errors := support.internal_errors(server)), f"errors htag did not handle: {errors[:3]}"),
    )


def fuzzing(report: fuzz.FuzzReport, count: int, server: Any) -> list[str]:
    return broken(
        (report.frames == count, f"{report.frames} frames sent of {count}"),
        (not report.crashes, f"{len(report.crashes)} crashes: {report.crashes[:3]}"),
    ) + server_sane(server)


def concurrent(result: load.ConcurrentResult, server: Any) -> list[str]:
    return broken(
        (not result.errors, f"{len(result.errors)} errors: {result.errors[:3]}"),
        (result.clicks >= result.sessions, f"{result.clicks} clicks answered for {result.sessions} sessions"),
        (result.p99_ms is not None and result.p99_ms < CLICK_P99_MS, f"click p99 {result.p99_ms} ms"),
    ) + server_sane(server)


def churn(result: load.ChurnResult, warm_rounds: int, limit_mib: float) -> list[str]:
    """Once the session cap is reached, sessions that leave give their memory back: the RSS stops growing
    with the number of sessions ever created."""
    growth = result.growth_mib(warm_rounds)
    return broken(
        (not result.errors, f"{len(result.errors)} errors: {result.errors[:3]}"),
        (
            growth < limit_mib,
            (
                f"RSS grew {growth:.1f} MiB after the warm-up (limit {limit_mib}): "
                f"{[round(x, 1) for x in result.rss_mib]}"
            ),
        ),
    )


def blocking(result: load.BlockingResult, others: int, server: Any) -> list[str]:
    return broken(
        (not result.errors, f"{len(result.errors)} errors: {result.errors[:3]}"),
        (
            result.during_p99_ms is not None and result.during_p99_ms < OTHERS_P99_MS,
            (
                f"other sessions' click p99 {result.during_p99_ms and round(result.during_p99_ms)} ms while "
                f"one callback sleeps {result.block_s} s (before: {round(result.baseline_p99_ms or 0)} ms)"
            ),
        ),
        (result.during_clicks >= 2 * others, f"only {result.during_clicks} clicks of {others} sessions"),
        (result.blocked_reply in ("update", "error"), f"the blocked click got {result.blocked_reply!r}"),
    ) + server_sane(server)


def laggard(result: load.LaggardResult, deadline_s: float, server: Any) -> list[str]:
    return broken(
        (result.closed_after_s is not None, f"the server still holds the socket after {deadline_s} s"),
        (
            # a client that reads nothing cannot get a close frame: its TCP connection is cut
            # (htag/server/sockets.py); a slow one gets the overflow's code
            (result.kind == "stalled" or result.close_code is not None) and result.close_code != 1011,
            f"close code {result.close_code} (None: no close frame)",
        ),
        (result.frames_read < result.flood_frames, "the client got every frame: it was never let go"),
        (result.rss_growth_mib < LAGGARD_RSS_MIB, f"server RSS grew {result.rss_growth_mib:.1f} MiB"),
        (not result.others_errors, f"another session's errors: {result.others_errors[:3]}"),
        (
            result.others_p99_ms is not None and result.others_p99_ms < LAGGARD_OTHERS_P99_MS,
            f"another session's click p99 {result.others_p99_ms} ms",
        ),
    ) + server_sane(server)


def sigterm(result: load.SigtermResult, server: Any) -> list[str]:
    errors = support.internal_errors(server)
    return broken(
        (result.opened == result.sessions, f"{result.opened} sessions opened of {result.sessions}"),
        (result.exit_s is not None, f"the server did not stop within {EXIT_S} s of SIGTERM"),
        (result.exit_code == 0, f"exit code {result.exit_code}"),
        (
            result.destroyed == result.opened,
            f"on_destroy ran for {result.destroyed} of {result.opened} sessions",
        ),
        (
            result.close_codes == {GOING_AWAY: result.opened},
            f"close codes (code: sockets) {result.close_codes}, not {GOING_AWAY} for all",
        ),
        (not errors, f"errors htag did not handle: {errors[:3]}"),
    )
