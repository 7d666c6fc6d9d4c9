"""What every export says about itself, inside the file: title, unit, period, scope, data source,
commune, generation time (dd/mm/yyyy HH:MM, Asia/Ho_Chi_Minh) and whether the data is simulated.

A chart copied into a province report loses the page around it; these lines are what is left to tell a
reader what they are looking at."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from components.kpi import covers_text
from core.formatting import fmt_datetime
from core.i18n import has, t
from queries import site
from domain.parameters import PARAMETERS
from panels import Panel, PanelData


@dataclass(frozen=True)
class ExportMeta:
    panel: str
    lang: str
    title: str
    unit: str
    period: str
    scope: str
    source: str
    commune: str
    generated: str            # "30/11/2026 07:00"
    simulated: bool

    def rows(self) -> list[tuple[str, str]]:
        """Label/value pairs: the CSV header block and the XLSX information sheet."""
        lang = self.lang
        return [(t("export.title", lang), self.title), (t("export.unit", lang), self.unit or "—"),
                (t("export.period", lang), self.period), (t("export.scope", lang), self.scope),
                (t("export.source", lang), self.source), (t("export.commune", lang), self.commune),
                (t("export.generated", lang), f"{self.generated} (Asia/Ho_Chi_Minh)"),
                (t("export.simulated", lang), t("export.simulated_yes" if self.simulated else "export.simulated_no",
                                                lang)),
                (t("export.panel", lang), self.panel)]

    def footer(self) -> str:
        """One line under a chart: source · commune · generation time."""
        return " · ".join([f"{t('common.source', self.lang)}: {self.source}", self.commune,
                           t("export.generated_at", self.lang, time=self.generated)])


def commune_text(lang: str, commune: str | None = None) -> str:
    """"Quảng Thọ (cũ), xã Quảng Điền, thành phố Huế": the commune as the store has it (None: the default)."""
    c = site.commune(commune)
    if not c:
        return ""
    parts = [c["name"] if lang == "vi" else c["name_en"], c.get("parent"), c.get("city")]
    return ", ".join(p for p in parts if p)


def sources_text(sources: tuple[str, ...], lang: str) -> str:
    if not sources:
        return t("export.source.system", lang)
    return "; ".join(t(f"export.source.{s}", lang) if has(f"export.source.{s}") else s for s in sources)


def period_text(data: PanelData, lang: str) -> str:
    """The period a panel covers, as the panel slot says it ("Từ 23/11/2026 đến 29/11/2026 · toàn xã")
    without the scope, which has its own line."""
    mark = "\x00"       # covers_text always adds a scope; this one is cut off again
    if data.extra.get("this_week"):
        text = covers_text(lang, this_week=True, scope=mark)
    elif data.now:
        text = covers_text(lang, now=True, scope=mark)
    elif data.extra.get("period"):
        period = data.extra["period"]
        text = covers_text(lang, first=period, last=period, scope=mark)
    elif data.start is not None and data.end is not None:
        text = covers_text(lang, start=data.start, end=data.end, scope=mark)
    else:
        return "—"
    return text.replace(mark, "").strip().rstrip("·").strip()


def unit_text(panel: Panel, data: PanelData, lang: str) -> str:
    if panel.kind == "kpi" and panel.kpi is not None and data.error is None:
        unit = panel.kpi(data, lang).get("unit") or panel.unit
    else:
        unit = panel.unit
    parameter = data.extra.get("parameter")
    if not unit and parameter in PARAMETERS:
        unit = PARAMETERS[parameter].unit
    return t(unit, lang) if unit and has(unit) else (unit or "")


def scope_text(data: PanelData, lang: str) -> str:
    scope = data.scope_name(lang)
    for note in data.notes:
        scope = f"{scope}, {t(note, lang)}"
    return scope


def meta_for(panel: Panel, data: PanelData, lang: str, now: datetime | None = None) -> ExportMeta:
    now = now or datetime.now(timezone.utc)
    simulated = data.simulated or bool(site.commune(data.commune).get("simulated"))
    title = panel.title(lang)
    parameter = PARAMETERS.get(data.extra.get("parameter") or "")
    if parameter is not None:       # "Chất lượng nước ao nuôi – Oxy hòa tan (DO)": which of the parameters
        title = f"{title} – {parameter.vi if lang == 'vi' else parameter.en}"
    return ExportMeta(panel=panel.id, lang=lang, title=title, unit=unit_text(panel, data, lang),
                      period=period_text(data, lang), scope=scope_text(data, lang),
                      source=sources_text(panel.sources, lang), commune=commune_text(lang, data.commune),
                      generated=fmt_datetime(now, lang), simulated=simulated)


def last_full_week(now: datetime | None = None):
    """Monday of the last full week (Monday–Sunday, Asia/Ho_Chi_Minh) before `now`."""
    from core.timeutil import LOCAL_TZ
    today = (now or datetime.now(timezone.utc)).astimezone(LOCAL_TZ).date()
    return today - timedelta(days=today.weekday() + 7)
