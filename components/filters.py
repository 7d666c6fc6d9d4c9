"""The shared filter bar. Filters live in the URL query string (a link shows the same view to someone
else) and carry over between pages: every filter has the id {"type": "filter", "name": ...} so one
clientside callback in the shell writes them back to the URL and onto the navigation links."""
from __future__ import annotations

from urllib.parse import parse_qs

from dash import dcc, html

from core.i18n import t
from queries.windows import PERIODS

SHARED = ("period", "start", "end", "village")


def fid(name: str) -> dict:
    return {"type": "filter", "name": name}


def did(name: str) -> dict:
    """Date filters (start, end) are date pickers: their property is `date`, hence their own type."""
    return {"type": "filter-date", "name": name}


def read_filters(search: str | None) -> dict:
    qs = parse_qs((search or "").lstrip("?"))
    return {k: v[0] for k, v in qs.items() if v}


def _select(name: str, label: str, options: list[dict], value, clearable: bool = True) -> html.Div:
    if value and value not in {o["value"] for o in options}:
        # an unknown value from a link stays visible and selected, so the page can say what is wrong
        options = options + [{"label": f"⚠ {value}", "value": value}]
    return html.Div([html.Label(label, htmlFor=f"filter-{name}"),
                     dcc.Dropdown(id=fid(name), options=options, value=value, clearable=clearable,
                                  searchable=False, className="filter-dd")], className="filter")


def period_filter(lang: str, period: str | None, start: str | None, end: str | None) -> list:
    opts = [{"label": t(f"period.{p}", lang), "value": p} for p in PERIODS]
    value = "custom" if start else (period if period in PERIODS else "7d")
    return [
        _select("period", t("filter.period", lang), opts, value, clearable=False),
        html.Div([html.Label(t("filter.start", lang)),
                  dcc.DatePickerSingle(id=did("start"), date=_iso_or_none(start), display_format="DD/MM/YYYY",
                                       first_day_of_week=1, clearable=True, placeholder="dd/mm/yyyy")],
                 className="filter"),
        html.Div([html.Label(t("filter.end", lang)),
                  dcc.DatePickerSingle(id=did("end"), date=_iso_or_none(end), display_format="DD/MM/YYYY",
                                       first_day_of_week=1, clearable=True, placeholder="dd/mm/yyyy")],
                 className="filter"),
    ]


def village_filter(lang: str, villages: list[tuple[str, str]], value: str | None) -> html.Div:
    opts = [{"label": name, "value": vid} for vid, name in villages]
    # an unknown value is kept (cut short), so the page can say what was wrong with the link
    return _select("village", t("filter.village", lang), opts, str(value)[:40] if value else None)


def extra_filter(name: str, label: str, options: list[tuple[str, str]], value: str | None) -> html.Div:
    opts = [{"label": text, "value": key} for key, text in options]
    return _select(name, label, opts, str(value)[:40] if value else None)


def _iso_or_none(value: str | None) -> str | None:
    """A date picker only takes YYYY-MM-DD; anything else is left to the page's error message."""
    import re
    return value if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def filter_bar(*children) -> html.Div:
    return html.Div(list(children), className="filter-bar")
