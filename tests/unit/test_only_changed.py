"""Live refreshes send only what changed: unchanged parts come back as no_update."""
from dash import html, no_update

from components.page import only_changed


def test_first_refresh_sends_everything_then_only_what_changed():
    a, b = html.Div("12,5 mg/L"), {"type": "FeatureCollection", "features": [{"id": "water_1"}]}
    first = only_changed([a, b], None)
    assert first[:2] == [a, b] and isinstance(first[2], list) and len(first[2]) == 2
    again = only_changed([html.Div("12,5 mg/L"), dict(b)], first[2])
    assert again == [no_update, no_update, no_update]          # nothing new: nothing redrawn, store kept
    moved = only_changed([html.Div("12,5 mg/L"), {"type": "FeatureCollection", "features": []}], first[2])
    assert moved[0] is no_update and moved[1] == {"type": "FeatureCollection", "features": []}
    assert moved[2][0] == first[2][0] and moved[2][1] != first[2][1]


def test_a_malformed_seen_store_is_treated_as_nothing_seen():
    for seen in ("junk", [1], {"a": 1}, [None, None, None]):
        out = only_changed([html.Span("x"), 3], seen)
        assert out[0] is not no_update and out[1] == 3
