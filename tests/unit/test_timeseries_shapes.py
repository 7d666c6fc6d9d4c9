"""The bands and alarm lines of a time series are written out as layout shapes and labels at once
(components/figures/timeseries.py), instead of one fig.add_hrect / fig.add_hline call each: the chart must
be exactly what Plotly's own calls draw, in the same order, on both themes."""
import json

import numpy as np
import pandas as pd
import pytest

from components.figures.base import legible
from components.figures.timeseries import Band, Line, timeseries
from core.text import chart_text


def _frame():
    t = pd.date_range("2026-01-01", periods=48, freq="h", tz="UTC")
    df = pd.DataFrame({"time": list(t) * 2, "device": ["a"] * 48 + ["b"] * 48, "value": np.linspace(0.5, 9, 96)})
    return df.assign(min=df["value"] - 1, max=df["value"] + 1)


def _as_plotly_draws(fig, bands, lines, theme):
    """The same figure with its shapes and labels drawn again by Plotly's add_hrect / add_hline."""
    ref = fig.__class__(fig)
    ref.layout.shapes, ref.layout.annotations = (), ()
    for i, band in enumerate(bands):
        y0, y1 = fig.layout.shapes[i].y0, fig.layout.shapes[i].y1     # the open ends' edges are not the subject
        ref.add_hrect(y0=y0, y1=y1, fillcolor=band.colour, opacity=0.12, line_width=0, layer="below",
                      annotation_text=chart_text(band.label), annotation_position="top left" if i % 2 == 0 else "bottom right",
                      annotation_font={"size": 11, "color": legible(band.colour, theme)})
    for line in lines:
        ref.add_hline(y=line.y, line={"color": line.colour, "dash": "dash", "width": 1.5},
                      annotation_text=chart_text(line.label), annotation_position="top right",
                      annotation_font={"size": 11, "color": legible(line.colour, theme)})
    return ref


BANDS = (Band(None, 4, "#d93025", "thấp <b>x</b>"), Band(4, 6, "#1e8e3e", "an toàn"), Band(6, None, "#0b5cad", "cao"))
LINES = (Line(1.5, "#f9ab00", "Báo động I: 1,5 m"), Line(2.5, "#e8710a", "Báo động II"), Line(3.5, "#d93025", "III"))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("bands,lines", [(BANDS, ()), ((), LINES), (BANDS[1:2], LINES[:1])])
def test_bands_and_lines_are_what_plotlys_own_calls_draw(theme, bands, lines):
    fig = timeseries(_frame(), lang="vi", unit="m", bands=bands, lines=lines, theme=theme)
    assert len(fig.layout.shapes) == len(bands) + len(lines)
    ref = _as_plotly_draws(fig, bands, lines, theme)
    # the same shapes and labels in the same order; the keys of each in any order (the figure is written as
    # plain dicts, unvalidated, so not in the order plotly.py's validation leaves them: plotly.js reads either)
    for part in ("shapes", "annotations"):
        assert (json.dumps(fig.to_plotly_json()["layout"][part], sort_keys=True)
                == json.dumps(ref.to_plotly_json()["layout"][part], sort_keys=True))


def test_a_chart_without_bands_or_lines_has_no_shapes():
    fig = timeseries(_frame(), lang="vi", unit="m")
    assert not fig.layout.shapes and not fig.layout.annotations
