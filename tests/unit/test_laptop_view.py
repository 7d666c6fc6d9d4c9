"""The laptop and English views: the charts' mode bar (no cloud, the viewer's locale), reject reasons in
words, the alert detail's value with its unit and rule, and threshold colours that read on dark."""
import re
from pathlib import Path

import pandas as pd
import pytest

from alerts.rules import Level, Rule
from components.alert_detail import alert_facts, condition_text, value_text
from components.figures.base import legible
from components.figures.config import graph_config
from components.rejects import reason_text, reject_kind_text
from core.i18n import TABLE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("lang,locale", [("vi", "vi"), ("en", "en-US"), ("xx", "vi")])
def test_every_chart_is_kept_off_plotlys_cloud_and_speaks_the_viewers_language(lang, locale):
    cfg = graph_config(lang, "moi-truong")
    assert cfg["showSendToCloud"] is False and cfg["showEditInChartStudio"] is False and cfg["showLink"] is False
    assert cfg["plotlyServerURL"] == "" and cfg["displaylogo"] is False
    assert {"sendDataToCloud", "lasso2d", "select2d"} <= set(cfg["modeBarButtonsToRemove"])
    assert cfg["locale"] == locale and cfg["toImageButtonOptions"]["filename"] == "moi-truong"


def test_the_graph_helper_is_the_only_way_pages_draw_a_chart():
    """One place for the mode bar: a dcc.Graph made elsewhere would bring the cloud button back."""
    offenders = [p.name for folder in ("pages", "layouts", "components") for p in (ROOT / folder).rglob("*.py")
                 if "dcc.Graph(" in p.read_text(encoding="utf-8") and p.name != "page.py"]
    assert offenders == []
    for page in (ROOT / "pages").glob("*.py"):
        calls = re.findall(r"\bgraph\(f\"[^)]*\)", page.read_text(encoding="utf-8"))
        assert all("lang=lang" in c for c in calls), (page.name, calls)


def test_the_vendored_vi_locale_translates_what_the_mode_bar_shows():
    js = (ROOT / "assets" / "40_plotly-locale-vi.js").read_text(encoding="utf-8")
    for english in ("Download plot as a PNG", "Zoom in", "Zoom out", "Reset axes", "Zoom", "Autoscale"):
        assert re.search(rf"'{re.escape(english)}': '[^']+'", js), english
    # registered on the Plotly that plotly.js assigns to window, kept if plotly.js runs twice (the browser test
    # test_the_vietnamese_mode_bar_survives_plotly_js_running_twice)
    assert "name: 'vi'" in js and "Object.defineProperty(window, 'Plotly'" in js and "kept.register(locale)" in js


@pytest.mark.parametrize("code,vi,en", [("null_result", "Không có giá trị (trạm không báo)", "No value (not reported)"),
                                        ("unit_mismatch", "Đơn vị không hợp với thông số", "Unit does not fit the parameter")])
def test_reject_reasons_read_in_the_viewers_language(code, vi, en):
    assert reason_text(code, "vi") == vi and reason_text(code, "en") == en


def test_an_unknown_reason_falls_back_to_its_code_and_a_missing_one_to_a_dash():
    assert reason_text("<b>weird</b>", "vi") == "<b>weird</b>"     # text: Dash escapes it where rendered
    assert reason_text(float("nan"), "en") == "—" and reason_text(None, "vi") == "—"
    assert reject_kind_text("reading", "vi") == "Số đo" and reject_kind_text("mystery", "en") == "mystery"


def test_every_reason_the_adapters_give_has_words():
    codes = set()
    for folder in ("data_sources", "ingest"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes |= set(re.findall(r"Rejected\([^,]+,\s*\"[a-z_]+\",\s*\"([a-z_]+)\"", text))
            codes |= set(re.findall(r"reject\(\"([a-z_]+)\"", text))
    assert codes and sorted(c for c in codes if f"reject.{c}" not in TABLE) == []


DO = Rule(id="pond_do_low", kind="threshold", parameter="do", title_vi="x", title_en="x",
          below=[Level(value=3.5, severity="high"), Level(value=2.0, severity="critical")])


def _alert(**kw):
    base = {"id": 7, "kind": "threshold", "state": "open", "severity": "high", "value": 2.8,
            "title_vi": "Oxy thấp", "title_en": "Low oxygen", "acknowledged_by": None,
            "opened_time": pd.Timestamp("2026-11-30 03:00", tz="UTC"), "updated_time": pd.NaT}
    return base | kw


def test_an_alerts_value_carries_its_unit_and_the_rule_it_broke():
    assert value_text(_alert(), DO, "vi") == "2,8 mg/L"
    assert condition_text(DO, "threshold", "vi") == "< 3,5 mg/L: Cao · < 2 mg/L: Khẩn cấp"
    assert condition_text(DO, "threshold", "en") == "< 3.5 mg/L: High · < 2 mg/L: Critical"


def test_kinds_without_a_value_say_their_condition_instead_of_a_dash():
    silent = Rule(id="s", kind="device_silence", title_vi="x", title_en="x", after_min=120)
    facts = dict(alert_facts(_alert(kind="device_silence", value=float("nan")), silent, "Thôn 3", "vi"))
    assert "Giá trị" not in facts and facts["Điều kiện"] == "không gửi dữ liệu quá 120 phút"
    assert facts["Thôn"] == "Thôn 3" and facts["Mở lúc"] == "30/11/2026 10:00" and "Cập nhật" not in facts
    assert value_text(_alert(value=None), DO, "vi") is None


def test_threshold_colours_are_lightened_on_dark_only():
    assert legible("#d93025", "light") == "#d93025"
    dark = legible("#d93025", "dark")
    assert dark != "#d93025" and all(int(dark[i:i + 2], 16) >= int("#d93025"[i:i + 2], 16) for i in (1, 3, 5))
    assert legible("rgba(0,0,0,.5)", "dark") == "rgba(0,0,0,.5)"


def test_nat_is_missing():
    """pd.NaT is a datetime (and so a date): it must still read as missing, not reach strftime."""
    from core.formatting import fmt_datetime, is_missing
    assert is_missing(pd.NaT) and fmt_datetime(pd.NaT, "en") == "No data"


def _status(online):
    return pd.DataFrame({"device": ["cam_01", "cam_02", "cam_03"], "name": ["Camera 01", "Camera 02", "Camera 03"],
                         "village_id": ["thon_1", None, "thon_3"], "online": pd.Series(online, dtype="object"),
                         "last_event_time": pd.to_datetime([1796000000, None, 1796003600], unit="s", utc=True)})


def test_offline_cameras_are_listed_by_name_village_and_last_event():
    from components.cameras import offline_cameras
    text = str(offline_cameras(_status([True, False, False]), {"thon_1": "Thôn 1", "thon_3": "Thôn 3"}, "vi"))
    assert "Camera mất kết nối (2)" in text and "Camera 02" in text and "Camera 03" in text and "Camera 01" not in text
    assert "chưa có" in text and "Thôn 3" in text       # never seen: said so, not a blank date
    assert "Tất cả camera" in str(offline_cameras(_status([True, True, True]), {}, "vi"))
    assert offline_cameras(_status([None, None, None]), {}, "vi") is None    # unknown: nothing guessed
