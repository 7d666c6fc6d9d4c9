"""Counts as bars and heatmaps (events by camera, reports by stage, hour-of-day by weekday)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.figures.base import figure, legible, local_x, no_data, series_colour, style_layout, time_axis_props
from core.text import chart_text

# on the dark theme the empty cells are the card's own colour, not a white glare
HEAT_DARK = [[0, "#1c2230"], [0.5, "#1f5fa8"], [1, "#8ab4f8"]]
# "Blues" as plotly.py spells it out for plotly.js (a named colorscale is expanded when validated)
BLUES = [[0.0, "rgb(247,251,255)"], [0.125, "rgb(222,235,247)"], [0.25, "rgb(198,219,239)"],
         [0.375, "rgb(158,202,225)"], [0.5, "rgb(107,174,214)"], [0.625, "rgb(66,146,198)"], [0.75, "rgb(33,113,181)"],
         [0.875, "rgb(8,81,156)"], [1.0, "rgb(8,48,107)"]]
WEEKDAYS = {"vi": ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"],
            "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}


def bar(frame: pd.DataFrame, *, x: str, y: str = "count", lang: str, labels: dict | None = None,
        colours: dict | None = None, horizontal: bool = False, title: str | None = None, unit: str | None = None,
        theme: str = "light", customdata: str | None = None) -> go.Figure:
    if frame is None or frame.empty:
        return no_data(lang, theme)
    labels = labels or {}
    cats = [chart_text(labels.get(v, v)) for v in frame[x]]     # ticks and hover: a source's names as text
    colour = [((colours or {}).get(v) or series_colour(0, theme)) for v in frame[x]]
    values = frame[y].to_numpy()
    trace = ({"type": "bar", "y": cats, "x": values, "orientation": "h"} if horizontal
             else {"type": "bar", "x": cats, "y": values})
    trace["marker"] = {"color": colour}
    if customdata:
        trace["customdata"] = frame[customdata].to_numpy()
    trace.update(hovertemplate="%{" + ("y" if horizontal else "x") + "}: %{" + ("x" if horizontal else "y")
                 + ":,}<extra></extra>", texttemplate="%{" + ("x" if horizontal else "y") + ":,}",
                 textposition="auto")
    layout = style_layout(lang, title=title, unit=unit, theme=theme, legend=False)
    if horizontal:
        # automargin: long category names (a camera, a field of reports) push the plot over instead of
        # being cut; only here: on every axis it sometimes left Plotly with an infinite title position
        layout["yaxis"].pop("title", None)
        layout["yaxis"].update(autorange="reversed", automargin=True)
        if unit:
            layout["xaxis"]["title"] = {"text": chart_text(unit)}
    return figure([trace], layout)


def stacked_by_time(frame: pd.DataFrame, *, time_col: str, group: str, lang: str, labels: dict | None = None,
                    colours: dict | None = None, title: str | None = None, theme: str = "light") -> go.Figure:
    if frame is None or frame.empty:
        return no_data(lang, theme)
    traces = [{"type": "bar", "x": local_x(part[time_col]), "y": part["count"].to_numpy(),
               "name": chart_text((labels or {}).get(key, key)),
               "marker": {"color": (colours or {}).get(key, series_colour(i, theme))}}
              for i, (key, part) in enumerate(frame.groupby(group, sort=True))]
    layout = style_layout(lang, title=title, theme=theme)
    layout["barmode"] = "stack"
    layout["xaxis"].update(time_axis_props())
    return figure(traces, layout)


def hour_weekday(frame: pd.DataFrame, *, lang: str, title: str | None = None, theme: str = "light") -> go.Figure:
    """Columns weekday (0 = Monday), hour (local), count in; a 7 x 24 heatmap out, empty cells as 0 events
    (a count of events that did not happen is a real zero, unlike a missing reading)."""
    if frame is None or frame.empty:
        return no_data(lang, theme)
    grid = (frame.pivot_table(index="weekday", columns="hour", values="count", aggfunc="sum")
            .reindex(index=range(7), columns=range(24)).fillna(0))
    trace = {"type": "heatmap", "z": grid.to_numpy(), "x": [f"{h:02d}:00" for h in range(24)],
             "y": list(WEEKDAYS.get(lang, WEEKDAYS["vi"])),
             "colorscale": [list(c) for c in (HEAT_DARK if theme == "dark" else BLUES)],
             "hovertemplate": "%{y} %{x}: %{z:,}<extra></extra>",
             # at the plot's edge (+ its 10 px pad; plotly's x 1.02 adds 2 % of the plot's width): the room it
             # takes is the same on every screen, so the margin made for it (fit_margins) holds
             "colorbar": {"thickness": 12, "x": 1}}
    layout = style_layout(lang, title=title, theme=theme, legend=False)
    layout["yaxis"]["autorange"] = "reversed"
    # every third hour: 24 labels side by side did not fit a panel and turned upright, under a taller margin
    layout["xaxis"]["dtick"] = 3
    return figure([trace], layout)


def indicator_trend(frame: pd.DataFrame, *, lang: str, names: dict[str, str], unit: str, target: float | None = None,
                    title: str | None = None, theme: str = "light", target_label: str = "") -> go.Figure:
    """Indicator values per period (period_start, indicator, value); a null value is a gap, not a 0."""
    if frame is None or frame.empty or frame["value"].isna().all():
        return no_data(lang, theme)
    traces = []
    for i, (code, part) in enumerate(frame.groupby("indicator", sort=True)):
        name = chart_text(names.get(code, code))
        traces.append({"type": "scatter", "x": local_x(part["period_start"]), "y": part["value"].to_numpy(), "name": name,
                       "mode": "lines+markers", "connectgaps": False,
                       "line": {"color": series_colour(i, theme), "width": 2},
                       "hovertemplate": "%{y:,.1f} " + chart_text(unit, "") + "<extra>" + name + "</extra>"})
    layout = style_layout(lang, title=title, unit=unit, theme=theme)
    if target is not None:
        # what fig.add_hline(annotation_position="top left") draws: a line across the x domain, its label above
        colour = legible("#1e8e3e", theme)
        layout["shapes"] = [{"line": {"dash": "dot", "color": colour}, "type": "line", "x0": 0, "x1": 1,
                             "xref": "x domain", "y0": target, "y1": target, "yref": "y"}]
        layout["annotations"] = [{"font": {"color": colour}, "showarrow": False, "text": target_label, "x": 0,
                                  "xanchor": "left", "xref": "x domain", "y": target, "yanchor": "bottom", "yref": "y"}]
    layout["xaxis"].update(tickformat="%m/%Y", hoverformat="%m/%Y")
    return figure(traces, layout)
