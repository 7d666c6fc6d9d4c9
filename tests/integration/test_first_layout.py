"""Issue #21: the environment, security, feedback, alerts and data pages draw their own content (map layers,
grids, the opened alert, the health tables) in the layout, so a first visit and a dcc.Link from another page
wait for no callback; the layout draws exactly what the page's callback answers, for the URL's commune
checked against the user: one commune's user gets none of another commune's rows, and a forged ?xa= shows
the reason with nothing of that commune."""
from __future__ import annotations

import json
import time

import pytest

from tests.integration.test_communes import DEMO, QT, _as, open_alert_in_both, two_communes, users  # noqa: F401 - fixtures

REFUSED = "Tài khoản không được xem số liệu của xã này"


def _json(component):
    import plotly.utils
    return json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder))


def _find(node, wanted):
    """The props of the component with this id in a layout (as Dash's JSON), or None."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == wanted:
            return props
        values = node.values()
    elif isinstance(node, list):
        values = node
    else:
        return None
    for value in values:
        found = _find(value, wanted)
        if found is not None:
            return found
    return None


def _page(path: str):
    """The page's layout as the app serves it (behind safe_layout: a refused value is said, not raised)."""
    import dash

    import app  # noqa: F401 - pages register (and their layouts are guarded) when the app exists
    return next(p["layout"] for p in dash.page_registry.values() if p["path"] == path)


@pytest.fixture
def alerts_in_both(users):
    """One open critical alert on a pond station of each commune."""
    from queries.cache import invalidate
    ids, engine = users
    open_alert_in_both(engine, "first", "critical")
    invalidate("alerts")
    return ids


def _other_communes(text: str) -> list[str]:
    """What of the demo commune a layout's JSON holds: its device ids (demo_b_*) or report ids (DXB-*)."""
    return [marker for marker in ("demo_b_", "DXB-") if marker in text]


def test_map_pages_draw_their_layers_in_the_layout_as_the_callback_would(users):
    import app  # noqa: F401 - pages register after the app exists
    from pages import environment, security
    ids, _ = users
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        env = _json(_page("/environment")())
        sec = _json(_page("/security")())
        env_again = environment.update_map(1, None, None, _find(env, "env-map-seen")["data"])
        sec_again = security.update_map(1, None, None, _find(sec, "sec-map-seen")["data"])
        env_forged = _json(_page("/environment")(xa=DEMO))
        sec_forged = _json(_page("/security")(xa=DEMO))
    finally:
        ctx.pop()
    stations = _find(env, "env-stations")["data"]["features"]
    cameras = _find(sec, "sec-cameras")["data"]["features"]
    assert stations and {f["properties"]["kind"] for f in stations} >= {"water_station", "air_station"}
    assert cameras and all(f["properties"]["kind"] == "camera" for f in cameras)
    assert _find(sec, "sec-online")["children"]          # the online count (or "unknown"), not empty
    # the first refresh finds nothing new to send: the seen stores start with what the layout drew
    from dash import no_update
    assert all(v is no_update for v in env_again) and all(v is no_update for v in sec_again)
    for layout in (env, sec):
        assert _other_communes(json.dumps(layout)) == []
    # a forged link to the other commune: the reason, and nothing of that commune
    for layout in (env_forged, sec_forged):
        text = json.dumps(layout, ensure_ascii=False)
        assert REFUSED in text and _other_communes(text) == []


def test_the_feedback_page_draws_its_grid_and_map_in_the_layout_for_the_users_commune(users):
    import app  # noqa: F401 - pages register after the app exists
    from pages import feedback
    ids, _ = users
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        layout = _json(_page("/feedback")(period="30d"))
        answer = _json(feedback.update_list("30d", {"start": None, "end": None}, None, None, None, 0, None))
        forged = _json(_page("/feedback")(period="30d", xa=DEMO))
    finally:
        ctx.pop()
    grid, reports = _find(layout, "fb-grid"), _find(layout, "fb-reports")["data"]["features"]
    assert grid["rowData"] and grid["columnDefs"] and reports
    assert [grid["rowData"], grid["columnDefs"], _find(layout, "fb-reports")["data"]] == answer
    assert all(r["id"].startswith("QT-") for r in grid["rowData"])
    assert all(f["id"].startswith("QT-") for f in reports)
    text = json.dumps(forged, ensure_ascii=False)
    assert REFUSED in text and _other_communes(text) == []
    # a user of both communes opening the demo commune's link sees its reports and only them
    ctx = _as(ids["both"], "both")
    try:
        demo = _json(_page("/feedback")(period="30d", xa=DEMO))
    finally:
        ctx.pop()
    rows = _find(demo, "fb-grid")["rowData"]
    assert rows and all(r["id"].startswith("DXB-") for r in rows)


def test_the_alerts_page_draws_its_list_and_the_opened_alert_in_the_layout(alerts_in_both):
    from alerts.queries import alert_by_id
    import app  # noqa: F401 - pages register after the app exists
    from pages import alerts
    ids = alerts_in_both
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        layout = _json(_page("/alerts")())
        answer = _json(alerts.update_list(None, None, None, "active", 0, None, None, None))
        rows = _find(layout, "al-grid")["rowData"]
        own = next(r["id"] for r in rows)
        theirs = next(int(a) for a in _demo_alert_ids())
        opened = _json(_page("/alerts")(alert=str(own)))
        other = _json(_page("/alerts")(alert=str(theirs)))
        forged = _json(_page("/alerts")(xa=DEMO))
    finally:
        ctx.pop()
    assert rows and [rows, _find(layout, "al-grid")["columnDefs"], _find(layout, "al-error")["children"]] == \
        answer[:2] + [[None, None]] and answer[2] is None
    assert {alert_by_id(r["id"])["commune_id"] for r in rows} == {QT}
    assert _find(opened, "al-selected")["data"] == own
    assert f"#{own}" in json.dumps(_find(opened, "al-detail"), ensure_ascii=False) or \
        "al-history" in json.dumps(opened)                     # its history drawn, not "pick an alert"
    # another commune's alert by its number reads as unknown: its id is all the link carried
    assert "al-history" not in json.dumps(other) and _other_communes(json.dumps(other)) == []
    text = json.dumps(forged, ensure_ascii=False)
    assert REFUSED in text and _other_communes(text) == []


def _demo_alert_ids():
    from alerts.queries import alerts
    return alerts(None, None, None, "active", commune=DEMO)["id"].tolist()


def test_the_data_page_draws_its_tables_in_the_layout_for_the_urls_commune(users):
    import app  # noqa: F401 - pages register after the app exists
    from pages import data
    ids, _ = users
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        layout = _json(_page("/data")())
        health = _json(list(data.update_health(0, None, None)))
        unmapped = _json(data.update_unmapped(0, None))
        checks = _json(data.update_crosschecks(0, None, None))
        forged = _json(_page("/data")(xa=DEMO))
    finally:
        ctx.pop()
    assert [_find(layout, f"data-{k}")["children"] for k in ("health", "rejects", "recent")] == health
    assert _find(layout, "data-unmapped")["children"] == unmapped
    assert _find(layout, "data-checks")["children"] == checks
    assert "sensorthings" in json.dumps(health)
    refused = json.dumps(_find(forged, "data-health"), ensure_ascii=False)
    assert REFUSED in refused and "sensorthings" not in refused
    assert REFUSED in json.dumps(_find(forged, "data-unmapped"), ensure_ascii=False)
    assert _find(forged, "data-rejects")["children"] is None


def test_a_failing_part_is_said_with_a_reference_and_the_layout_still_draws(users, monkeypatch):
    """Anything unexpected while drawing a page's own content: the page draws, says it with a reference."""
    import app  # noqa: F401 - pages register after the app exists
    from pages import feedback
    ids, _ = users

    def broken(*_a, **_k):
        raise RuntimeError("the store went away")
    monkeypatch.setattr(feedback, "list_view", broken)
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        layout = _json(_page("/feedback")())
    finally:
        ctx.pop()
    assert _find(layout, "fb-grid")["rowData"] == [] and "fb-kpis" in json.dumps(layout)
    import re
    assert re.search(r"Đã xảy ra lỗi \(mã [0-9a-f]{8}\)", json.dumps(layout, ensure_ascii=False))


def test_cross_check_findings_are_shown_for_the_users_commune_only(users, monkeypatch):
    """/data's cross-checks: a finding belongs to the commune of its device or of its indicator's scope
    (the commune or one of its villages); a user sees their commune's only, and a province-wide one none."""
    import pandas as pd

    from queries import crosschecks, site
    demo_village = site.villages(DEMO)["id"].iloc[0]
    qt_village = site.villages(QT)["id"].iloc[0]
    rows = [("device_stopped", "water_1", None), ("device_stopped", "demo_b_water_1", None),
            ("composite_766", "x766", f"commune:{QT}"), ("composite_766", "x766", f"commune:{DEMO}"),
            ("counter_backwards", "gov.a", f"village:{qt_village}"), ("counter_backwards", "gov.a", f"village:{demo_village}"),
            ("rate_vs_parts", "gov.b", "province:hue")]
    frame = pd.DataFrame([{"check": c, "severity": "warning", "subject": subj, "scope": scope, "period": None,
                           "time": None, "values": {}} for c, subj, scope in rows], columns=crosschecks.FINDING_COLUMNS)
    monkeypatch.setattr(crosschecks, "findings", lambda now=None: frame)
    mine = crosschecks.findings_for(QT)
    assert list(mine["subject"]) == ["water_1", "x766", "gov.a"]
    assert list(mine["scope"])[1:] == [f"commune:{QT}", f"village:{qt_village}"]
    theirs = crosschecks.findings_for(DEMO)
    assert "water_1" not in set(theirs["subject"]) and len(theirs) == 3
