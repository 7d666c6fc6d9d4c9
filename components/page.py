"""What every page's callbacks repeat: read the shared filters, check them, say "no data" honestly."""
from __future__ import annotations

from datetime import datetime

from dash import html

from core.errors import BadParam
from core.formatting import fmt_date
from core.i18n import t
from queries import site
from queries.health import freshness
from queries.windows import PERIODS, window


def parse_filters(period: str | None, dates: dict | None, village: str | None, commune: str | None = None
                  ) -> tuple[datetime, datetime, str | None]:
    """(start, end, village) or BadParam: unknown village, malformed or reversed dates, huge ranges.
    dates: the filter-dates store, {"start": "YYYY-MM-DD" | None, "end": ...}."""
    dates = dates if isinstance(dates, dict) else {}
    start, end = dates.get("start"), dates.get("end")
    start, end = (str(start) if start else None), (str(end) if end else None)
    if period not in PERIODS and period is not None:
        raise BadParam("error.bad_period", value=str(period)[:20])
    s, e = window(period or "7d", start if period == "custom" or (start and not period) else None,
                  end if period == "custom" or (start and not period) else None)
    return s, e, site.check_village(village, commune)


def village_options(commune: str | None = None) -> list[tuple[str, str]]:
    """The commune's villages (every commune's: None) for a village filter."""
    v = site.villages(commune)
    return list(zip(v["id"], v["name"]))


def period_text(start: datetime, end: datetime, lang: str) -> str:
    return f"{fmt_date(start)} – {fmt_date(end)}"


def page_header(title: str, subtitle: str | None = None) -> html.Div:
    return html.Div([html.H1(title, className="page-title"),
                     html.Div(subtitle, className="muted mb-2") if subtitle else None])


def fresh(source: str) -> dict:
    try:
        return freshness(source)
    except Exception:  # noqa: BLE001 - a card without health still renders, marked "never"
        return {"state": "never", "simulated": False}


def card(title, body, *, extra=None, id=None, className: str = "") -> html.Div:
    kw = {"id": id} if id else {}
    return html.Div([html.H3([title, *(extra or [])]), body], className=f"card-box {className}".strip(), **kw)


def no_data_text(lang: str) -> html.Div:
    return html.Div(t("common.no_data", lang), className="muted")


def only_changed(values: list, seen: list | None) -> list:
    """A live callback's outputs with `no_update` in place of every value the browser already shows, plus
    the new fingerprints for its `-seen` store: a refresh that brings nothing new redraws nothing (no map
    flicker, no chart re-layout on the wall), and one that does redraws only the part that changed."""
    import hashlib
    import json

    import plotly.utils
    from dash import no_update
    new = [hashlib.blake2b(json.dumps(v, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True).encode(),
                           digest_size=10).hexdigest() for v in values]
    seen = seen if isinstance(seen, list) and len(seen) == len(values) else [None] * len(values)
    out = [no_update if old == h else v for v, h, old in zip(values, new, seen)]
    return out + [no_update if new == seen else new]


GRAPH_HEIGHTS = {"sm": "17rem", "md": "23rem", "lg": "30rem"}


def graph(id=None, size: str = "md", filename: str = "bieu-do", lang: str = "vi", figure=None, mode_bar: bool = True,
          className: str | None = None):
    """A chart with a fixed height (so the wall and a phone both lay it out; "fill" takes its box's) and the
    shared mode bar (components/figures/config.py: no cloud sharing, tooltips in the viewer's language)."""
    from dash import dcc

    from components.figures.config import graph_config
    config = graph_config(lang, filename) | ({} if mode_bar else {"displayModeBar": False})
    kw = {"id": id} if id is not None else {}
    if figure is not None:
        kw["figure"] = figure
    if className:
        kw["className"] = className
    return dcc.Graph(style={"height": GRAPH_HEIGHTS.get(size, "100%"), "width": "100%"}, config=config, **kw)
