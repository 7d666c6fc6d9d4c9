"""How fresh a card's data is, and whether it is simulated: stale data must look stale on the wall."""
from __future__ import annotations

from dash import html

from core.formatting import fmt_datetime, fmt_time
from core.i18n import t


def _when(ts) -> str:
    if ts is None or ts != ts:   # NaT
        return "—"
    return fmt_datetime(ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts)


def freshness_badge(fresh: dict, lang: str) -> list:
    """Badges for a card: stale/down/never, or the update time; plus the simulated label."""
    out = []
    state = fresh.get("state", "never")
    if state == "never":
        out.append(html.Span(t("fresh.never", lang), className="badge-stale"))
    elif state == "down":
        out.append(html.Span(t("fresh.down", lang, time=_when(fresh.get("down_since_time"))), className="badge-down"))
    elif state == "stale":
        out.append(html.Span(t("fresh.stale", lang, time=_when(fresh.get("last_data_time"))), className="badge-stale"))
    else:
        ts = fresh.get("last_success_time")
        out.append(html.Span(t("fresh.ok", lang, time=fmt_time(ts.to_pydatetime()) if ts is not None and ts == ts else "—"),
                             className="muted"))
    if fresh.get("simulated"):
        out.append(html.Span(t("common.simulated", lang), className="badge-sim"))
    return out
