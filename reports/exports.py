"""One export of one panel: `/export/<panel id>.<png|svg|pdf|csv|xlsx>?<filters>`.

The same `PanelData` the page showed (cached per filter set and minute), the panel's own renderer, and
the metadata; nothing here queries the store by itself."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from core.errors import BadParam
from core.timeutil import LOCAL_TZ
from panels import Filters, data_for, get_panel
from reports import images, tables
from reports.meta import meta_for

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
           "csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
IMAGE_FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    mimetype: str
    filename: str


def filename(panel_id: str, fmt: str, now: datetime) -> str:
    """ASCII, sortable, says what and when: `env-rain_daily_20261130-0712.png`."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", panel_id).strip("-") or "panel"
    return f"{slug}_{now.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.{fmt}"


def export_panel(panel_id: str, fmt: str, query: dict | None, lang: str = "vi",
                 now: datetime | None = None) -> ExportFile:
    """Raises BadParam for anything the visitor asked wrongly (unknown panel or format, bad filter),
    images.RenderError when the browser fails."""
    if fmt not in FORMATS:
        raise BadParam("export.bad_format", value=str(fmt)[:20])
    panel = get_panel(panel_id)
    data = data_for(panel_id, Filters.from_mapping(query or {}))
    if data.error is not None:
        raise data.error
    now = now or datetime.now(timezone.utc)
    meta = meta_for(panel, data, lang, now)
    if fmt in IMAGE_FORMATS:
        body = images.render(images.export_figure(panel, data, meta, lang), fmt)
    elif fmt == "csv":
        body = tables.csv_bytes(meta, panel.export_frame(data))
    else:
        body = tables.xlsx_bytes(meta, panel.export_frame(data))
    return ExportFile(body, FORMATS[fmt], filename(panel_id, fmt, now))
