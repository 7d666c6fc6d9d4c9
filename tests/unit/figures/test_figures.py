"""Figure builders: a frame in, a figure out, with the right traces, units, colours, Vietnamese labels,
and an honest "no data" when the frame is empty."""
import pandas as pd

from components.figures.bars import bar, hour_weekday, indicator_trend
from components.figures.base import no_data
from components.figures.timeseries import Band, Line, timeseries
from components.kpi import kpi_card, trend_class


def frame():
    times = pd.date_range("2025-10-01", periods=4, freq="h", tz="UTC")
    return pd.DataFrame({"time": times.repeat(2), "device": ["water_1", "water_2"] * 4,
                         "value": [5.0, 3.0, 5.5, 3.2, 6.0, 2.9, 6.5, 3.3],
                         "min": [4.9, 3.0, 5.4, 3.2, 5.9, 2.9, 6.4, 3.3], "max": [5.1, 3.0, 5.6, 3.2, 6.1, 2.9, 6.6, 3.3]})


def test_one_line_per_device_named_local_time_and_unit():
    fig = timeseries(frame(), lang="vi", unit="mg/L", names={"water_1": "Trạm nước ao 1"})
    lines = [tr for tr in fig.data if tr.showlegend is not False]
    assert [tr.name for tr in lines] == ["Trạm nước ao 1", "water_2"]
    # the axis shows Asia/Ho_Chi_Minh wall-clock time: 00:00 UTC is 07:00 in the commune
    assert pd.Timestamp(lines[0].x[0]).hour == 7 and pd.Timestamp(lines[0].x[0]).tz is None
    assert fig.layout.yaxis.title.text == "mg/L"
    assert fig.layout.separators == ",."      # 1.234,5


def test_bands_and_alarm_lines_are_drawn_even_open_ended():
    fig = timeseries(frame(), lang="vi", unit="mg/L", bands=(Band(4.0, None, "#1e8e3e", "An toàn"),),
                     lines=(Line(3.5, "#d93025", "QCVN"),))
    shapes = fig.layout.shapes
    assert len(shapes) == 2 and shapes[0].y0 == 4.0 and shapes[0].y1 > 6.5
    assert any(a.text == "An toàn" for a in fig.layout.annotations)


def test_empty_frames_say_no_data_in_the_language():
    assert no_data("vi").layout.annotations[0].text == "Không có dữ liệu"
    assert not timeseries(frame().iloc[:0], lang="en", unit="m").data
    assert timeseries(frame().iloc[:0], lang="en", unit="m").layout.annotations[0].text == "No data"
    assert bar(pd.DataFrame(columns=["label", "count"]), x="label", lang="vi").layout.annotations[0].text == "Không có dữ liệu"


def test_bar_labels_and_heatmap_weekdays_in_vietnamese():
    fig = bar(pd.DataFrame({"label": ["person", "car"], "count": [3, 1]}), x="label", lang="vi",
              labels={"person": "Người", "car": "Ô tô"})
    assert list(fig.data[0].x) == ["Người", "Ô tô"] and list(fig.data[0].y) == [3, 1]
    heat = hour_weekday(pd.DataFrame({"weekday": [0, 6], "hour": [7, 22], "count": [5, 2]}), lang="vi")
    assert heat.data[0].y[0] == "Thứ Hai" and heat.data[0].y[6] == "Chủ nhật"
    assert heat.data[0].z[0][7] == 5 and heat.data[0].z[6][22] == 2 and heat.data[0].z[3][3] == 0


def test_indicator_trend_keeps_nulls_as_gaps():
    df = pd.DataFrame({"indicator": ["x"] * 3, "value": [90.0, None, 95.0],
                       "period_start": pd.date_range("2025-01-01", periods=3, freq="MS", tz="UTC")})
    fig = indicator_trend(df, lang="vi", names={"x": "Hồ sơ"}, unit="%", target=100)
    assert fig.data[0].connectgaps is False and fig.data[0].y[1] is None or pd.isna(fig.data[0].y[1])
    assert indicator_trend(df.assign(value=None), lang="vi", names={}, unit="%").layout.annotations


def test_kpi_card_no_data_trend_colour_and_target():
    card = kpi_card("k", "DO", None, "%", "vi")
    assert "Không có dữ liệu" in str(card)
    assert trend_class(2.0, "up") == "trend-good" and trend_class(2.0, "down") == "trend-bad"
    assert trend_class(None, "up") == "trend-flat"
    text = str(kpi_card("k", "Hồ sơ đúng hạn", 96.7, "%", "vi", previous=97.2, target=100))
    assert "96,7" in text and "0,5" in text and "Chưa đạt" in text


def test_a_stale_card_says_nothing_in_green_or_red_of_its_old_value():
    """Under "source down" a card read "target 9 · met" in green and kept its band's colour: all well, on a
    value nobody has confirmed for hours. Its trend, target verdict and band are greyed; a fresh card keeps them."""
    def classes(card) -> str:
        return str(card.to_plotly_json())
    down = {"state": "down", "since_time": "2026-12-01T09:37:00", "source": "sensorthings"}
    fresh = {"state": "ok", "source": "sensorthings"}
    for state, colours in ((down, False), (fresh, True)):
        card = kpi_card("k", "Điểm Wi-Fi hoạt động", 9, "điểm", "vi", previous=8, target=9, fresh=state,
                        accent="#1e8e3e", decimals=0)
        text = classes(card)
        assert "Đạt" in text and ("trend-good" in text) is colours and ("trend-stale" in text) is not colours
        assert ("#1e8e3e" in text) is colours


def test_a_sources_names_reach_a_chart_as_text_not_markup():
    """Plotly reads <b>, <br>, <a href> in titles, ticks, legends and hovers: a camera or station name
    from a source is escaped there (shown as written) and adds no markup."""
    hostile = "<b>Cam</b><a href='javascript:x'>1</a> & co"
    fig = bar(pd.DataFrame({"camera": ["c1"], "count": [2]}), x="camera", lang="vi", labels={"c1": hostile},
              unit="<i>ev</i>", horizontal=True)
    assert fig.data[0].y[0] == "&lt;b&gt;Cam&lt;/b&gt;&lt;a href='javascript:x'&gt;1&lt;/a&gt; &amp; co"
    assert "<" not in fig.layout.xaxis.title.text
    ts = timeseries(frame(), lang="vi", unit="m", names={"water_1": "<br>Trạm"}, title="<b>x</b>", show_range=False)
    assert ts.data[0].name == "&lt;br&gt;Trạm" and "<br>" not in ts.data[0].hovertemplate
    assert ts.layout.title.text == "&lt;b&gt;x&lt;/b&gt;"
    trend = indicator_trend(pd.DataFrame({"indicator": ["x"], "value": [1.0],
                                          "period_start": pd.date_range("2025-01-01", periods=1, tz="UTC")}),
                            lang="vi", names={"x": "<script>"}, unit="%")
    assert trend.data[0].name == "&lt;script&gt;"


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_series_read_on_the_dark_cards_of_the_wall():
    """Every series colour of a dark chart stands out from a dark card (#1c2230) by 3:1 at least (WCAG's
    figure for graphics), as the light palette does on white; the light theme keeps its palette."""
    times = pd.date_range("2025-10-01", periods=2, freq="h", tz="UTC")
    series = pd.DataFrame({"time": list(times) * 10, "device": [f"d{i}" for i in range(10) for _ in range(2)],
                           "value": [float(v) for v in range(20)]})
    dark = timeseries(series, lang="vi", unit="mg/L", theme="dark")
    light = timeseries(series, lang="vi", unit="mg/L", theme="light")
    dark_colours = [t.line.color for t in dark.data if t.mode == "lines"]
    assert len(dark_colours) == 10 and len(set(dark_colours)) == 10
    assert min(_contrast(c, "#1c2230") for c in dark_colours) >= 3.0
    assert min(_contrast(c, "#1c2230") for c in dark.layout.colorway) >= 3.0
    assert [t.line.color for t in light.data if t.mode == "lines"][0] == "#0b5cad"
    bars = bar(pd.DataFrame({"label": ["a", "b"], "count": [1, 2]}), x="label", lang="vi", theme="dark")
    assert all(_contrast(c, "#1c2230") >= 3.0 for c in bars.data[0].marker.color)
