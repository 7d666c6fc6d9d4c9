"""The Data page's list of cross-check findings (queries/crosschecks.py): frame in, table out. Subjects and
values come from the store, so they are rendered as text (Dash escapes it), never as HTML."""
from __future__ import annotations

import pandas as pd
from dash import html

from core.formatting import fmt_datetime, fmt_number, fmt_period
from core.i18n import t
from domain.catalogue import CATALOGUE
from domain.parameters import PARAMETERS

_PERCENT = ("value", "low", "high", "computed")


def _subject(row: dict, lang: str) -> str:
    code = row["subject"]
    if (row["values"] or {}).get("name"):
        return str(row["values"]["name"])
    d = CATALOGUE.get(code)
    name = (d.vi if lang == "vi" else d.en) if d else str(code)
    scope = row.get("scope")
    if isinstance(scope, str) and scope.startswith("village:"):
        name += f" · {scope.split(':', 1)[1]}"
    return name


def _detail(row: dict, lang: str) -> str:
    v = dict(row["values"] or {})
    unit = "%" if (CATALOGUE.get(row["subject"]) and CATALOGUE[row["subject"]].is_rate) else ""
    shown = {}
    for k, x in v.items():
        if k == "parameter":
            p = PARAMETERS.get(x)
            shown[k] = (p.vi if lang == "vi" else p.en) if p else str(x)
        elif k == "previous_period":
            shown[k] = fmt_period(x, lang)
        elif k in ("numerator", "denominator", "villages"):
            shown[k] = fmt_number(x, lang, 0)
        elif isinstance(x, (int, float)):
            shown[k] = fmt_number(x, lang, 1) + (unit if k in _PERCENT else "")
        else:
            shown[k] = str(x)
    return t(f"xcheck.{row['check']}.detail", lang, **shown)


def crosscheck_table(findings: pd.DataFrame, lang: str) -> html.Div:
    intro = html.Div(t("xcheck.intro", lang), className="muted small mb-1")
    if findings is None or findings.empty:
        return html.Div([intro, html.Div(t("xcheck.none", lang), className="badge-ok d-inline-block")])
    rows = []
    for r in findings.to_dict("records"):
        when = fmt_period(r["period"], lang) if isinstance(r["period"], str) else (
            fmt_datetime(r["time"]) if r["time"] is not None and r["time"] == r["time"] else "—")
        rows.append(html.Tr([html.Td(t(f"xcheck.{r['check']}", lang)), html.Td(_subject(r, lang)), html.Td(when),
                             html.Td(_detail(r, lang))], className="text-danger" if r["severity"] == "warning" else None))
    head = html.Thead(html.Tr([html.Th(t(f"xcheck.col_{c}", lang)) for c in ("check", "subject", "when", "detail")]))
    return html.Div([intro, html.Div(html.Table([head, html.Tbody(rows)], className="table table-sm table-compact "
                                                "crosscheck-list"), className="list-scroll")])
