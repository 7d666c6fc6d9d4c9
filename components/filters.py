"""The shared filter bar. Filters live in the URL query string (a link shows the same view to someone
else) and carry over between pages: every filter has the id {"type": "filter", "name": ...} so one
clientside callback in the shell writes them back to the URL and onto the navigation links."""
from __future__ import annotations

from urllib.parse import parse_qs

from dash import Input, Output, State, clientside_callback, dcc, html

from core.i18n import t
from queries.windows import PERIODS

SHARED = ("period", "start", "end", "village", "xa")   # xa: the commune (layouts/shell.py)


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


# the two dates as one value (a dict id: the panels' filter callback serves every page, and a page
# without dates must not leave it waiting for an id that is not there)
DATES = {"type": "filter-dates", "name": "range"}


def period_inputs() -> list[Input]:
    """What a page's callbacks listen to for the period: the dropdown and the two dates as one store."""
    return [Input(fid("period"), "value"), Input(DATES, "data")]


def shown_period(period: str | None, start: str | None) -> str:
    """The period the bar shows for a link's values: "custom" when dates are given, an unknown one as 7d."""
    return "custom" if start else (period if period in PERIODS else "7d")


def period_filter(lang: str, period: str | None, start: str | None, end: str | None) -> list:
    opts = [{"label": t(f"period.{p}", lang), "value": p} for p in PERIODS]
    value = shown_period(period, start)
    return [
        dcc.Store(id=DATES, data={"start": str(start)[:40] if start else None, "end": str(end)[:40] if end else None}),
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
    """A date picker only takes a real YYYY-MM-DD date; anything else is left to the page's error message."""
    import re
    from datetime import date
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value


def filter_bar(*children) -> html.Div:
    return html.Div(list(children), className="filter-bar")


# The date pickers report their date once after they mount; passing the dates through a store that
# changes only when a date really does keeps every page from computing its charts twice. A malformed
# date from a link (which the picker shows empty) stays in the store, so the page can say what is wrong.
clientside_callback(
    r"""function (start, end, current) {
        const shown = x => (typeof x === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(x) && !isNaN(Date.parse(x))) ? x : null;
        const v = {start: start || null, end: end || null};
        if (current && shown(current.start) === v.start && shown(current.end) === v.end) {
            return window.dash_clientside.no_update;
        }
        return v;
    }""",
    Output(DATES, "data"), Input(did("start"), "date"), Input(did("end"), "date"), State(DATES, "data"),
    prevent_initial_call=True)
