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


def alert_banner(lang: str, xa: str | None = None) -> html.A:
    """The banner, counted with the layout for the URL's commune (`xa`): a page's first load needs no
    callback for it (on the city page it was the only one, a whole round trip after the layout)."""
    return dcc.Link(html.Span(banner_counts(xa, lang), id="shell-alert-counts"), href="/alerts", id="shell-alerts",
                    className="alert-banner", title=t("nav.alerts", lang))


def banner_counts(xa, lang: str) -> list:
    """The commune's open alerts (and those of no commune: a source down concerns every commune)."""
    from alerts.queries import counts_by_severity
    from auth.communes import resolve_commune
    try:
        return badges(counts_by_severity(resolve_commune(xa)), lang)
    except Exception:  # noqa: BLE001 - no alerts table yet, a commune refused: say nothing rather than break the header
        return []


# Not called when the shell appears (the layout counted them); called when the tick, the page, an alert
# action or the URL's commune changes. A layout without the page in it (no Referer) still gets its
# commune's counts: the shell's Location then reports the URL, which is a change of `shell-url`.
@callback(Output("shell-alert-counts", "children"), Input("shell-tick", "n_intervals"),
          Input("shell-url", "pathname"), Input("shell-alert-done", "data"), Input("shell-commune", "data"),
          prevent_initial_call=True)
def update_alert_banner(_tick, _path, _done, xa):
    return banner_counts(xa, current_lang())
