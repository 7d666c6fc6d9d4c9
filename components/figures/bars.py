"""Counts as bars and heatmaps (events by camera, reports by stage, hour-of-day by weekday)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.figures.base import PALETTE, legible, local_x, no_data, style, time_axis
from core.text import chart_text

# on the dark theme the empty cells are the card's own colour, not a white glare
HEAT_DARK = [[0, "#1c2230"], [0.5, "#1f5fa8"], [1, "#8ab4f8"]]
WEEKDAYS = {"vi": ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"],
            "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}


def bar(frame: pd.DataFrame, *, x: str, y: str = "count", lang: str, labels: dict | None = None,
        colours: dict | None = None, horizontal: bool = False, title: str | None = None, unit: str | None = None,
        theme: str = "light", customdata: str | None = None) -> go.Figure:
    if frame is None or frame.empty:
        return no_data(lang, theme)
    labels = labels or {}
    cats = [chart_text(labels.get(v, v)) for v in frame[x]]     # ticks and hover: a source's names as text
    colour = [((colours or {}).get(v) or PALETTE[0]) for v in frame[x]]
    kw = {"customdata": frame[customdata]} if customdata else {}
    trace = (go.Bar(y=cats, x=frame[y], orientation="h", marker_color=colour, **kw) if horizontal
             else go.Bar(x=cats, y=frame[y], marker_color=colour, **kw))
    trace.update(hovertemplate="%{" + ("y" if horizontal else "x") + "}: %{" + ("x" if horizontal else "y")
                 + ":,}<extra></extra>", texttemplate="%{" + ("x" if horizontal else "y") + ":,}",
                 textposition="auto")
    fig = style(go.Figure(trace), lang, title=title, unit=unit, theme=theme, legend=False)
    if horizontal:
        # automargin: long category names (a camera, a field of reports) push the plot over instead of
        # being cut; only here: on every axis it sometimes left Plotly with an infinite title position
        fig.update_yaxes(autorange="reversed", title_text=None, automargin=True)
        fig.update_xaxes(title_text=chart_text(unit) if unit else None)
    return fig


def stacked_by_time(frame: pd.DataFrame, *, time_col: str, group: str, lang: str, labels: dict | None = None,
                    colours: dict | None = None, title: str | None = None, theme: str = "light") -> go.Figure:
    if frame is None or frame.empty:
        return no_data(lang, theme)
    fig = go.Figure()
    for i, (key, part) in enumerate(frame.groupby(group, sort=True)):
        fig.add_bar(x=local_x(part[time_col]), y=part["count"], name=chart_text((labels or {}).get(key, key)),
                    marker_color=(colours or {}).get(key, PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="stack")
    return time_axis(style(fig, lang, title=title, theme=theme), lang)


def hour_weekday(frame: pd.DataFrame, *, lang: str, title: str | None = None, theme: str = "light") -> go.Figure:
    """Columns weekday (0 = Monday), hour (local), count in; a 7 x 24 heatmap out, empty cells as 0 events
    (a count of events that did not happen is a real zero, unlike a missing reading)."""
    if frame is None or frame.empty:
        return no_data(lang, theme)
    grid = (frame.pivot_table(index="weekday", columns="hour", values="count", aggfunc="sum")
            .reindex(index=range(7), columns=range(24)).fillna(0))
    fig = go.Figure(go.Heatmap(z=grid.values, x=[f"{h:02d}:00" for h in range(24)], y=WEEKDAYS.get(lang, WEEKDAYS["vi"]),
                               colorscale=HEAT_DARK if theme == "dark" else "Blues", hovertemplate="%{y} %{x}: %{z:,}<extra></extra>",
                               colorbar={"thickness": 12}))
    fig.update_yaxes(autorange="reversed")
    return style(fig, lang, title=title, theme=theme, legend=False)


def indicator_trend(frame: pd.DataFrame, *, lang: str, names: dict[str, str], unit: str, target: float | None = None,
                    title: str | None = None, theme: str = "light", target_label: str = "") -> go.Figure:
    """Indicator values per period (period_start, indicator, value); a null value is a gap, not a 0."""
    if frame is None or frame.empty or frame["value"].isna().all():
        return no_data(lang, theme)
    fig = go.Figure()
    for i, (code, part) in enumerate(frame.groupby("indicator", sort=True)):
        name = chart_text(names.get(code, code))
        fig.add_scatter(x=local_x(part["period_start"]), y=part["value"], name=name,
                        mode="lines+markers", connectgaps=False, line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                        hovertemplate="%{y:,.1f} " + chart_text(unit, "") + "<extra>" + name + "</extra>")
    if target is not None:
        fig.add_hline(y=target, line={"dash": "dot", "color": legible("#1e8e3e", theme)}, annotation_text=target_label,
                      annotation_position="top left", annotation_font={"color": legible("#1e8e3e", theme)})
    fig = style(fig, lang, title=title, unit=unit, theme=theme)
    fig.update_xaxes(tickformat="%m/%Y", hoverformat="%m/%Y")
    return fig
