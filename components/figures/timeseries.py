"""Time series of sensor readings, with threshold bands and alarm lines drawn on them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.figures.base import figure, legible, local_x, no_data, series_colour, style_layout, time_axis_props
from core.text import chart_text


@dataclass(frozen=True)
class Band:
    low: float | None
    high: float | None
    colour: str
    label: str


@dataclass(frozen=True)
class Line:
    y: float
    colour: str
    label: str


def timeseries(frame: pd.DataFrame, *, lang: str, unit: str, names: dict[str, str] | None = None,
               bands: tuple[Band, ...] = (), lines: tuple[Line, ...] = (), title: str | None = None,
               theme: str = "light", show_range: bool = True, mode: str = "lines") -> go.Figure:
    """Columns time (UTC), device, value (+ min/max from rollups) in; one SVG trace per device out.
    Gaps stay gaps: a missing hour is not drawn as a line through zero."""
    if frame is None or frame.empty:
        return no_data(lang, theme)
    traces = []
    names = names or {}
    for i, (device, part) in enumerate(frame.groupby("device", sort=True)):
        x = local_x(part["time"])
        colour = series_colour(i, theme)
        name = chart_text(names.get(device, device))      # legend and hover: a station's name as text
        if show_range and "min" in part and (part["max"] - part["min"]).abs().sum() > 0:
            traces.append({"type": "scatter", "x": np.concatenate([x, x[::-1]]),
                           "y": np.concatenate([part["max"].to_numpy(), part["min"].to_numpy()[::-1]]),
                           "fill": "toself", "fillcolor": colour, "opacity": 0.15, "line": {"width": 0},
                           "hoverinfo": "skip", "showlegend": False, "legendgroup": name})
        traces.append({"type": "scatter", "x": x, "y": part["value"].to_numpy(), "name": name, "mode": mode,
                       "line": {"color": colour, "width": 2}, "legendgroup": name, "connectgaps": False,
                       "hovertemplate": "%{y:,.2f} " + chart_text(unit, "") + "<extra>" + name + "</extra>"})
    lo_data = float(frame[["value", "min"]].min().min()) if "min" in frame else float(frame["value"].min())
    hi_data = float(frame[["value", "max"]].max().max()) if "max" in frame else float(frame["value"].max())
    pad = max((hi_data - lo_data) * 0.1, 1e-6)
    # what fig.add_hrect / fig.add_hline draw (a shape across the x domain and its label), written out and
    # given to the layout at once: each add_ call validated the whole layout again, ≈12 ms a line or band,
    # most of a river-level chart's cost. tests/unit/test_timeseries_shapes.py holds the two the same.
    # The whole figure is written so (components.figures.base.figure): plotly.py validates none of it.
    shapes, notes = [], []
    for i, band in enumerate(bands):
        # an open-ended band ("DO > 4 mg/L") is drawn to the edge of what is on the chart
        y0 = band.low if band.low is not None else min(lo_data, band.high if band.high is not None else lo_data) - pad
        y1 = band.high if band.high is not None else max(hi_data, band.low if band.low is not None else hi_data) + pad
        shapes.append({"fillcolor": band.colour, "layer": "below", "line": {"width": 0}, "opacity": 0.12,
                       "type": "rect", "x0": 0, "x1": 1, "xref": "x domain", "y0": y0, "y1": y1, "yref": "y"})
        top = i % 2 == 0      # labels alternate "top left" / "bottom right", so neighbouring bands' do not collide
        notes.append(_label(band.label, band.colour, theme, x=0 if top else 1, y=y1 if top else y0,
                            xanchor="left" if top else "right", yanchor="top" if top else "bottom"))
    for line in lines:
        shapes.append({"line": {"color": line.colour, "dash": "dash", "width": 1.5}, "type": "line",
                       "x0": 0, "x1": 1, "xref": "x domain", "y0": line.y, "y1": line.y, "yref": "y"})
        notes.append(_label(line.label, line.colour, theme, x=1, y=line.y, xanchor="right", yanchor="bottom"))
    layout = style_layout(lang, title=title, unit=unit, theme=theme)
    if shapes:
        layout.update(shapes=shapes, annotations=notes)
    layout["xaxis"].update(time_axis_props())
    return figure(traces, layout)


def _label(text: str, colour: str, theme: str, **where) -> dict:
    """A band's or a line's label, as add_hrect/add_hline place it ("top left": x 0, anchored left and top)."""
    return {"font": {"color": legible(colour, theme), "size": 11}, "showarrow": False, "text": chart_text(text),
            "xref": "x domain", "yref": "y", **where}
