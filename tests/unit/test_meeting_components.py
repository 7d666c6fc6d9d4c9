"""The meeting's figure cards: arrows point the way the number moved and are coloured by whether that
way is good for this indicator; missing values are "no data", never 0; text stays text."""
from components.meeting import comparison, decisions_table, figure_card


def _text(component) -> str:
    """Every text and class name in a component tree (reprs of big trees are cut short)."""
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    if not hasattr(component, "to_plotly_json"):
        return "" if component is None else str(component)
    props = component.to_plotly_json()["props"]
    return " ".join([str(props.get("className", "")), _text(props.get("children"))])


def _fig(**values):
    base = {"panel": "x.y", "kind": "week", "label_vi": "Nhãn", "label_en": "Label", "unit_vi": "%", "unit_en": "%",
            "decimals": 1, "direction": "up", "value": 80.5, "previous": 70.5, "average": 90.5, "average_weeks": 4,
            "target": None, "freshness": "ok", "href": None}
    return base | values


def test_up_is_good_or_bad_by_the_indicators_direction():
    assert comparison(80.0, 70.0, "up", 1, "vi", "x").className.endswith("trend-good")
    assert comparison(80.0, 70.0, "down", 1, "vi", "x").className.endswith("trend-bad")
    assert comparison(60.0, 70.0, "down", 1, "vi", "x").className.endswith("trend-good")
    assert comparison(80.0, 70.0, "none", 1, "vi", "x").className.endswith("trend-flat")
    assert "▲ 10,5" in _text(comparison(80.5, 70.0, "down", 1, "vi", "x"))
    assert "▼ 9,5" in _text(comparison(60.5, 70.0, "up", 1, "vi", "x"))


def test_card_against_last_week_average_and_target():
    text = _text(figure_card(_fig(target=85.5), "vi", "2026-W47"))
    assert "Tuần 47" in text and "so với tuần trước (70,5)" in text and "so với TB 4 tuần trước (90,5)" in text
    assert "Chỉ tiêu 85,5 · Chưa đạt" in text and "trend-good" in text and "trend-bad" in text


def test_missing_values_are_no_data_and_now_figures_say_so():
    text = _text(figure_card(_fig(value=None, previous=None, average=None), "vi", "2026-W47"))
    assert "Không có dữ liệu" in text and "Tuần trước: không có dữ liệu" in text and "mtg-value" not in text
    now = _text(figure_card(_fig(kind="now", as_of=1_796_000_000, previous=None), "en", "2026-W47"))
    assert "there is no weekly figure" in now and "Now" in now


def test_decisions_render_people_text_as_text():
    import pandas as pd
    from datetime import date
    frame = pd.DataFrame([{"id": 1, "who": "<img src=x onerror=alert(1)>", "what": "Việc <b>gấp</b>",
                           "due": date(2026, 12, 4), "state": "late", "stored_state": "open"}])
    table = decisions_table(frame, "vi", followable=True)
    text = _text(table)
    assert "<img src=x onerror=alert(1)>" in text and "04/12/2026" in text and "Quá hạn" in text
    assert "dangerously" not in text


def test_links_from_a_communes_meeting_stay_on_that_commune():
    import pandas as pd

    from components.meeting import in_commune, needs_lists
    assert in_commune("/feedback?stage=overdue", "demo_xa_b") == "/feedback?stage=overdue&xa=demo_xa_b"
    assert in_commune("/data", "demo_xa_b") == "/data?xa=demo_xa_b"
    assert in_commune("/data", None) == "/data" and in_commune(None, "demo_xa_b") is None
    card = figure_card(_fig(href="/feedback"), "vi", "2026-W47", "demo_xa_b")
    assert card.to_plotly_json()["props"]["href"] == "/feedback?xa=demo_xa_b"
    down = pd.DataFrame([{"kind": "source", "id": "frigate", "name": "frigate", "since_time": None, "href": "/data"}])
    empty = pd.DataFrame()
    out = str(needs_lists({"overdue": empty, "repeated": empty, "down": down, "below_target": empty}, "vi", 6,
                          commune="demo_xa_b").to_plotly_json())
    assert "/data?xa=demo_xa_b" in out
