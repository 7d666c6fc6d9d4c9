"""Time series of sensor readings, with threshold bands and alarm lines drawn on them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.figures.base import PALETTE, legible, local_x, no_data, style, time_axis
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
    fig = go.Figure()
    names = names or {}
    for i, (device, part) in enumerate(frame.groupby("device", sort=True)):
        x = local_x(part["time"])
        colour = PALETTE[i % len(PALETTE)]
        name = chart_text(names.get(device, device))      # legend and hover: a station's name as text
        if show_range and "min" in part and (part["max"] - part["min"]).abs().sum() > 0:
            fig.add_scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([part["max"].to_numpy(), part["min"].to_numpy()[::-1]]),
                            fill="toself", fillcolor=colour, opacity=0.15, line={"width": 0},
                            hoverinfo="skip", showlegend=False, legendgroup=name)
        fig.add_scatter(x=x, y=part["value"], name=name, mode=mode, line={"color": colour, "width": 2},
                        legendgroup=name, connectgaps=False,
                        hovertemplate="%{y:,.2f} " + chart_text(unit, "") + "<extra>" + name + "</extra>")
    lo_data = float(frame[["value", "min"]].min().min()) if "min" in frame else float(frame["value"].min())
    hi_data = float(frame[["value", "max"]].max().max()) if "max" in frame else float(frame["value"].max())
    pad = max((hi_data - lo_data) * 0.1, 1e-6)
    for i, band in enumerate(bands):
        # an open-ended band ("DO > 4 mg/L") is drawn to the edge of what is on the chart
        y0 = band.low if band.low is not None else min(lo_data, band.high if band.high is not None else lo_data) - pad
        y1 = band.high if band.high is not None else max(hi_data, band.low if band.low is not None else hi_data) + pad
        fig.add_hrect(y0=y0, y1=y1, fillcolor=band.colour, opacity=0.12, line_width=0, layer="below",
                      annotation_text=chart_text(band.label), annotation_position="top left" if i % 2 == 0 else "bottom right",
                      annotation_font={"size": 11, "color": legible(band.colour, theme)})
    for line in lines:
        fig.add_hline(y=line.y, line={"color": line.colour, "dash": "dash", "width": 1.5},
                      annotation_text=chart_text(line.label), annotation_position="top right",
                      annotation_font={"size": 11, "color": legible(line.colour, theme)})
    style(fig, lang, title=title, unit=unit, theme=theme)
    return time_axis(fig, lang)
