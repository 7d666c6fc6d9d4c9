"""A page's filter bar and its panel slots: what the layout starts a slot with is what the page's filter
callback would send it (so a page that has just loaded asks each panel once), a slot's pinned filters
stay pinned, and filters a panel does not read do not split its cache."""
from dash import no_update

from layouts.panel_view import bar_filters, follow, pinned
from panels import Filters
from panels.base import restrict


def test_the_bar_gives_dates_only_for_a_custom_period():
    assert bar_filters("30d", {"start": "2025-01-01", "end": "2025-01-07"}, village="thon_1") == \
        {"period": "30d", "village": "thon_1"}
    assert bar_filters("custom", {"start": "2025-01-01", "end": None}) == {"period": "custom", "start": "2025-01-01"}
    assert bar_filters(None, None) == {"period": "7d"}
    assert bar_filters(None, "not a dict", device=["x"])["device"] == "['x']"   # anything sent is text, checked later


def test_a_slot_follows_the_bar_but_keeps_what_it_pins():
    spec = {"filters": {"period": "7d", "device": "gauge_1"}, "size": "page", "pin": {"device": "gauge_1"}}
    assert follow(spec, {"period": "7d", "device": "water_2"}) is no_update      # the pinned gauge already asked
    moved = follow(spec, {"period": "30d", "device": "water_2"})
    assert moved["filters"] == {"period": "30d", "device": "gauge_1"} and moved["pin"] == spec["pin"]
    assert pinned({"period": "7d", "device": "water_2"}, {"device": None}) == {"period": "7d"}
    assert follow("forged", {"period": "7d"}) == {"filters": {"period": "7d"}}


def test_filters_narrow_only_the_panels_that_read_them():
    wide = Filters(period="7d", village="thon_1", device="cam_03", label="person", category="moi_truong", stage="open")
    assert restrict(wide, ("village",)) == Filters(period="7d", village="thon_1")
    assert restrict(wide, ("device", "label")) == Filters(period="7d", device="cam_03", label="person")
    assert Filters.from_mapping({"category": "x", "stage": "", "junk": 1}) == Filters(category="x")
