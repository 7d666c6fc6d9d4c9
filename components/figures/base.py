"""The look every chart shares: the vendored font, colours that hold on the dark wall, Vietnamese
separators (1.234,5), dates as dd/mm, local time, and an honest empty state."""
from __future__ import annotations

import html
import math
import unicodedata

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
# the same hues lighter, for the dark theme (the wall's): #0b5cad drawn on a dark card (#1c2230) has a contrast
# of 2.4:1, a thin line lost from the back of the room; each of these is above 3:1 on it (tests/unit/figures)
PALETTE_DARK = ["#8ab4f8", "#fcad70", "#81c995", "#c58af9", "#f28b82", "#78d9ec", "#fdd663", "#9aa0a6", "#d7aefb",
                "#a8dab5"]
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
    layout["margin"] = fit_margins(layout, data)
    return go.Figure({"data": data, "layout": layout}, _validate=False)


# Width in px at 14 px of each character in the vendored Be Vietnam Pro (measured in Chromium with
# getComputedTextLength); an accented letter is its base letter's, anything else OTHER_PX (generous).
CHAR_PX = dict(zip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;%()/-\u2013\u2212&'",
                   (9.0, 9.1, 8.6, 9.1, 8.4, 5.4, 9.0, 8.2, 3.7, 3.8, 7.8, 3.6, 12.5, 8.0, 9.0, 9.1, 9.1, 5.5, 7.1, 6.0,
                    7.9, 8.1, 12.2, 7.8, 8.2, 7.0,
                    10.3, 9.4, 10.9, 10.2, 8.7, 8.9, 11.0, 9.9, 3.6, 6.5, 9.5, 8.8, 12.0, 10.3, 11.6, 9.0, 11.5, 9.4,
                    8.9, 9.1, 10.2, 9.9, 14.1, 10.1, 9.3, 9.3,
                    9.5, 5.4, 9.1, 9.3, 10.0, 9.3, 9.5, 8.3, 8.9, 9.5, 3.2, 4.0, 4.3, 4.0, 4.0, 11.9, 6.2, 6.2, 7.1,
                    8.5, 9.6, 8.9, 10.4, 3.5)))
OTHER_PX = 11.0
TICK_GAP_PX = 14        # a y tick label's end to the plot (measured: l = widest label + 13.3)
AXIS_TITLE_PX = 27      # a y axis title beside its tick labels (measured: 26.4)
TWO_LINE_TICKS_B = 50   # x tick labels of two 14 px lines under the plot (measured: 49)
COLORBAR_PX = 46        # a colorbar at x 1: its bar, pads and the gap to its labels (measured: r = widest label + 44.8)
LEGEND_ROW_PX, LEGEND_PAD_PX, LEGEND_GROUP_GAP_PX = 21.5, 10, 10   # plotly's legend box: rows, padding, group gap
LEGEND_ENTRY_PX, LEGEND_ITEM_GAP_PX = 40, 5                       # symbol + text gap, and gap between entries
LEGEND_ABOVE_PX = 17    # a legend above the plot (y 1.02): its height + this is the top margin (measured 15-17)
LEGEND_BELOW_PX = 50    # a legend at the foot, under the x tick labels: its height + this is the bottom margin (49)
FIT_WIDTH_PX = 638      # the figure's width in a two-column panel at 1366 px, the narrowest common one
FIT_HEIGHT_PX = 352     # a panel graph's height (.graph: 22rem)


def text_px(text, size: float = 14) -> float:
    """Estimated width of a label (as plotly receives it: entities escaped) in the vendored font."""
    plain = html.unescape(str(text))
    return sum(CHAR_PX.get(c, CHAR_PX.get(unicodedata.normalize("NFD", c)[0], OTHER_PX)) for c in plain) * size / 14


def _tick_labels(lo: float, hi: float, length_px: float, separators: str) -> list[str]:
    """The labels plotly's automatic linear ticks put on [lo, hi] of an axis `length_px` long: its dtick is
    range / (length/40 ticks, 4 to 9, + 1) rounded up to 1, 2 or 5 x 10^n; labels drop trailing zeros, and
    group thousands from five digits (plotly's default separatethousands=false)."""
    if hi <= lo:                                # one value: plotly shows it mid-axis
        lo, hi = lo - 1, hi + 1
    rough = (hi - lo) / (min(max(length_px / 40, 4), 9) + 1)
    base = 10 ** math.floor(math.log10(rough))
    dtick = base * next(step for step in (1, 2, 5, 10) if step >= rough / base - 1e-9)
    decimals = max(0, -math.floor(math.log10(dtick) + 1e-9))
    decimal, thousands = separators[0], separators[1]
    labels = []
    for k in range(math.ceil(lo / dtick - 1e-9), math.floor(hi / dtick + 1e-9) + 1):
        value = round(k * dtick, decimals)
        digits = f"{abs(value):,.{decimals}f}" if abs(value) >= 10_000 else f"{abs(value):.{decimals}f}"
        if decimals:
            digits = digits.rstrip("0").rstrip(".")
        labels.append(("\u2212" if value < 0 else "") + digits.translate({ord(","): thousands, ord("."): decimal}))
    return labels


def _values(data: list[dict], key: str, layout: dict) -> np.ndarray:
    """Every finite number on the axis `key` ("x"/"y"/"z"): traces' values, shapes' and annotations' ends."""
    parts = []
    for tr in data:
        try:
            parts.append(np.asarray(tr.get(key) if tr.get(key) is not None else [], dtype=float).ravel())
        except (TypeError, ValueError):         # category labels or dates: not values
            pass
    if key == "y":
        parts.append(np.array([v for item in layout.get("shapes", []) + layout.get("annotations", [])
                               if item.get("yref") == "y" for v in (item.get("y0"), item.get("y1"), item.get("y"))
                               if isinstance(v, (int, float))], dtype=float))
    values = np.concatenate(parts) if parts else np.array([])
    return values[np.isfinite(values)]


def _number_labels(values: np.ndarray, data: list[dict], length_px: float, separators: str) -> list[str]:
    """Tick labels of a value axis as plotly autoranges it: bars from 0, 5 % padding each side."""
    if not values.size:
        return []
    lo, hi = float(values.min()), float(values.max())
    if any(tr.get("type") in ("bar", "heatmap") for tr in data):
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = 0.05 * ((hi - lo) or abs(hi) or 1.0)
    return _tick_labels(lo - pad if lo < 0 else lo, hi + pad, length_px, separators)


def _legend_rows(names: list[str], width_px: float, grouped: bool) -> int:
    """How many rows plotly's horizontal legend wraps `names` into on `width_px` (its computeLegendDimensions:
    one row if all fit; else equal columns of the widest entry, or, grouped, each entry its own width)."""
    widths = [LEGEND_ENTRY_PX + text_px(n) for n in names]
    if not widths or sum(widths) + (len(widths) - 1) * LEGEND_ITEM_GAP_PX < width_px:
        return 1 if widths else 0
    rows, x = 1, 0.0
    for w in widths:
        step = (w if grouped else max(widths)) + LEGEND_ITEM_GAP_PX
        if x > 0 and x + step - (0 if grouped else LEGEND_ITEM_GAP_PX) >= width_px:
            rows, x = rows + 1, 0.0
        x += step
    return rows


def fit_margins(layout: dict, data: list[dict]) -> dict:
    """Base margins that already hold what the chart draws outside its plot area: y tick labels and the
    unit (l), a heatmap's colorbar (r), a legend above the plot (t), two-line date ticks or a legend at the
    foot (b), estimated from the figure's own values and labels.

    Why: with margin.autoexpand (kept on: nothing is ever cut), plotly.js draws a chart, finds a label
    pushing past the base margin and draws the whole chart again (doAutoMargin -> _doPlot): about half of
    every chart's drawing time. When the base margin already holds it nothing moves and there is no second
    draw. An estimate never breaks a chart: a short one is expanded by plotly as before, a long one costs a
    few pixels. Widths come from the vendored font's measured glyphs (CHAR_PX), the legend's wrap from the
    narrowest common panel (FIT_WIDTH_PX). Base margins are floors: a chart is never given less than before."""
    margin = dict(layout["margin"])
    xaxis, yaxis = layout.get("xaxis", {}), layout.get("yaxis", {})
    if not data or yaxis.get("visible") is False:
        return margin
    size = layout.get("font", {}).get("size", 14)
    separators = layout.get("separators", ".,")
    plot_h = FIT_HEIGHT_PX - margin["t"] - margin["b"]
    heatmap = next((tr for tr in data if tr.get("type") == "heatmap"), None)
    horizontal = any(tr.get("orientation") == "h" for tr in data)
    y_values = _values(data, "y", layout)
    if heatmap is not None or horizontal or not y_values.size:       # category labels down the y axis
        labels = [c for tr in data for c in (tr.get("y") if tr.get("y") is not None else [])]
    else:
        labels = _number_labels(y_values, data, plot_h, separators)
    left = max((text_px(v, size) for v in labels), default=0) + TICK_GAP_PX
    if yaxis.get("title", {}).get("text"):
        left += AXIS_TITLE_PX
    margin["l"] = max(margin["l"], math.ceil(left))
    if heatmap is not None:
        z_labels = _number_labels(_values([heatmap], "z", layout), [heatmap], plot_h, separators)
        margin["r"] = max(margin["r"], math.ceil(max(map(text_px, z_labels), default=0) + COLORBAR_PX))
    two_line_dates = bool(xaxis.get("tickformatstops"))
    if two_line_dates:
        margin["b"] = max(margin["b"], TWO_LINE_TICKS_B)
    names = [tr["name"] for tr in data if tr.get("name") and tr.get("showlegend") is not False]
    if layout.get("showlegend") and names and layout.get("legend", {}).get("orientation") == "h":
        rows = _legend_rows(names, FIT_WIDTH_PX - margin["l"] - margin["r"],
                            grouped=any(tr.get("legendgroup") for tr in data))
        height = rows * LEGEND_ROW_PX + LEGEND_PAD_PX + (rows - 1) * (
            LEGEND_GROUP_GAP_PX if any(tr.get("legendgroup") for tr in data) else 0)
        if layout["legend"].get("yref") == "container":       # at the foot, under the x tick labels
            margin["b"] = max(margin["b"], math.ceil(height + LEGEND_BELOW_PX))
        else:
            margin["t"] = max(margin["t"], math.ceil(height + LEGEND_ABOVE_PX))
    return margin


def series_colour(index: int, theme: str = "light") -> str:
    """The colour of a chart's `index`-th series on the theme."""
    palette = PALETTE_DARK if theme == "dark" else PALETTE
    return palette[index % len(palette)]


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
        "paper_bgcolor": c["paper"], "plot_bgcolor": c["plot"],
        "colorway": list(PALETTE_DARK if theme == "dark" else PALETTE),
        "margin": {"l": 56, "r": 16, "t": 40 if title else (40 if legend else 12), "b": 96 if title and legend else 40},
        "showlegend": legend, "hoverlabel": {"font": {"family": FONT}}, "autosize": True,
        "xaxis": {"gridcolor": c["grid"], "zerolinecolor": c["grid"]},
        # the y axis's labels widen the margin beside it, never above or below: a tick at the plot's top
        # edge overhangs it by half a label (9 px), which the 12 px top margin holds, yet plotly's push for
        # it widened the margin and drew the chart twice
        "yaxis": {"gridcolor": c["grid"], "zerolinecolor": c["grid"], "automargin": "left+right"}}
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
        paper_bgcolor=c["paper"], plot_bgcolor=c["plot"], colorway=PALETTE_DARK if theme == "dark" else PALETTE,
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


def daily_axis_props(days, most: int = 10) -> dict:
    """What `daily_axis` sets on the x axis ({} for no days)."""
    days = pd.to_datetime(pd.Series(days)).dropna()
    if days.empty:
        return {}
    first, last = days.min().normalize(), days.max().normalize()
    step = max(1, -(-((last - first).days + 1) // most))
    return {"tickmode": "linear", "tick0": first.strftime("%Y-%m-%d"), "dtick": step * DAY_MS,
            "tickformat": "%d/%m", "hoverformat": "%d/%m/%Y"}


def daily_axis(fig: go.Figure, days, most: int = 10) -> go.Figure:
    """A chart of one bar per day: a tick under each day's bar (every k-th day when there are more than
    `most`), each at local midnight, labelled dd/mm. Plotly's own ticks on a chart of two or three days fall
    every 12 hours and print each date twice ("29/11 29/11 30/11"). `days`: the bars' local datetimes. At most
    10 labels: 12 did not fit side by side in a two-column panel and turned (and widened the margin)."""
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
