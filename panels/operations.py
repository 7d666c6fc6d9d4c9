"""Operations panels: the open alerts and the sources' health, as tables a wall or a report can show."""
from __future__ import annotations

from alerts.queries import counts_by_severity, open_alerts
from core.formatting import fmt_datetime, fmt_number, text_or
from core.i18n import source_name, t
from domain.freshness import SEVERITY as FRESH_ORDER
from panels.base import Filters, Panel, PanelData, make_data, register
from queries import health
from queries.base import records


SHOWN_ALERTS = 12      # rows of the table; the rest are counted under it ("và 7 cảnh báo khác")
WALL_ALERTS = 6        # on the wall: six titles of up to three lines fit a full-height cell at 2.3 vh


def open_alerts_data(filters: Filters) -> PanelData:
    """The open alerts, worst first, and how many there are in all (counted in the database, not from
    the rows fetched), so a long list is never cut without saying so."""
    commune = filters.commune_id()
    frame = open_alerts(limit=50, commune=commune)
    total = max(len(frame), sum(counts_by_severity(commune).values()))
    return make_data("ops.open_alerts", (), frame=frame, extra={"total": total}, now=True, scope=f"commune:{commune}")


def open_alerts_table(data: PanelData, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [t("col.severity", lang), t("col.alert", lang), t("col.opened", lang), t("col.state", lang)]
    rows = [[t(f"severity.{r['severity']}", lang), text_or(r["title_vi"] if lang == "vi" else r["title_en"], "—"),
             fmt_datetime(r["opened_time"], lang), t(f"alert_state.{r['state']}", lang)]
            for r in records(data.frame)[:SHOWN_ALERTS]]
    return head, rows


def open_alerts_more(data: PanelData, lang: str, shown: int) -> str | None:
    hidden = int(data.extra.get("total") or 0) - shown
    return t("ops.more_alerts", lang, n=fmt_number(hidden, lang, 0)) if hidden > 0 else None


register(Panel("ops.open_alerts", "Cảnh báo đang mở", "Open alerts", "operations", "table", (), open_alerts_data,
               table=open_alerts_table, more=open_alerts_more, wall_rows=WALL_ALERTS, href="/alerts",
               rows=lambda d: d.frame[["id", "severity", "state", "title_vi", "title_en", "opened_time", "device_id",
                                       "village_id", "value"]]))


def sources_data(filters: Filters) -> PanelData:
    commune = filters.commune_id()
    frame = health.sources(commune=commune)
    frame = frame.assign(order=frame["state"].map(FRESH_ORDER)).sort_values("order", ascending=False)
    return make_data("ops.sources", (), frame=frame.drop(columns="order"), now=True, scope=f"commune:{commune}")


def sources_table(data: PanelData, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [t("col.source", lang), t("col.state", lang), t("col.last_success", lang), t("col.down_since", lang)]
    rows = [[source_name(r["source"], lang), t(f"state.{r['state']}", lang), fmt_datetime(r["last_success_time"], lang),
             fmt_datetime(r["down_since_time"], lang) if r["down_since_time"] is not None else "—"]
            for r in records(data.frame)]
    return head, rows


register(Panel("ops.sources", "Nguồn dữ liệu", "Data sources", "operations", "table", (), sources_data,
               table=sources_table, href="/data",
               rows=lambda d: d.frame[["source", "protocol", "state", "last_success_time", "down_since_time",
                                       "last_data_time", "stored_total", "rejected_total"]]))
