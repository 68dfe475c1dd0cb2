"""`htag.utils` as in htag 2.0.28: `_obf_dumps`/`_obf_loads`, the parano-mode helpers,
byte for byte (the vectors below were produced by upstream 2.0.28), and readable by our
server's codec with the same key."""

from __future__ import annotations

from htag.server.codec import decode_message
from htag.utils import _obf_dumps, _obf_loads

UPSTREAM_OBFUSCATED = "EBEYCEcQBF1bUREMG1cYH1ZbRxEBSQlbqJpbFg=="  # {'action': 'update', 'x': 'é'}, key 'k3y'


def test_same_output_as_upstream():
    assert _obf_dumps({"action": "update", "x": "é"}, "k3y") == UPSTREAM_OBFUSCATED
    assert _obf_dumps({"a": [1, 2]}, None) == '{"a": [1, 2]}'


def test_round_trip_and_our_codec_reads_it():
    message = {"id": "h1", "event": "click", "data": {"value": "é ✓"}}
    assert _obf_loads(_obf_dumps(message, "key"), "key") == message
    assert _obf_loads(_obf_dumps(message, None), None) == message
    assert decode_message(_obf_dumps(message, "key"), 1 << 20, b"key") == message
