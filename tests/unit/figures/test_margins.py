"""fit_margins: a chart's base margins hold what it draws outside its plot, so plotly.js does not widen
them after a first draw and draw the chart again (its auto-margin pass)."""
import pandas as pd

from components.figures.bars import bar, hour_weekday
from components.figures.base import fit_margins, style_layout, text_px
from components.figures.timeseries import timeseries

BASE = style_layout("vi", legend=False)["margin"]      # l 56, r 16, t 12, b 40


def readings(devices=("a",), values=(5.0, 6.0)):
    times = pd.date_range("2025-10-01", periods=len(values), freq="h", tz="UTC")
    return pd.DataFrame({"time": list(times) * len(devices), "device": [d for d in devices for _ in values],
                         "value": list(values) * len(devices)})


def test_a_time_axis_gets_room_for_its_two_line_dates():
    fig = timeseries(readings(), lang="vi", unit="m", show_range=False)
    assert fig.layout.margin.b >= 49          # "00:00" over "01/10" at 14 px: plotly pushed b to 49


def test_long_category_names_widen_the_left_margin_to_their_width():
    short = bar(pd.DataFrame({"camera": ["c1"], "count": [3]}), x="camera", lang="vi", horizontal=True)
    name = "Camera 24 – Giao thông Thôn 8 – cổng chợ"
    long = bar(pd.DataFrame({"camera": ["c1"], "count": [3]}), x="camera", lang="vi", horizontal=True,
               labels={"c1": name})
    assert short.layout.margin.l == BASE["l"]
    assert long.layout.margin.l >= text_px(name) + 13 > 280


def test_y_values_in_thousands_and_a_unit_widen_the_left_margin():
    small = timeseries(readings(values=(1.0, 2.0)), lang="vi", unit="", show_range=False).layout.margin.l
    big = timeseries(readings(values=(10_000.0, 250_000.0)), lang="vi", unit="", show_range=False).layout.margin.l
    with_unit = timeseries(readings(values=(10_000.0, 250_000.0)), lang="vi", unit="người",
                           show_range=False).layout.margin.l
    assert small == BASE["l"]
    assert big >= text_px("250.000") + 13      # vi ticks group thousands with "."
    assert with_unit >= big + 26               # the unit stands beside the ticks


def test_a_heatmap_gets_room_for_its_colorbar_on_the_right():
    heat = hour_weekday(pd.DataFrame({"weekday": [0, 6], "hour": [7, 22], "count": [5, 1200]}), lang="vi")
    assert heat.layout.margin.r >= 12 + text_px("1200") + 30
    assert heat.layout.margin.l >= text_px("Chủ nhật") + 13


def test_a_legend_above_the_plot_gets_a_row_or_more_of_top_margin():
    one_row = timeseries(readings(("a", "b", "c")), lang="vi", unit="m", show_range=False)
    long_names = {d: f"Trạm quan trắc mực nước sông Bồ số {d}" for d in "abc"}
    wrapped = timeseries(readings(("a", "b", "c")), lang="vi", unit="m", show_range=False, names=long_names)
    assert one_row.layout.legend.y == 1.02 and 49 <= one_row.layout.margin.t < 69
    assert wrapped.layout.margin.t >= one_row.layout.margin.t + 2 * 21    # three names of ~250 px: three rows


def test_a_chart_with_nothing_outside_keeps_the_shared_margins_and_empty_states_are_untouched():
    layout = style_layout("vi", legend=False)
    assert fit_margins(layout, [{"type": "bar", "x": ["a"], "y": [3]}]) == BASE
    assert fit_margins(style_layout("vi", legend=False), []) == BASE
