"""The pieces of exports and the weekly report that need no store and no browser: the week, the Decree 30
date line, formula-safe CSV/XLSX with their metadata, the SVG's own font, sheet names."""
import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

import pandas as pd
import pytest
from openpyxl import load_workbook

from core.errors import BadParam
from reports.meta import ExportMeta, last_full_week
from reports.tables import csv_bytes, sheet_name, xlsx_bytes
from reports.weekly import date_line, issuer_in_text, parse_week

META = ExportMeta(panel="fb.categories", lang="vi", title="Phản ánh theo lĩnh vực", unit="", period="Từ 23/11/2026 đến 29/11/2026",
                  scope="Thôn 2", source="Hệ thống phản ánh hiện trường (Open311)", commune="Quảng Thọ (cũ), xã Quảng Điền",
                  generated="30/11/2026 07:00", simulated=True)
HOSTILE = pd.DataFrame({"service_code": ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-cmd", "@SUM(A1)", "Môi trường"],
                        "count": [1, 2, -3, 4, 5],
                        "time": pd.to_datetime([1764288000] * 5, unit="s", utc=True)})


def test_week_parsing_and_the_last_full_week():
    assert parse_week("2026-W47") == date(2026, 11, 16)
    assert parse_week("2026w48") == date(2026, 11, 23)
    assert parse_week("2026-11-26") == date(2026, 11, 23)       # a date inside the week
    for bad in ("2026-W54", "W47", "next week", ""):
        with pytest.raises(BadParam):
            parse_week(bad)
    # Sunday 29/11/2026 23:30 in Huế is 16:30 UTC: the week of 23/11 is not over yet
    assert last_full_week(datetime(2026, 11, 29, 16, 30, tzinfo=timezone.utc)) == date(2026, 11, 16)
    # Monday 30/11/2026 00:30 in Huế (still Sunday in UTC): last week is complete
    assert last_full_week(datetime(2026, 11, 29, 17, 30, tzinfo=timezone.utc)) == date(2026, 11, 23)


def test_decree_30_date_line_pads_days_below_10_and_months_below_3():
    assert date_line("Quảng Điền", date(2026, 12, 1)) == "Quảng Điền, ngày 01 tháng 12 năm 2026"
    assert date_line("Quảng Điền", date(2027, 2, 9)) == "Quảng Điền, ngày 09 tháng 02 năm 2027"
    assert date_line("Huế", date(2027, 3, 15)) == "Huế, ngày 15 tháng 3 năm 2027"
    assert issuer_in_text("UBND XÃ QUẢNG ĐIỀN") == "Ủy ban nhân dân xã Quảng Điền"


def test_csv_has_bom_metadata_block_and_no_formula_cells():
    body = csv_bytes(META, HOSTILE)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    info = {r[0]: r[1] for r in rows[:9]}
    assert info["# Tiêu đề"] == "Phản ánh theo lĩnh vực"
    assert info["# Phạm vi"] == "Thôn 2" and info["# Nguồn dữ liệu"].endswith("(Open311)")
    assert info["# Thời điểm tạo"].startswith("30/11/2026 07:00")
    assert info["# Dữ liệu mô phỏng"].startswith("Có")
    head = rows.index(["service_code", "count", "time"])
    data = rows[head + 1:]
    assert [r[0] for r in data] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-cmd", "'@SUM(A1)", "Môi trường"]
    assert [r[1] for r in data] == ["1", "2", "-3", "4", "5"]          # a negative number stays a number
    assert data[0][2] == "2025-11-28T07:00:00+07:00"                  # local time, offset written


def test_xlsx_info_sheet_and_data_with_formulas_escaped():
    wb = load_workbook(io.BytesIO(xlsx_bytes(META, HOSTILE)))
    assert wb.sheetnames == ["Thông tin", "Dữ liệu"]
    info = {r[0]: r[1] for r in wb["Thông tin"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert info["Tiêu đề"] == "Phản ánh theo lĩnh vực" and info["Địa bàn"].startswith("Quảng Thọ")
    data = wb["Dữ liệu"]
    cells = [c for row in data.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert [c.value for c in data["A"]][1:] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-cmd", "'@SUM(A1)",
                                                "Môi trường"]
    assert [c.value for c in data["B"]][1:] == [1, 2, -3, 4, 5]
    assert data["C2"].value == datetime(2025, 11, 28, 7, 0) and data["C2"].number_format == "dd/mm/yyyy hh:mm"


def test_sheet_names_follow_excels_rules():
    taken: set[str] = set()
    assert sheet_name("Bảng 1: Chỉ tiêu [chính] / tuần?", taken) == "Bảng 1  Chỉ tiêu  chính    tuần"
    long = "Kết luận, quyết định tại cuộc họp giao ban"
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second and second.endswith("(2)")


def test_svg_font_is_embedded_and_the_svg_still_parses():
    from reports.images import embed_svg_font
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text x="1" y="9" '
           b'style="font-family: \'DejaVu Sans\'">Qu\xe1\xba\xa3ng Th\xe1\xbb\x8d</text></svg>')
    out = embed_svg_font(svg)
    root = ET.fromstring(out)
    styles = [el.text for el in root.iter("{http://www.w3.org/2000/svg}style")]
    assert styles and "@font-face" in styles[0] and "font/woff2;base64," in styles[0]
    assert styles[0].count("@font-face") == 2                       # regular and bold
    assert "Quảng Thọ" in "".join(root.itertext())
