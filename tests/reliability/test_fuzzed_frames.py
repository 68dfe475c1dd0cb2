"""Fuzzed frames on each transport of a real server: no crash (see `fuzz.py` for what counts as one).

The bounded run is part of every test run; `pytest -m stress` sends 100,000 frames per transport.
"""

from __future__ import annotations

import asyncio

import fuzz
import promises
import pytest
import support


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # debug=False: a traceback must never reach the client; no flood limit, so that every fuzzed
    # event reaches the dispatcher instead of being refused for its rate
    started = support.start_server(
        tmp_path_factory.mktemp("fuzz"), app="Counter", debug=False, event_rate=1e9, event_burst=1e9
    )
    yield started
    started.stop()


@pytest.mark.parametrize("transport", list(fuzz.BOUNDED))
def test_fuzzed_frames_never_crash(server, transport):
    report = asyncio.run(fuzz.fuzz(transport, server.url, fuzz.BOUNDED[transport], fuzz.SEED))
    assert promises.fuzzing(report, fuzz.BOUNDED[transport], server) == []
    assert len(report.kinds) == 11  # every kind of frame was sent


def test_the_fuzzer_is_reproducible():
    ids = ["inc", "field"]
    first = [f.data for _, f in zip(range(300), fuzz.Frames(7, ids))]
    again = [f.data for _, f in zip(range(300), fuzz.Frames(7, ids))]
    other = [f.data for _, f in zip(range(300), fuzz.Frames(8, ids))]
    assert first == again and first != other


@pytest.mark.stress
@pytest.mark.parametrize("transport", list(fuzz.BOUNDED))
def test_fuzzed_frames_never_crash_long(server, transport):
    report = asyncio.run(fuzz.fuzz(transport, server.url, fuzz.LONG, fuzz.SEED))
    assert promises.fuzzing(report, fuzz.LONG, server) == []
