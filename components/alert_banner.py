"""The alert banner in every page's header: open alerts counted by severity, a click opens the list."""
from __future__ import annotations

from dash import Input, Output, callback, dcc, html

from core.i18n import t
from layouts.context import current_lang

SEVERITIES = ("critical", "high", "medium", "low", "info")


def badges(counts: dict[str, int], lang: str) -> list:
    # the word can be hidden on a narrow header (assets/10_app.css); the title still says it
    shown = [html.Span([html.Span(t(f"severity.{s}", lang), className="sev-word"), f" {counts[s]}"],
                       className=f"sev-pill sev-{s}", title=f"{t(f'severity.{s}', lang)}: {counts[s]}",
                       id={"type": "alert-count", "severity": s}) for s in SEVERITIES if counts.get(s)]
    return shown or [html.Span(t("alerts.banner_none", lang), className="sev-pill sev-info")]


def alert_banner(lang: str) -> html.A:
    return dcc.Link(html.Span(id="shell-alert-counts"), href="/alerts", id="shell-alerts", className="alert-banner",
                  title=t("nav.alerts", lang))


@callback(Output("shell-alert-counts", "children"), Input("shell-tick", "n_intervals"),
          Input("shell-url", "pathname"), Input("shell-alert-done", "data"), Input("shell-commune", "data"))
def update_alert_banner(_tick, _path, _done, xa):
    """The commune's open alerts (and those of no commune: a source down concerns every commune)."""
    from alerts.queries import counts_by_severity
    from auth.communes import resolve_commune
    lang = current_lang()
    try:
        return badges(counts_by_severity(resolve_commune(xa)), lang)
    except Exception:  # noqa: BLE001 - no alerts table yet: say nothing rather than break the header
        return []
