"""The weekly report: sections of panel ids for one week (Monday–Sunday, Asia/Ho_Chi_Minh) turned into
one PDF in the form of Decree 30/2020/NĐ-CP and one XLSX workbook (a cover sheet, then a sheet per
table and per chart).

`collect()` asks the panels (the same cached `PanelData` the pages show) and the meeting record and
draws the charts; `pdf_bytes()` and `xlsx_bytes()` only lay out what it collected, so both files say the
same thing. `progress(done, total, text)` is called along the way (the archive page's progress bar).

Which panels: those that answer for a chosen period are asked for the week (charts of the week, the
feedback bars for the four weeks up to it); the reported indicators carry their own reporting period,
printed beside each value; the operations table is "at the time of the report" and says so.

One report is one commune's (`commune`, None: the default one): its panels, its meeting's decisions,
its issuer, place and name in the Decree 30 header, its id in the file names (reports/archive.py)."""
from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from core.errors import BadParam
from core.formatting import fmt_date, fmt_number, fmt_period, is_missing
from core.i18n import has, t
from core.settings import ROOT
from core.site import get_site
from core.text import source_text
from core.timeutil import LOCAL_TZ
from panels import Filters, PanelData, data_for, get_panel
from queries import site as site_queries
from queries.meetings import decisions_for_week
from reports import archive, images, tables
from reports.meta import ExportMeta, meta_for

log = logging.getLogger(__name__)
TEMPLATE = ROOT / "reports" / "templates" / "weekly.html"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CHART_SIZE = {"width": 1000, "height": 480}
CHART_FONT_PX = 22           # ≈ 10 pt once the 1000 px figure is 16 cm wide on the page


@dataclass(frozen=True)
class Item:
    panel: str
    span: str = "week"        # week | 4weeks | now


@dataclass(frozen=True)
class Section:
    key: str                   # i18n key of the heading
    indicators: tuple[str, ...] = ()     # KPI panels gathered into one table
    items: tuple[Item, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("pillar.government", ("gov.dossier_on_time", "gov.online_dossiers"),
            (Item("fb.weekly", "4weeks"), Item("fb.categories"))),
    Section("pillar.economy", ("eco.cashless", "eco.hightech_income"), (Item("env.pond_compare"),)),
    Section("pillar.society", ("soc.smartphones",)),
    Section("pillar.environment", (), (Item("env.aqi_daily"), Item("env.rain_daily"), Item("env.river_levels"))),
    Section("pillar.security", (), (Item("sec.by_label"),)),
    Section("report.section_ops", (), (Item("ops.sources", "now"),)),
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


# --- the week ----------------------------------------------------------------------------------------

def parse_week(text: str) -> date:
    """"2026-W47" (ISO week) or a date inside the week -> its Monday."""
    value = str(text or "").strip()[:20]
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", value, re.I)
    try:
        if m:
            return date.fromisocalendar(int(m[1]), int(m[2]), 1)
        day = date.fromisoformat(value)
    except ValueError:
        raise BadParam("report.bad_week", value=value) from None
    return day - timedelta(days=day.weekday())


def week_filters(monday: date, span: str, commune: str | None = None) -> Filters:
    first = monday - timedelta(days=21) if span == "4weeks" else monday
    return Filters(period="custom", start=first.isoformat(), end=(monday + timedelta(days=6)).isoformat(),
                   commune=commune)


def commune_site(commune: str | None):
    """The commune's site file (its report form: issuer, place, signer, recipients); a commune the store
    has but no file describes any more gets the default file's form rather than no report."""
    from core.errors import SiteConfigError
    try:
        return get_site(commune)
    except SiteConfigError:
        log.warning("weekly report: no site file for commune %s, the default form is used", commune)
        return get_site()


def date_line(place: str, day: date) -> str:
    """Decree 30: "Quảng Điền, ngày 01 tháng 12 năm 2026": a zero before days 1–9 and months 1–2."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


# --- what the report holds ----------------------------------------------------------------------------

@dataclass
class Block:
    """A numbered table or figure of the report, and the sheet it becomes in the workbook."""
    kind: str                       # table | figure
    number: int
    caption: str
    meta: ExportMeta | None
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    frame: pd.DataFrame | None = None
    image: bytes | None = None      # PNG of a figure
    note: str = ""


@dataclass
class ReportSection:
    number: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    empty: bool = False


@dataclass
class WeeklyReport:
    monday: date
    lang: str
    generated: datetime
    sections: list[ReportSection]
    decisions: pd.DataFrame
    simulated: bool
    commune: str | None = None

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def week_year(self) -> tuple[int, int]:
        year, week, _ = self.monday.isocalendar()
        return week, year


Progress = Callable[[int, int, str], None]


def _indicator_block(codes: tuple[str, ...], lang: str, number: int, now: datetime,
                     commune: str | None = None) -> Block:
    head = [t("report.col_no", lang), t("report.col_indicator", lang), t("report.col_period", lang),
            t("report.col_value", lang), t("report.col_previous", lang), t("report.col_target", lang),
            t("report.col_unit", lang)]
    rows, records, metas = [], [], []
    for i, panel_id in enumerate(codes, start=1):
        panel, data = get_panel(panel_id), data_for(panel_id, Filters(commune=commune))
        fields = panel.kpi(data, lang) if data.error is None else {"value": None}
        decimals = fields.get("decimals", 1)
        meta = meta_for(panel, data, lang, now)
        metas.append(meta)
        period = data.extra.get("period")
        rows.append([str(i), panel.title(lang), fmt_period(period, lang) if period else "—",
                     fmt_number(fields.get("value"), lang, decimals),
                     "—" if is_missing(fields.get("previous")) else fmt_number(fields["previous"], lang, decimals),
                     "—" if is_missing(fields.get("target")) else fmt_number(fields["target"], lang, decimals),
                     meta.unit or "—"])
        records.append({"panel": panel_id, "indicator": panel.title(lang), "period": period,
                        "value": fields.get("value"), "previous": fields.get("previous"),
                        "target": fields.get("target"), "unit": meta.unit})
    sources = "; ".join(sorted({m.source for m in metas}))
    periods = ", ".join(dict.fromkeys(r[2] for r in rows))
    caption = t("report.indicators_table", lang)
    meta = ExportMeta(panel=", ".join(codes), lang=lang, title=caption, unit="", period=periods,
                      scope=metas[0].scope if metas else "", source=sources, commune=metas[0].commune if metas else "",
                      generated=metas[0].generated if metas else "", simulated=any(m.simulated for m in metas))
    block = Block("table", number, caption, meta, head, rows, pd.DataFrame(records))
    block.note = t("report.caption_meta", lang, source=sources, period=t("report.col_period", lang) + ": " + periods)
    return block


def collect(monday: date, lang: str = "vi", progress: Progress | None = None,
            now: datetime | None = None, commune: str | None = None) -> WeeklyReport:
    """Everything the commune's report shows, charts drawn. Raises nothing for missing data: an empty
    panel is "Không có dữ liệu" in its place. BadParam for a commune the store does not have."""
    now = now or datetime.now(timezone.utc)
    commune = site_queries.check_commune(commune)
    progress = progress or (lambda *_: None)
    steps = sum(len(s.items) + (1 if s.indicators else 0) for s in SECTIONS) + 1
    done, tables_n, figures_n = 0, 0, 0
    charts_total = sum(get_panel(i.panel).kind == "chart" for s in SECTIONS for i in s.items)
    sections, simulated = [], bool(site_queries.commune(commune).get("simulated") or commune_site(commune).commune.simulated)
    for i, spec in enumerate(SECTIONS):
        section = ReportSection(ROMAN[i], t(spec.key, lang))
        if spec.indicators:
            progress(done, steps, t("reports.step_data", lang, panel=section.title))
            tables_n += 1
            block = _indicator_block(spec.indicators, lang, tables_n, now, commune)
            simulated = simulated or bool(block.meta and block.meta.simulated)
            section.blocks.append(block)
            done += 1
        for item in spec.items:
            panel = get_panel(item.panel)
            progress(done, steps, t("reports.step_data", lang, panel=panel.title(lang)))
            data: PanelData = data_for(item.panel, Filters(commune=commune) if item.span == "now"
                                       else week_filters(monday, item.span, commune))
            done += 1
            if data.error is not None:
                log.warning("weekly report: %s: %s", item.panel, data.error)
                continue
            simulated = simulated or data.simulated
            meta = meta_for(panel, data, lang, now)
            period = meta.period if item.span != "now" else f"{t('report.at_generation', lang)} ({meta.generated})"
            note = t("report.caption_meta", lang, source=meta.source, period=period)
            if panel.kind == "chart":
                figures_n += 1
                fig = panel.figure(data, lang, "light")
                fig.update_layout(font={"family": images.EXPORT_FONT, "color": "#202124", "size": CHART_FONT_PX},
                                  paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", title=None, **CHART_SIZE,
                                  margin={"l": 10, "r": 20, "t": 50, "b": 10})
                fig.update_xaxes(automargin=True)
                fig.update_yaxes(automargin=True)
                fig.update_annotations(font_size=CHART_FONT_PX - 3)
                progress(done, steps, t("reports.step_charts", lang, n=figures_n, total=charts_total))
                png = images.render(fig, "png", scale=2, **CHART_SIZE)
                caption = panel.title(lang) + (f" ({meta.unit})" if meta.unit else "")
                section.blocks.append(Block("figure", figures_n, caption, meta, frame=panel.export_frame(data),
                                            image=png, note=note))
            elif panel.kind == "table":
                tables_n += 1
                head, rows = panel.table(data, lang)
                section.blocks.append(Block("table", tables_n, panel.title(lang), meta, head, rows,
                                            panel.export_frame(data), note=note))
        section.empty = not section.blocks
        sections.append(section)
    progress(done, steps, t("reports.step_pdf", lang))
    return WeeklyReport(monday, lang, now, sections, decisions_for_week(monday, commune), simulated, commune)


# --- the PDF (WeasyPrint: HTML and CSS, see README "Dependencies") -----------------------------------------

def _font_faces() -> list[dict]:
    """The report's serif: DejaVu Serif (Debian's fonts-dejavu-core; -extra adds the italics) embedded as
    a subset. Decree 30 asks for Times New Roman, which has no free Vietnamese-complete twin here."""
    faces = []
    for weight, style, name in ((400, "normal", "DejaVuSerif.ttf"), (700, "normal", "DejaVuSerif-Bold.ttf"),
                                (400, "italic", "DejaVuSerif-Italic.ttf"),
                                (700, "italic", "DejaVuSerif-BoldItalic.ttf")):
        path = FONT_DIR / name
        if path.is_file():
            faces.append({"weight": weight, "style": style, "url": path.as_uri()})
    return faces


def issuer_in_text(issuer: str) -> str:
    """"UBND XÃ QUẢNG ĐIỀN" as a sentence says it: "Ủy ban nhân dân xã Quảng Điền"."""
    words = issuer.split()
    if [w.upper() for w in words[:2]] == ["UBND", "XÃ"]:
        return " ".join(["Ủy ban nhân dân xã", *(w.title() for w in words[2:])])
    return issuer


def state_text(state: object, lang: str) -> str:
    """A decision's follow-up state (open / done / late) in words, as the meeting page says it."""
    key = f"meeting.state.{state}"
    return t(key, lang) if isinstance(state, str) and has(key) else source_text(state)


def _decisions_rows(report: WeeklyReport) -> list[list[str]]:
    rows = []
    for i, r in enumerate(report.decisions.itertuples(index=False), start=1):
        due = r.due if isinstance(r.due, date) else None
        rows.append([str(i), source_text(r.who), source_text(r.what), fmt_date(due) if due else "—",
                     state_text(r.state, report.lang)])
    return rows


def commune_name(commune: str | None, lang: str) -> str:
    """The commune's name as the store has it (the site file's when the store has none)."""
    row = site_queries.commune(commune)
    if row:
        return str(row.get("name") if lang == "vi" else row.get("name_en") or row.get("name"))
    found = commune_site(commune).commune
    return found.name if lang == "vi" else found.name_en


def html_text(report: WeeklyReport) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader(str(TEMPLATE.parent)), autoescape=select_autoescape(["html"]))
    lang, form = report.lang, commune_site(report.commune).report
    week, year = report.week_year
    local_now = report.generated.astimezone(LOCAL_TZ)
    area = commune_name(report.commune, lang)
    decisions_head = [t("report.col_no", lang), t("report.col_who", lang), t("report.col_what", lang),
                      t("report.col_due", lang), t("report.col_state", lang)]
    return env.get_template(TEMPLATE.name).render(
        t=lambda key, **v: t(key, lang, **v), lang=lang, form=form, faces=_font_faces(),
        date_line=date_line(form.place or area, local_now.date()),
        subject=t("report.subject", lang, week=f"{week:02d}", year=year, start=fmt_date(report.monday),
                  end=fmt_date(report.sunday)),
        intro=t("report.intro", lang, issuer=issuer_in_text(form.issuer),
                week=f"{week:02d}", year=year, area=area, time=local_now.strftime("%d/%m/%Y %H:%M")),
        simulated=report.simulated, sections=report.sections,
        image_of=lambda block: base64.b64encode(block.image or b"").decode("ascii"),
        decisions_number=ROMAN[len(report.sections)], decisions_head=decisions_head,
        decisions=_decisions_rows(report))


def pdf_bytes(report: WeeklyReport) -> bytes:
    from weasyprint import HTML
    return HTML(string=html_text(report), base_url=str(TEMPLATE.parent)).write_pdf()


# --- the XLSX -----------------------------------------------------------------------------------------------

def xlsx_bytes(report: WeeklyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    lang, form = report.lang, commune_site(report.commune).report
    week, year = report.week_year
    wb = Workbook()
    cover = wb.active
    taken: set[str] = set()
    cover.title = tables.sheet_name(t("report.cover", lang), taken)
    local_now = report.generated.astimezone(LOCAL_TZ)
    cover_rows = [(t("export.commune", lang), form.issuer),
                  (t("report.kind", lang), t("report.subject", lang, week=f"{week:02d}", year=year,
                                             start=fmt_date(report.monday), end=fmt_date(report.sunday))),
                  (t("reports.week", lang), archive.week_key(report.monday)),
                  (t("export.generated", lang), local_now.strftime("%d/%m/%Y %H:%M") + " (Asia/Ho_Chi_Minh)"),
                  (t("export.simulated", lang), t("export.simulated_yes" if report.simulated else "export.simulated_no",
                                                 lang))]
    r = tables.write_info(cover, cover_rows, heading=f"{form.issuer} · {t('report.kind', lang)}")
    cover.cell(row=r, column=1, value=t("reports.col_file", lang)).font = Font(bold=True)
    for section in report.sections:
        for block in section.blocks:
            label = t("report.table" if block.kind == "table" else "report.figure", lang, n=block.number)
            r += 1
            cover.cell(row=r, column=1, value=label)
            cover.cell(row=r, column=2, value=tables.csv_cell(f"{section.number}. {section.title}: {block.caption}"))
            ws = wb.create_sheet(tables.sheet_name(label, taken))
            info = block.meta.rows() if block.meta is not None else []
            first = tables.write_info(ws, info, heading=f"{label}. {block.caption}")
            tables.write_frame(ws, block.frame if block.frame is not None else pd.DataFrame(), first)
    if not report.decisions.empty:
        ws = wb.create_sheet(tables.sheet_name(t("report.decisions", lang), taken))
        frame = report.decisions.copy()
        frame["due"] = [d if isinstance(d, date) else None for d in frame["due"]]
        frame["state"] = [state_text(v, lang) for v in frame["state"]]
        tables.write_frame(ws, frame)
    return tables.workbook_bytes(wb)


# --- one run -----------------------------------------------------------------------------------------------

def make_weekly(monday: date, lang: str = "vi", progress: Progress | None = None,
                now: datetime | None = None, commune: str | None = None) -> list[Path]:
    """Collect the commune's report once, write its PDF and XLSX into the archive; returns their paths."""
    report = collect(monday, lang, progress, now, commune)
    total = sum(len(s.blocks) for s in report.sections) + 2
    pdf = archive.save(monday, "pdf", pdf_bytes(report), report.commune)
    if progress:
        progress(total - 1, total, t("reports.step_xlsx", lang))
    xlsx = archive.save(monday, "xlsx", xlsx_bytes(report), report.commune)
    if progress:
        progress(total, total, t("reports.done", lang, files=f"{pdf.name}, {xlsx.name}"))
    return [pdf, xlsx]
