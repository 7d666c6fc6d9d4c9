"""Which alerts take a wall (alerts.queries.wall_alarms, pages/wall.py): the wall's severities and, when it
names them, its alert rules (the shipped flood screen was held for weeks by overdue citizen reports, medium
alerts with nothing to do with a flood); a wall opened for one commune (`?xa=`) takes that commune's alerts
and the sources' (no commune), never another commune's; a rule the walls file names must exist."""
from __future__ import annotations

import json
import time

import pytest
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import insert

from core.settings import ROOT

QT = "quang_tho"


@pytest.fixture
def site_store(store_url, engine_for, use_store):
    from ingest.site_sync import sync_site
    use_store(store_url)
    sync_site(engine_for(store_url))
    return engine_for(store_url)


def _alert(rule_id: str, severity: str, commune_id: str | None, subject: str, age_s: int = 60) -> dict:
    now = int(time.time())
    return dict(rule_id=rule_id, kind="level", subject=subject, commune_id=commune_id, severity=severity, state="open",
                title_vi=f"{rule_id} {subject}", title_en=f"{rule_id} {subject}", opened_t=now - age_s,
                updated_t=now - age_s)


def _shipped(name: str):
    from core.site import load_yaml_model
    from core.walls import WallsFile
    return load_yaml_model(ROOT / "sites" / "walls.yaml", WallsFile).wall(name)


def test_the_flood_screen_takes_flood_alerts_not_overdue_reports(site_store):
    from alerts.queries import wall_alarms
    from store.models import Alert
    with site_store.begin() as conn:
        conn.execute(insert(Alert), [_alert("report_overdue", "medium", QT, f"r{i}", age_s=30 + i) for i in range(10)]
                     + [_alert("flood_level", "medium", QT, "gauge_nga_tu", age_s=600),
                        _alert("source_down", "high", None, "sensorthings", age_s=900)])
    flood, main = _shipped("flood"), _shipped("main")
    assert flood.alarm_rules and not main.alarm_rules
    now = int(time.time())

    def taken(wall):
        return [a["rule_id"] for a in wall_alarms(tuple(wall.alarm_severities), wall.alarm_hold_s, now,
                                                  rules=tuple(wall.alarm_rules))]
    assert taken(flood) == ["source_down", "flood_level"]            # worst first, no overdue report
    assert taken(main) == ["source_down"]                            # critical and high only, every rule's
    everything = wall_alarms(("critical", "high", "medium"), 0, now, limit=100)
    assert sum(a["rule_id"] == "report_overdue" for a in everything) == 10   # no rules named: every rule's


def test_a_wall_opened_for_a_commune_takes_its_alerts_and_the_sources_only(site_store):
    from alerts.queries import wall_alarms
    from store.models import Alert
    with site_store.begin() as conn:
        conn.execute(insert(Alert), [_alert("flood_level", "high", QT, "gauge_nga_tu"),
                                     _alert("flood_level", "critical", "another_commune", "their_gauge"),
                                     _alert("source_down", "high", None, "frigate")])
    now = int(time.time())
    ours = wall_alarms(("critical", "high"), 0, now, commune=QT)
    assert sorted(a["subject"] for a in ours) == ["frigate", "gauge_nga_tu"]
    deployment = wall_alarms(("critical", "high"), 0, now)           # no commune: the deployment's wall
    assert [a["subject"] for a in deployment][0] == "their_gauge" and len(deployment) == 3


def test_the_wall_page_reads_its_commune_from_the_url_and_ignores_an_unknown_one(site_store):
    from flask import Flask

    import app  # noqa: F401 - pages register themselves with the app
    from pages.wall import _wall_commune, layout
    assert _wall_commune(QT) == QT
    assert _wall_commune("nowhere") is None and _wall_commune(["x"]) is None and _wall_commune(None) is None
    with Flask(__name__).test_request_context("/wall?xa=nowhere"):
        text = str(layout(name="main", xa="<img src=x onerror=alert(1)>").to_plotly_json())
    assert "onerror" not in text and "Quảng Thọ" in text


def test_a_wall_naming_an_unknown_alert_rule_is_refused_in_words(site_store):
    from commands.walls import reference_problems
    from core.walls import parse_walls
    text = (ROOT / "sites" / "walls.yaml").read_text(encoding="utf-8")
    assert reference_problems(parse_walls(text), {"walls": []}) == []       # the shipped file names real rules
    bad = text.replace("alarm_rules: [flood_level,", "alarm_rules: [flood_levle,", 1)
    import yaml
    problems = reference_problems(parse_walls(bad), yaml.safe_load(bad))
    assert [p.text("vi") for p in problems] == [
        "Màn hình “flood” › Chỉ cảnh báo của các quy tắc › mục 1: không có quy tắc cảnh báo “flood_levle”"], \
        [p.text("vi") for p in problems]


def test_an_alarm_of_no_place_takes_the_screen_without_an_empty_map(site_store):
    """A source down has no device or village: no map (it showed an empty box on half the screen); a gauge's
    alarm has its map. The takeover keeps the wall's dark ground: the pills' `.sev-high` class painted it red
    under pale labels."""
    from flask import Flask

    import app  # noqa: F401 - pages register themselves with the app
    from alerts.queries import wall_alarms
    from pages.wall import alarm_view
    from store.models import Alert
    with site_store.begin() as conn:
        conn.execute(insert(Alert), [dict(_alert("source_down", "high", None, "sensorthings"), device_id=None),
                                     dict(_alert("flood_level", "medium", QT, "gauge_nga_tu"), device_id="gauge_nga_tu")])
    found = {a["rule_id"]: a for a in wall_alarms(("high", "medium"), 0, int(time.time()))}
    with Flask(__name__).test_request_context("/wall"):
        down = json.dumps(alarm_view(found["source_down"], 1, "vi"), cls=PlotlyJSONEncoder)
        gauge = json.dumps(alarm_view(found["flood_level"], 0, "vi"), cls=PlotlyJSONEncoder)
    assert "wall-alarm-map" not in down and "no-map" in down
    assert "wall-alarm-map" in gauge and "no-map" not in gauge
    assert "wall-alarm-high" in down and '"sev-high"' not in down and " sev-high" not in down
