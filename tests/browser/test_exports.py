"""A leader exports from the page and makes the weekly report, as in the browser: the panel's export
menu downloads an image and the data behind it; the archive page makes a week's pack with a progress bar
(a background callback) and downloads the PDF (Decree 30 form) and the XLSX."""
import io
from urllib.parse import urlparse

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.browser.conftest import SHOTS, settle

pytestmark = pytest.mark.browser


def _panel_menu(page, panel_id: str):
    wrap = page.locator(f"[id*='\"panel\":\"{panel_id}\"']").first
    wrap.wait_for(state="visible", timeout=60000)
    wrap.locator(".panel-export-toggle").click()
    menu = page.locator(".panel-export-menu")       # assets/40_exports.js opens one menu, on <body>
    menu.wait_for(state="visible", timeout=10000)
    assert menu.count() == 1
    return menu


def test_export_menu_downloads_the_panels_image_and_data(page_for):
    page, watch = page_for("/")
    wrap = _panel_menu(page, "eco.cashless")
    with page.expect_download(timeout=90000) as info:
        wrap.locator(".panel-export-png").click()
    download = info.value
    assert download.suggested_filename.startswith("eco-cashless_") and download.suggested_filename.endswith(".png")
    body = open(download.path(), "rb").read()
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and len(body) > 20_000

    wrap = _panel_menu(page, "fb.reports_overdue")
    with page.expect_download(timeout=60000) as info:
        wrap.locator(".panel-export-csv").click()
    text = open(info.value.path(), "rb").read().decode("utf-8-sig")
    assert "# Tiêu đề,Phản ánh quá hạn" in text and "# Dữ liệu mô phỏng" in text
    assert urlparse(page.url).path == "/"                             # the download left the page where it was
    wrap = _panel_menu(page, "env.aqi_now")
    assert [a.get_attribute("href").split("?")[0] for a in wrap.locator("a").all()] == \
        [f"/export/env.aqi_now.{fmt}" for fmt in ("png", "svg", "pdf", "csv", "xlsx")]
    page.screenshot(path=str(SHOTS / "export-menu-1366x768.png"))
    page.keyboard.press("Escape")
    assert page.locator(".panel-export-menu").count() == 0
    assert not watch.errors, watch.errors


def test_weekly_report_made_in_the_background_then_downloaded(page_for):
    page, watch = page_for("/reports")
    week = page.locator("#rep-week").inner_text()
    assert "Tuần" in week
    page.locator("#rep-make").click()
    page.locator("#rep-progress").wait_for(state="visible", timeout=30000)
    page.wait_for_function("() => document.querySelector('#rep-make').disabled === true", timeout=30000)
    page.locator(".rep-made").first.wait_for(state="visible", timeout=240000)
    settle(page)
    assert page.locator("#rep-make").is_enabled()
    page.screenshot(path=str(SHOTS / "reports-1366x768.png"), full_page=True)

    files = page.locator("#rep-archive .rep-file")
    names = [files.nth(i).inner_text() for i in range(files.count())]
    pdf_name = next(n for n in names if n.endswith(".pdf"))
    xlsx_name = next(n for n in names if n.endswith(".xlsx"))
    with page.expect_download(timeout=60000) as info:
        page.locator("#rep-archive .rep-file", has_text=pdf_name).click()
    assert info.value.suggested_filename == pdf_name
    reader = PdfReader(info.value.path())
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "BÁO CÁO" in text and "Nơi nhận" in text
    with page.expect_download(timeout=60000) as info:
        page.locator("#rep-archive .rep-file", has_text=xlsx_name).click()
    wb = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    assert wb.sheetnames[0] == "Bìa" and "Hình 1" in wb.sheetnames
    assert not watch.errors, watch.errors
