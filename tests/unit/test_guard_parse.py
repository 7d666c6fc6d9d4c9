"""The callback body's parse (layouts/guards.py): orjson for the common body, json + cleaning otherwise; both
must give the same values, refuse the same bodies and leave no lone surrogate."""
from __future__ import annotations

import json

import pytest

from layouts.guards import MAX_DEPTH, _clean, _parse


def nested(n: int):
    value: object = 1
    for _ in range(n):
        value = [value]
    return value


def reference(body: bytes):
    """What the guard did before the orjson path: json.loads, then _clean."""
    return _clean(json.loads(body))


@pytest.mark.parametrize("body", [
    b'{"output": "a.children", "inputs": [{"id": "x", "property": "value", "value": "Qu\xe1\xba\xa3ng Th\xe1\xbb\x8d"}]}',
    b'{"a": 1, "a": 2, "b": [1.5, -0.0, 1e300, true, false, null]}',
    b'{"big": 123456789012345678901, "neg": -9223372036854775809}',     # past 64 bits: json keeps an int
    b'{"x": NaN, "y": Infinity}',                                        # json reads these; orjson does not
    b'{"lone": "\\ud800", "pair": "\\ud83d\\ude00"}',                     # a lone surrogate is replaced
    b'{"raw": "\xed\xa0\x80"}',                                          # a raw (UTF-8 encoded) lone surrogate
    b'\xef\xbb\xbf{"bom": 1}',
])
def test_both_paths_give_the_same_values(body):
    try:
        expected = reference(body)
    except ValueError:
        with pytest.raises(ValueError):
            _parse(body)
        return
    data, clean = _parse(body)
    assert data == expected and type(data.get("big", 0)) is type(expected.get("big", 0))
    assert json.loads(clean) == expected
    assert "\ud800" not in clean.decode("utf-8")


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 5])
def test_depth_is_refused_at_the_same_level(depth):
    body = json.dumps({"inputs": nested(depth)}).encode()
    try:
        reference(body)
        refused = False
    except ValueError:
        refused = True
    if refused:
        with pytest.raises(ValueError):
            _parse(body)
    else:
        assert _parse(body)[0] == json.loads(body)
    assert refused == (depth + 1 > MAX_DEPTH)


def test_far_too_deep_is_refused_not_crashed():
    body = b"[" * 5000 + b"]" * 5000
    with pytest.raises((ValueError, RecursionError)):
        _parse(body)
