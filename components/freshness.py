"""How fresh a card's data is, and whether it is simulated: stale data must look stale on the wall."""
from __future__ import annotations

from dash import html

from core.formatting import fmt_datetime, fmt_time, is_missing
from core.i18n import t


def _when(ts) -> str:
    return "—" if is_missing(ts) else fmt_datetime(ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts)


def _clock(ts) -> str:
    return "—" if is_missing(ts) else fmt_time(ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts)


def freshness_badge(fresh: dict, lang: str) -> list:
    """Badges for a card: never/down/stale/late with the time that matters, or the update time; plus
    the simulated label. The words carry the state, not only the colour."""
    out = []
    state = fresh.get("state", "never")
    if state == "never":
        out.append(html.Span(t("fresh.never", lang), className="badge-stale"))
    elif state == "down":
        out.append(html.Span(t("fresh.down", lang, time=_when(fresh.get("down_since_time"))), className="badge-down"))
    elif state == "stale":
        out.append(html.Span(t("fresh.stale", lang, time=_when(fresh.get("last_data_time") if not is_missing(
            fresh.get("last_data_time")) else fresh.get("last_success_time"))), className="badge-stale"))
    elif state == "late":
        out.append(html.Span(t("fresh.late", lang, time=_clock(fresh.get("last_success_time"))), className="badge-late"))
    else:
        out.append(html.Span(t("fresh.ok", lang, time=_clock(fresh.get("last_success_time"))), className="muted"))
    if fresh.get("simulated"):
        out.append(html.Span(t("common.simulated", lang), className="badge-sim"))
    return out


def stale_stamp(fresh: dict | None, lang: str):
    """A band across a card whose data is stale, down or missing: readable from the back of the room."""
    state = (fresh or {}).get("state")
    if state not in ("stale", "down", "never"):
        return None
    return html.Div(t(f"fresh.stamp_{state}", lang), className=f"stale-stamp stamp-{state}")
