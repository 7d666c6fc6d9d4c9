"""The data behind a panel as CSV and XLSX, with the same metadata as the images.

CSV: UTF-8 with a byte-order mark (Excel opens it as UTF-8 only then: "Quảng Thọ", not "QuÃ¡ng"), a
header block of `# label,value` rows, a blank row, then the table. XLSX: a "Thông tin" sheet with the
metadata and a "Dữ liệu" sheet with the table. Every text cell goes through `core.text.csv_cell`, so a
value a source sent as `=HYPERLINK(...)` is text in the spreadsheet, never a formula.

Values stay machine-readable: numbers as numbers (decimal point in CSV, real numbers in XLSX), times in
Asia/Ho_Chi_Minh (ISO 8601 with +07:00 in CSV; local date-times shown dd/mm/yyyy hh:mm in XLSX)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.i18n import t
from core.text import csv_cell, is_missing
from core.timeutil import LOCAL_TZ
from reports.meta import ExportMeta

BOM = "\ufeff"
HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")
SHEET_NAME_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def _plain(value: object) -> object:
    """A frame value as a cell: local times, numbers as numbers, missing as empty, text made safe."""
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ) if value.tzinfo else value
    if isinstance(value, date):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):   # numpy scalars
        value = value.item()
    return csv_cell(value)


def _csv_value(value: object) -> object:
    value = _plain(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_bytes(meta: ExportMeta, frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for label, value in meta.rows():
        writer.writerow([f"# {label}", csv_cell(value)])
    writer.writerow([])
    writer.writerow([csv_cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_value(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def sheet_name(text: str, taken: set[str] | None = None) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = text.translate(SHEET_NAME_BAD).strip()[:31] or "Sheet"
    name, n = base, 2
    while taken is not None and name in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    if taken is not None:
        taken.add(name)
    return name


def write_info(ws, rows: list[tuple[str, str]], heading: str | None = None) -> int:
    """Label/value rows from the top of a sheet; returns the next free row."""
    r = 1
    if heading:
        ws.cell(row=1, column=1, value=csv_cell(heading)).font = Font(bold=True, size=13)
        r = 3
    for label, value in rows:
        ws.cell(row=r, column=1, value=csv_cell(label)).font = Font(bold=True)
        ws.cell(row=r, column=2, value=csv_cell(value)).alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 70)
    return r + 1


def write_frame(ws, frame: pd.DataFrame, first_row: int = 1) -> None:
    for j, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=first_row, column=j, value=csv_cell(str(name)))
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
        ws.column_dimensions[get_column_letter(j)].width = max(ws.column_dimensions[get_column_letter(j)].width or 0,
                                                               min(max(len(str(name)) + 4, 12), 50))
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=first_row + 1):
        for j, value in enumerate(row, start=1):
            value = _plain(value)
            if isinstance(value, datetime):
                cell = ws.cell(row=i, column=j, value=value.replace(tzinfo=None))
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(value, date):
                ws.cell(row=i, column=j, value=value).number_format = "dd/mm/yyyy"
            else:
                ws.cell(row=i, column=j, value=value)
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1)


def xlsx_bytes(meta: ExportMeta, frame: pd.DataFrame) -> bytes:
    wb = Workbook()
    info = wb.active
    info.title = sheet_name(t("export.info_sheet", meta.lang))
    write_info(info, meta.rows(), heading=meta.title)
    data = wb.create_sheet(sheet_name(t("export.data_sheet", meta.lang)))
    write_frame(data, frame)
    return workbook_bytes(wb)


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
