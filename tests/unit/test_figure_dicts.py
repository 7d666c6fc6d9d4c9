"""Chart figures are written as plain dicts and not validated by plotly.py (components/figures/base.py
`figure`): what plotly.js receives must be what plotly.py's validation would have made of them, so each
builder's figure is validated here again and must come out the same."""
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from components.figures.bars import bar, hour_weekday, indicator_trend, stacked_by_time
from components.figures.base import message, no_data
from components.figures.timeseries import Band, Line, timeseries


def _times(n):
    return pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC")


def _series():
    df = pd.DataFrame({"time": list(_times(24)) * 2, "device": ["a"] * 24 + ["b <i>"] * 24,
                       "value": np.r_[np.linspace(1, 9, 47), np.nan]})
    return df.assign(min=df["value"] - 1, max=df["value"] + 1)


BUILDERS = {
    "timeseries": lambda lang, theme: timeseries(_series(), lang=lang, unit="mg/L", names={"a": "Ao <b>1</b>"},
                                                 bands=(Band(None, 4, "#d93025", "thấp"), Band(4, 6, "#1e8e3e", "ổn")),
                                                 lines=(Line(2.5, "#e8710a", "Báo động II"),), title="DO", theme=theme),
    "timeseries_plain": lambda lang, theme: timeseries(_series()[["time", "device", "value"]], lang=lang, unit="m",
                                                       theme=theme, show_range=False),
    "bar": lambda lang, theme: bar(pd.DataFrame({"cam": ["c1", "c2"], "count": [3, 5], "id": ["x", "y"]}), x="cam",
                                   lang=lang, labels={"c1": "Cổng <script>"}, theme=theme, unit="lượt", customdata="id"),
    "bar_horizontal": lambda lang, theme: bar(pd.DataFrame({"cam": ["c1", "c2"], "count": [3.5, 5.0]}), x="cam",
                                              lang=lang, horizontal=True, unit="%", title="T", theme=theme),
    "stacked": lambda lang, theme: stacked_by_time(pd.DataFrame({"t": list(_times(3)) * 2, "g": ["p"] * 3 + ["q"] * 3,
                                                                 "count": [1, 2, 3, 4, 5, 6]}), time_col="t", group="g",
                                                   lang=lang, colours={"p": "#123456"}, theme=theme),
    "heatmap": lambda lang, theme: hour_weekday(pd.DataFrame({"weekday": [0, 3], "hour": [1, 23], "count": [4, 9]}),
                                                lang=lang, title="Giờ", theme=theme),
    "indicator": lambda lang, theme: indicator_trend(pd.DataFrame({"period_start": list(_times(3)) * 2,
                                                                   "indicator": ["x"] * 3 + ["y"] * 3,
                                                                   "value": [1.0, None, 3.0, 4.0, 5.0, 6.0]}),
                                                     lang=lang, names={"x": "X"}, unit="%", target=80.0,
                                                     target_label="Mục tiêu", theme=theme),
    "no_data": lambda lang, theme: no_data(lang, theme),
    "message": lambda lang, theme: message("Không <b>có</b>", theme),
}


def _validated(fig: go.Figure) -> go.Figure:
    """The same figure given to plotly.py's validating constructor."""
    return go.Figure({"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()})


def _json(fig) -> dict:
    return json.loads(to_json_plotly(fig))


def _pruned(value):
    """Without empty objects: an unset title is {} in our figures (what update_layout(title=None) left
    before), absent once validated again; plotly.js reads both as its defaults."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_figure_is_what_plotlys_validation_makes_of_it(name, lang, theme):
    fig = BUILDERS[name](lang, theme)
    assert isinstance(fig, go.Figure)
    assert _pruned(_json(fig)) == _pruned(_json(_validated(fig)))


def test_figures_do_not_share_their_template_or_style():
    a, b = no_data("vi"), no_data("vi")
    a.update_layout(font={"size": 22}, template={"layout": {"font": {"size": 30}}})
    assert b.layout.font.size == 14 and _json(b)["layout"]["template"]["layout"].get("font", {}).get("size") != 30


def test_a_figure_changed_later_is_merged_as_plotly_merges():
    """The wall and the exports change a page's figure: nested values are merged, not replaced."""
    fig = BUILDERS["timeseries"]("vi", "dark")
    ref = _validated(fig)
    for f in (fig, ref):
        f.update_layout(font={"size": 22}, margin={"l": 70}, title={"text": "Khác"})
        f.update_traces(texttemplate="%{y}")
        f.update_xaxes(automargin=True)
        f.add_annotation(text="chân", x=0, y=0, xref="paper", yref="paper", showarrow=False)
    assert _pruned(_json(fig)) == _pruned(_json(ref))
    assert fig.layout.font.family.startswith("Be Vietnam Pro") and fig.layout.font.size == 22
