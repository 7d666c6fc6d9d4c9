"""The cameras that are offline, by name, village and last event: a count alone sends nobody out."""
from __future__ import annotations

import pandas as pd
from dash import html

from core.formatting import fmt_datetime, is_missing
from core.i18n import t


def offline_cameras(status: pd.DataFrame, village_names: dict[str, str], lang: str):
    """status: queries.events.camera_status(). Nothing is listed while the state is unknown (Frigate down
    or stale: online is None everywhere): the freshness badge says so, and we do not guess."""
    if status.empty or status["online"].isna().all():
        return None
    off = status[status["online"].eq(False)]
    if off.empty:
        return html.Div(t("sec.offline_none", lang), className="muted small")
    rows = [html.Tr([html.Td(r["name"]),
                     html.Td(village_names.get(r["village_id"], "—") if isinstance(r["village_id"], str) else "—"),
                     html.Td(t("sec.never", lang) if is_missing(r["last_event_time"]) else fmt_datetime(r["last_event_time"]))])
            for r in off.to_dict("records")]
    head = html.Thead(html.Tr([html.Th(t(f"sec.{c}", lang)) for c in ("col_camera", "col_village", "col_last_event")]))
    return html.Div([html.Div(f"{t('sec.offline', lang)} ({len(rows)})", className="fw-semibold small"),
                     html.Table([head, html.Tbody(rows)], className="table table-sm table-compact mb-0",
                                id="sec-offline-table")])
