"""The look every chart shares: the vendored font, colours that hold on the dark wall, Vietnamese
separators (1.234,5), dates as dd/mm, local time, and an honest empty state."""
from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from core.formatting import plotly_separators
from core.i18n import t
from core.text import chart_text
from core.timeutil import LOCAL_TZ

PALETTE = ["#0b5cad", "#e8710a", "#1e8e3e", "#a142f4", "#d93025", "#12b5cb", "#f9ab00", "#5f6368", "#9334e6",
           "#188038"]
FONT = "Be Vietnam Pro, Noto Sans, DejaVu Sans, Arial, sans-serif"
THEMES = {"light": {"paper": "rgba(0,0,0,0)", "plot": "rgba(0,0,0,0)", "text": "#202124", "grid": "#e3e6ea"},
          "dark": {"paper": "rgba(0,0,0,0)", "plot": "rgba(0,0,0,0)", "text": "#e8eaed", "grid": "#2d3748"}}


def local_x(times: pd.Series) -> np.ndarray:
    """UTC times as Asia/Ho_Chi_Minh wall-clock datetime64: what the axis shows, and ~100x cheaper for
    Plotly to take than an array of tz-aware Timestamps (which it copies object by object)."""
    return times.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).to_numpy()


def _slim(name: str) -> str:
    """Plotly's template with its layout only, registered once. Assigning a stock template deep-copies
    defaults for every trace type (≈40 ms a figure); our figures style their own traces."""
    slim = f"brain_{name}"
    if slim not in pio.templates:
        pio.templates[slim] = go.layout.Template(layout=pio.templates[name].layout)
    return slim


TEMPLATES = {"light": _slim("plotly_white"), "dark": _slim("plotly_dark")}
# the same templates as plain JSON: what plotly.js receives as layout.template (a figure built by figure()
# gets its own copy: orjson's round trip is ~6x cheaper than copy.deepcopy of these few hundred values)
_TEMPLATE_JSON = {theme: orjson.dumps(pio.templates[name].to_plotly_json()) for theme, name in TEMPLATES.items()}


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts (traces with their "type", a full layout), not validated by plotly.py.

    Validation is most of what a chart cost to build (each update_layout validated and deep-copied its
    values again, ≈10-20 ms a chart): the builders here write exactly what plotly.js receives, so they
    skip it. What plotly.js receives is the same as the validated figure's (to_plotly_json: arrays still
    base64-encoded): tests/unit/test_figure_dicts.py holds the two equal. The figure stays a go.Figure, so
    callers still change it (update_layout, update_traces, add_annotation: unvalidated too, merged the same
    way), and exports render it as before. Values must be plotly's own forms (a colorscale as its list of
    [position, colour], arrays as numpy arrays or lists)."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def legible(colour: str, theme: str = "light") -> str:
    """A label colour that reads on the theme: on dark, a #rrggbb is mixed 45 % with white, so a red
    threshold label (#d93025) becomes #ea8f88 instead of sinking into the dark background."""
    if theme != "dark" or not (isinstance(colour, str) and len(colour) == 7 and colour.startswith("#")):
        return colour
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * 0.45):02x}" for c in rgb)


def style_layout(lang: str = "vi", *, title: str | None = None, unit: str | None = None, theme: str = "light",
                 legend: bool = True) -> dict:
    """The layout every chart shares, as the dict `style` gives a figure (for `figure`)."""
    c = THEMES.get(theme, THEMES["light"])
    layout = {
        "template": orjson.loads(_TEMPLATE_JSON["dark" if theme == "dark" else "light"]),
        "separators": plotly_separators(lang), "font": {"family": FONT, "color": c["text"], "size": 14},
        "paper_bgcolor": c["paper"], "plot_bgcolor": c["plot"], "colorway": list(PALETTE),
        "margin": {"l": 56, "r": 16, "t": 40 if title else (40 if legend else 12), "b": 96 if title and legend else 40},
        "showlegend": legend, "hoverlabel": {"font": {"family": FONT}}, "autosize": True,
        "xaxis": {"gridcolor": c["grid"], "zerolinecolor": c["grid"]},
        "yaxis": {"gridcolor": c["grid"], "zerolinecolor": c["grid"]}}
    # titles and axis titles often carry a source's name (a station, a camera): shown as text, never markup;
    # none is {} (what update_layout(title=None) left: the same JSON as before)
    layout["title"] = {"text": chart_text(title), "x": 0, "font": {"size": 15}} if title else {}
    # above the plot (just below a plot it ran into the two-line date ticks); under a title it would
    # collide with the title when it wraps, so a titled chart keeps its legend at the foot of the figure
    layout["legend"] = ({"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0} if title else
                        {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}) if legend else {}
    if unit:
        layout["yaxis"]["title"] = {"text": chart_text(unit)}
    return layout


def style(fig: go.Figure, lang: str = "vi", *, title: str | None = None, unit: str | None = None,
          theme: str = "light", legend: bool = True, hover_time: bool = True) -> go.Figure:
    """`style_layout` given to a validated figure (the exports' own figures); the builders here start their
    figures from style_layout instead (`figure`)."""
    c = THEMES.get(theme, THEMES["light"])
    fig.update_layout(
        template=TEMPLATES["dark" if theme == "dark" else "light"],
        separators=plotly_separators(lang), font={"family": FONT, "color": c["text"], "size": 14},
        paper_bgcolor=c["paper"], plot_bgcolor=c["plot"], colorway=PALETTE,
        margin={"l": 56, "r": 16, "t": 40 if title else (40 if legend else 12), "b": 96 if title and legend else 40},
        title={"text": chart_text(title), "x": 0, "font": {"size": 15}} if title else None,
        legend=({"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0} if title else
                {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}) if legend else None, showlegend=legend,
        hoverlabel={"font": {"family": FONT}}, autosize=True)
    fig.update_xaxes(gridcolor=c["grid"], zerolinecolor=c["grid"])
    fig.update_yaxes(gridcolor=c["grid"], zerolinecolor=c["grid"], title_text=chart_text(unit) if unit else None)
    return fig


def time_axis_props() -> dict:
    """dd/mm dates and 24-hour times on a local-time axis: an x axis's properties."""
    return {"tickformatstops": [{"dtickrange": [None, 86400000], "value": "%H:%M\n%d/%m"},
                                {"dtickrange": [86400000, None], "value": "%d/%m\n%Y"}],
            "hoverformat": "%d/%m/%Y %H:%M"}


def time_axis(fig: go.Figure, lang: str = "vi") -> go.Figure:
    """dd/mm dates and 24-hour times on a local-time axis."""
    fig.update_xaxes(**time_axis_props())
    return fig


DAY_MS = 86_400_000


def daily_axis_props(days, most: int = 12) -> dict:
    """What `daily_axis` sets on the x axis ({} for no days)."""
    days = pd.to_datetime(pd.Series(days)).dropna()
    if days.empty:
        return {}
    first, last = days.min().normalize(), days.max().normalize()
    step = max(1, -(-((last - first).days + 1) // most))
    return {"tickmode": "linear", "tick0": first.strftime("%Y-%m-%d"), "dtick": step * DAY_MS,
            "tickformat": "%d/%m", "hoverformat": "%d/%m/%Y"}


def daily_axis(fig: go.Figure, days, most: int = 12) -> go.Figure:
    """A chart of one bar per day: a tick under each day's bar (every k-th day when there are more than
    `most`), each at local midnight, labelled dd/mm. Plotly's own ticks on a chart of two or three days fall
    every 12 hours and print each date twice ("29/11 29/11 30/11"). `days`: the bars' local datetimes."""
    props = daily_axis_props(days, most)
    return fig.update_xaxes(**props) if props else fig


def message(text: str, theme: str = "light") -> go.Figure:
    """An empty chart that says why it is empty ("Không có dữ liệu"), never an axis at zero."""
    layout = style_layout(legend=False, theme=theme)
    layout["annotations"] = [{"font": {"size": 16, "color": THEMES.get(theme, THEMES["light"])["text"]},
                              "showarrow": False, "text": text, "x": 0.5, "xref": "paper", "y": 0.5, "yref": "paper"}]
    layout["xaxis"]["visible"] = False
    layout["yaxis"]["visible"] = False
    return figure([], layout)


def no_data(lang: str, theme: str = "light") -> go.Figure:
    return message(t("common.no_data", lang), theme)
