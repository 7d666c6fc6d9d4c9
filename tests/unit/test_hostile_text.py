"""Text from outside made safe (core/text.py, core/media.py), the map's escaping, and uploads that try to
exhaust or confuse the reader (ingest/files.py, data_sources/indicators.py)."""
from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from core.media import raster_type
from core.text import csv_cell, esc, is_missing, source_text

IMG = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NaT, pd.NA, np.float64("nan")])
def test_a_missing_source_value_reads_as_a_dash_never_nan_and_never_crashes(missing):
    assert is_missing(missing)
    assert source_text(missing) == "—" and esc(missing) == "—"
    assert source_text(missing, "no data") == "no data"


def test_source_text_is_escaped_for_html_and_made_sendable():
    assert esc(IMG) == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert esc("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert source_text("a\ud800b") == "a\ufffdb"                     # a lone surrogate cannot be JSON-encoded
    assert source_text("x" * 50, limit=10) == "x" * 9 + "…"
    assert not is_missing("") and not is_missing(0) and source_text(0) == "0"


@pytest.mark.parametrize("cell, written", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1", "'＝1"), ("plain note", "plain note"), ("2026-10", "2026-10"),
    (-1.5, -1.5), (42, 42), (None, ""), (float("nan"), "")])
def test_cells_a_spreadsheet_would_run_as_formulas_are_escaped(cell, written):
    assert csv_cell(cell) == written


def test_only_jpeg_png_and_webp_are_recognised_by_their_magic_bytes():
    assert raster_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert raster_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert raster_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    for other in (b"<svg xmlns='http://www.w3.org/2000/svg'>", b"<?xml version='1.0'?><svg>", b"GIF89a", b"<html>", b""):
        assert raster_type(other) is None


def test_map_tooltips_and_popups_carry_source_text_only_escaped():
    from components.map import feature, popup_html
    f = feature(16.5, 107.5, id="d1", tooltip=IMG, popup=popup_html(IMG, [IMG, None, float("nan")], "/environment?x=1",
                                                                        IMG), color="#000")
    props = f["properties"]
    assert "<img" not in props["tooltip"] and "&lt;img" in props["tooltip"]
    assert "<img" not in props["popup"] and props["popup"].count("&lt;img") == 3
    assert "nan" not in props["popup"] and "<div>—</div>" in props["popup"]
    assert feature(0, 0, id="d", tooltip=pd.NA, popup="", color="#000")["properties"]["tooltip"] == "—"
    for link in ("javascript:alert(1)", "//evil.example/x", "https://evil.example"):
        assert "href" not in popup_html("t", [], link, "go")


# --- uploads -------------------------------------------------------------------------------------------

def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(content: bytes, name: str, change) -> bytes:
    """The workbook with part `name` changed (or added, from b"")."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = [i.filename for i in src.infolist()]
        for n in names:
            data = src.read(n)
            dst.writestr(n, change(data) if n == name else data)
        if name not in names:
            dst.writestr(name, change(b""))
    return out.getvalue()


HEADER = ["indicator", "scope", "period", "value"]
ROWS = [["online_dossier_rate", "commune:quang_tho", f"2026-{m:02d}", 40 + m] for m in range(1, 6)]


def test_a_workbook_with_a_stale_dimension_reads_all_its_rows():
    from ingest.files import import_bytes
    content = _rewrite(_xlsx([HEADER] + ROWS), "xl/worksheets/sheet1.xml",
                       lambda d: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:D1"/>', d))
    assert b'<dimension ref="A1:D1"/>' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    result = import_bytes(content, "stale.xlsx", dry_run=True)
    assert result["file_error"] is None and result["valid"] == 5 and result["rejected"] == 0


def test_a_shared_string_that_inflates_past_the_cap_is_refused_before_parsing():
    from ingest.files import import_bytes
    bomb = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>' + b"A" * 80_000_000
            + b"</t></si></sst>")
    content = _rewrite(_xlsx([HEADER] + ROWS), "xl/sharedStrings.xml", lambda _d: bomb)
    assert len(content) < 1_000_000
    result = import_bytes(content, "bomb.xlsx", dry_run=True)
    assert result["file_error"] and "MB" in result["file_error"] and result["valid"] == 0


def test_a_highly_compressed_part_is_refused_as_a_zip_bomb():
    from data_sources.indicators import _check_xlsx_zip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"A" * 20_000_000)
    with pytest.raises(ValueError, match="zip bomb"):
        _check_xlsx_zip(out.getvalue())


def test_a_bad_shared_string_index_is_a_rejection_reason_not_an_internal_error():
    from ingest.files import import_bytes
    content = _xlsx([HEADER] + ROWS)
    cell = rb'<c r="A6" t="inlineStr"><is><t>online_dossier_rate</t></is></c>'
    assert cell in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    # row 6's first cell points at shared string 99999 of a workbook that has none
    content = _rewrite(content, "xl/worksheets/sheet1.xml", lambda d: d.replace(cell, b'<c r="A6" t="s"><v>99999</v></c>'))
    result = import_bytes(content, "bad-index.xlsx", dry_run=True)
    assert result["file_error"] is None
    assert result["valid"] == 4 and [e["reason"] for e in result["errors"]] == ["unreadable_row"]


def test_in_file_duplicates_are_reported_as_duplicates():
    from ingest.files import import_bytes
    lines = ["indicator,scope,period,value"] + [f"online_dossier_rate,commune:quang_tho,2025-{1 + n % 12:02d},{n % 100}"
                                               for n in range(100_000)]
    result = import_bytes("\n".join(lines).encode(), "many.csv", dry_run=True)
    assert result["valid"] == 12 and result["duplicates"] == 100_000 - 12 and result["rejected"] == 0
    assert {r["value"] for r in result["preview"]} >= {88.0, 99.0}     # the last row of each key is kept
