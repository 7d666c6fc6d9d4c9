"""The weekly meeting's pieces, drawn for a projector: a figure this week against last week and the
4-week average (arrows coloured by which way is better), the "needs a decision" lists, the decisions
with their follow-up. Plain dicts and frames in, components out; every text from a person or a source
goes in as a component's text (Dash escapes it), never as HTML."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from core.formatting import fmt_date, fmt_datetime, fmt_number, fmt_period
from core.i18n import t
from core.text import source_text
from queries.base import records

STATE_COLOURS = {"open": "primary", "done": "success", "late": "danger"}


def _trend(value, reference, direction: str) -> str | None:
    if value is None or reference is None:
        return None
    if value == reference or direction not in ("up", "down"):
        return "flat"
    return "good" if (value > reference) == (direction == "up") else "bad"


def comparison(value, reference, direction: str, decimals: int, lang: str, text: str) -> html.Div:
    """"▲ 12 so với tuần trước (34)", green when the change is the good way, red when not, grey when the
    indicator has no better way; arrows point the way the number moved."""
    trend = _trend(value, reference, direction)
    if trend is None:
        return html.Div(text, className="mtg-cmp trend-flat")
    delta = value - reference
    arrow = "▲" if delta > 0 else ("▼" if delta < 0 else "■")
    return html.Div([html.Span(f"{arrow} {fmt_number(abs(delta), lang, decimals)}", className="mtg-arrow"), " ", text],
                    className=f"mtg-cmp trend-{trend}", **{"data-trend": trend})


def in_commune(href: str | None, commune: str | None) -> str | None:
    """A link from a commune's meeting to a page, kept on that commune (`xa=`), not the user's first."""
    if not href or not commune or "xa=" in href:
        return href
    return f"{href}{'&' if '?' in href else '?'}xa={quote(commune, safe='')}"


def figure_card(fig: dict, lang: str, week: str, commune: str | None = None) -> html.Div:
    value, decimals, direction = fig.get("value"), int(fig.get("decimals") or 0), fig.get("direction") or "none"
    unit = fig.get(f"unit_{lang}") or ""
    kind = fig.get("kind")
    num = lambda v: fmt_number(v, lang, decimals)  # noqa: E731
    badge = {"week": t("meeting.kind.week", lang, week=week.split("-W")[-1]),
             "period": t("meeting.kind.period", lang, period=fmt_period(fig.get("period"), lang)),
             "now": t("meeting.kind.now", lang)}.get(kind, "")
    body = (html.Div(t("common.no_data", lang), className="mtg-nodata") if value is None else
            html.Div([num(value), html.Span(unit, className="mtg-unit") if unit else None], className="mtg-value"))
    lines = []
    if kind == "week":
        prev, avg, n = fig.get("previous"), fig.get("average"), fig.get("average_weeks") or 0
        lines.append(comparison(value, prev, direction, decimals, lang, t("meeting.vs_last_week", lang, value=num(prev)))
                     if prev is not None else html.Div(t("meeting.no_last_week", lang), className="mtg-cmp trend-flat"))
        lines.append(comparison(value, avg, direction, decimals, lang, t("meeting.vs_average", lang, n=n, value=num(avg)))
                     if avg is not None else html.Div(t("meeting.no_average", lang), className="mtg-cmp trend-flat"))
    elif kind == "period" and fig.get("previous") is not None:
        lines.append(comparison(value, fig["previous"], direction, decimals, lang,
                                t("meeting.vs_previous_period", lang, period=fmt_period(fig.get("previous_period"), lang),
                                  value=num(fig["previous"]))))
    elif kind == "now":
        lines.append(html.Div(t("meeting.now_note", lang, time=fmt_datetime(fig.get("as_of"))), className="mtg-cmp trend-flat"))
    target = fig.get("target")
    if target is not None:
        met = None if value is None else (value <= target if direction == "down" else value >= target)
        lines.append(html.Div(t("meeting.target", lang, value=num(target)) + " · "
                              + t("common.met" if met else "common.not_met", lang),
                              className=f"mtg-target {'trend-good' if met else 'trend-bad'}"))
    head = html.Div([html.Span(source_text(fig.get(f"label_{lang}")), className="mtg-label"),
                     html.Span(badge, className=f"mtg-kind mtg-kind-{kind}")], className="mtg-card-head")
    inner = [head, body, *lines]
    if fig.get("freshness") in ("stale", "down", "never") and kind != "period":
        inner.append(html.Div(t(f"state.{fig['freshness']}", lang), className="mtg-stale"))
    card = html.Div(inner, className="mtg-card" + (" mtg-card-stale" if fig.get("freshness") in ("stale", "down") else ""),
                    **{"data-panel": fig.get("panel", "")})
    href = in_commune(fig.get("href"), commune)
    return dcc.Link(card, href=href, className="mtg-card-link") if href else card


def figures_grid(pillar: dict, lang: str, week: str, commune: str | None = None) -> html.Div:
    return html.Div([figure_card(f, lang, week, commune) for f in pillar.get("figures", [])],
                    className="mtg-figures-grid")


def _list(title: str, items: list, lang: str, total: int | None = None) -> html.Div:
    more = (total or len(items)) - len(items)
    body = (html.Ul([html.Li(i) for i in items], className="mtg-list") if items
            else html.Div(t("meeting.needs.none", lang), className="mtg-none"))
    return html.Div([html.H3([title, html.Span(str(total if total is not None else len(items)), className="mtg-count")]),
                     body, html.Div(t("meeting.needs.more", lang, n=more), className="muted") if more > 0 else None],
                    className="mtg-needs-block")


def needs_lists(lists: dict, lang: str, down_hours: int, shown: int = 6, commune: str | None = None) -> html.Div:
    """The four lists; each line links to its page, on the meeting's commune."""
    def _link(text, href: str | None):
        href = in_commune(href, commune)
        return dcc.Link(text, href=href) if href else html.Span(text)
    overdue = records(lists["overdue"])
    repeated = records(lists["repeated"])
    down = records(lists["down"])
    below = records(lists["below_target"])
    overdue_items = [_link(t("meeting.overdue_line", lang, what=source_text(r["service_name"] if r["service_name"] is not None else r["id"], limit=80),
                             days=r["days_over"], deadline=fmt_date(r["deadline_time"])), "/feedback?stage=overdue")
                     for r in overdue[:shown]]
    repeated_items = [_link(t("meeting.repeated_line", lang, title=source_text(r[f"title_{lang}"], limit=100),
                              times=r["times"], time=fmt_datetime(r["last_opened_time"])), f"/alerts?alert={int(r['last_id'])}")
                      for r in repeated[:shown]]
    down_items = [_link(f"{t('meeting.kind_' + r['kind'], lang)} {source_text(r['name'], limit=80)} · "
                        + (t("meeting.never_heard", lang) if r["since_time"] is None else
                           t("meeting.down_since" if r["kind"] == "source" else "meeting.last_heard", lang,
                             time=fmt_datetime(r["since_time"]))), r["href"]) for r in down[:shown]]
    below_items = [_link(t("meeting.below_line", lang, name=source_text(r[f"name_{lang}"]), value=fmt_number(r["value"], lang, 1),
                           target=fmt_number(r["target"], lang, 1), period=fmt_period(r["period"], lang)),
                         "/services" if r["pillar"] == "government" else "/digital") for r in below[:shown]]
    return html.Div([
        _list(t("meeting.needs.overdue", lang), overdue_items, lang, len(overdue)),
        _list(t("meeting.needs.repeated", lang), repeated_items, lang, len(repeated)),
        _list(t("meeting.needs.down", lang, hours=down_hours), down_items, lang, len(down)),
        _list(t("meeting.needs.below", lang), below_items, lang, len(below)),
    ], className="mtg-needs-grid")


def decisions_table(frame, lang: str, *, followable: bool, id_type: str = "mtg-follow") -> html.Div:
    """Decisions with their state; with `followable`, a button per row to mark it done or reopen it."""
    rows = records(frame)
    if not rows:
        return html.Div(t("meeting.no_decisions", lang), className="mtg-none")
    head = [t("meeting.col.who", lang), t("meeting.col.what", lang), t("meeting.col.due", lang), t("meeting.col.state", lang)]
    if followable:
        head.append(t("meeting.col.follow", lang))
    body = []
    for r in rows:
        due = r["due"]
        cells = [html.Td(source_text(r["who"])), html.Td(source_text(r["what"])),
                 html.Td(fmt_date(due) if isinstance(due, date) else "—"),
                 html.Td(html.Span(t(f"meeting.state.{r['state']}", lang),
                                   className=f"badge text-bg-{STATE_COLOURS.get(r['state'], 'secondary')} mtg-state",
                                   **{"data-state": r["state"]}))]
        if followable:
            to = "open" if r["stored_state"] == "done" else "done"
            cells.append(html.Td(dbc.Button(t("meeting.reopen" if to == "open" else "meeting.mark_done", lang),
                                            id={"type": id_type, "id": int(r["id"]), "to": to}, size="lg",
                                            color="secondary" if to == "open" else "success", outline=to == "open")))
        body.append(html.Tr(cells, **{"data-decision": str(int(r["id"]))}))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                      className="table mtg-decisions")
