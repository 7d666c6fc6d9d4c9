"""Exports and the weekly report on a store filled by the simulator through the real adapters: each format
opens and holds what it should (metadata inside the image, Vietnamese intact, the Decree 30 header lines),
CSV/XLSX values equal what the store holds for the panel and period, bad input is a 400 in the viewer's
language; the scheduled job runs with an injected clock and mails the pack; the meeting's decisions
appear when a record exists."""
import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

pytestmark = pytest.mark.slow
DAYS = 9


@pytest.fixture(scope="module")
def filled(tmp_path_factory, simulator_url):
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    base = tmp_path_factory.mktemp("exports")
    db = f"sqlite:///{base / 'brain.db'}"
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine)
    urls = {"sensorthings": f"{simulator_url}/sta/v1.1", "frigate": f"{simulator_url}/frigate",
            "open311": f"{simulator_url}/open311/v2", "indicators": f"{simulator_url}/feeds"}
    backfill(DAYS, engine=engine, urls=urls, progress=False)
    engine.dispose()
    return db


@pytest.fixture
def client(filled, use_store, monkeypatch, tmp_path):
    use_store(filled)
    monkeypatch.setenv("REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    from core.settings import get_settings
    get_settings.cache_clear()
    import app as app_module
    from tests.integration.test_app import signed_in_client
    return signed_in_client(app_module.app, "viewer")      # exports are a viewer's right


@pytest.fixture
def inbox():
    """A local SMTP server (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"
    box = Inbox()
    box.port = free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=box.port)
    smtp.start()
    yield box
    smtp.stop()


@pytest.fixture(scope="module", autouse=True)
def _browser_closed_after():
    yield
    from reports import images
    images.stop()


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _stamp(text: str) -> None:
    """Generation time, dd/mm/yyyy hh:mm in Asia/Ho_Chi_Minh, within a few minutes of now."""
    from core.timeutil import LOCAL_TZ
    found = re.findall(r"(\d{2}/\d{2}/\d{4} \d{2}:\d{2})", text)
    now = datetime.now(LOCAL_TZ).replace(tzinfo=None)
    assert any(abs(datetime.strptime(f, "%d/%m/%Y %H:%M") - now) < timedelta(minutes=10) for f in found), found


def test_chart_as_png_svg_pdf_with_its_metadata_inside(client):
    query = "period=custom&start=2026-01-01"
    png = client.get(f"/export/env.rain_daily.png?{query}")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "attachment" in png.headers["Content-Disposition"] and ".png" in png.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(png.data))
    assert image.size == (1800, 1050) and 20_000 < len(png.data) < 1_000_000

    from core.site import get_site
    gauge = get_site().devices_of("rain_gauge")[0].name          # the scope: the rain gauge itself
    svg = client.get(f"/export/env.rain_daily.svg?{query}")
    root = ET.fromstring(svg.data)
    text = " ".join(root.itertext())
    for expected in ("Lượng mưa theo ngày (mm)", "Từ 01/01/2026", gauge, "Trạm quan trắc môi trường", "Quảng Thọ (cũ)",
                     "thành phố Huế", "DỮ LIỆU MÔ PHỎNG", "giờ Việt Nam"):
        assert expected in text, expected
    assert "@font-face" in text and "font/woff2" in text
    _stamp(text)

    pdf = client.get(f"/export/env.rain_daily.pdf?{query}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    words = pdf_text(pdf.data)
    for expected in ("Lượng mưa theo ngày", "Quảng Thọ", "Huế", "MÔ PHỎNG"):
        assert expected in words, (expected, words[:300])
    _stamp(words)


def test_kpi_and_table_panels_export_as_images_too(client):
    kpi = client.get("/export/eco.cashless.svg")
    text = " ".join(ET.fromstring(kpi.data).itertext())
    assert "Thanh toán không tiền mặt (%)" in text and "Tháng" in text and re.search(r"\d+,\d %", text)
    table = client.get("/export/ops.sources.pdf")
    words = pdf_text(table.data)
    assert "Nguồn dữ liệu" in words and "Cảm biến môi trường" in words and "Hiện tại" in words   # sources by name


def test_csv_and_xlsx_equal_what_the_store_holds(client, filled):
    """Daily rain of the rain gauge: the export's totals against the raw readings summed per local day."""
    from sqlalchemy import create_engine, text

    from core.timeutil import LOCAL_TZ
    start = (datetime.now(LOCAL_TZ) - timedelta(days=5)).date()
    query = f"period=custom&start={start.isoformat()}"
    body = client.get(f"/export/env.rain_daily.csv?{query}").data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    info = {r[0]: r[1] for r in rows if r and r[0].startswith("# ")}
    assert info["# Tiêu đề"] == "Lượng mưa theo ngày" and info["# Đơn vị"] == "mm"
    assert info["# Kỳ số liệu"].startswith(f"Từ {start:%d/%m/%Y}")
    head = rows.index(["time", "total", "count"])
    exported = {r[0][:10]: float(r[1]) for r in rows[head + 1:]}

    engine = create_engine(filled)
    with engine.connect() as conn:
        raw = conn.execute(text(
            "SELECT r.t, r.value FROM readings r JOIN series s ON s.id = r.series_id JOIN devices d ON d.id = s.device_id "
            "WHERE d.kind = 'rain_gauge' AND s.parameter = 'rainfall' AND r.t >= :t0"),
            {"t0": int(datetime.combine(start, datetime.min.time(), LOCAL_TZ).timestamp())}).all()
    engine.dispose()
    expected: dict[str, float] = {}
    for t, value in raw:
        day = datetime.fromtimestamp(t, LOCAL_TZ).date().isoformat()
        expected[day] = expected.get(day, 0.0) + value
    assert exported.keys() == expected.keys() and len(expected) >= 5
    for day, total in expected.items():
        assert exported[day] == pytest.approx(total, rel=1e-9, abs=1e-9), day

    wb = load_workbook(io.BytesIO(client.get(f"/export/env.rain_daily.xlsx?{query}").data))
    assert wb.sheetnames == ["Thông tin", "Dữ liệu"]
    sheet = wb["Dữ liệu"]
    values = {r[0].date().isoformat(): r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values == pytest.approx(expected)


def test_bad_input_is_a_400_in_the_viewers_language(client):
    cases = {"/export/no.such.panel.png": "Không có ô số liệu này",
             "/export/env.rain_daily.gif": "Định dạng xuất không hỗ trợ",
             "/export/env.rain_daily.png?period=forever": "Khoảng thời gian không hợp lệ",
             "/export/fb.weekly.csv?period=custom&start=2026-11-20&end=2026-11-01": "kết thúc phải sau",
             "/export/fb.categories.xlsx?village=%3Cscript%3E": "Không có thôn này",
             "/export/env.rain_daily": "Định dạng xuất không hỗ trợ: rain_daily"}
    for url, message in cases.items():
        r = client.get(url)
        assert r.status_code == 400 and r.mimetype == "text/plain", url
        assert message in r.get_data(as_text=True), (url, r.get_data(as_text=True))
    client.set_cookie("lang", "en")
    assert client.get("/export/fb.categories.csv?village=x").get_data(as_text=True).startswith("Unknown village")


def _meeting_record(db: str, monday: date) -> None:
    """Decisions recorded at the week's meeting, through the meeting's own command layer."""
    from commands.meetings import add_decision
    from store.engine import make_engine
    engine = make_engine(db)
    add_decision(engine, monday, "Chủ tịch", "Phó Chủ tịch Nguyễn Văn Ấn", "Nạo vét kênh Ngã Tư trước mùa lũ",
                 monday + timedelta(days=10))
    add_decision(engine, monday, "Chủ tịch", "Công an xã", "=cmd|' /C calc'!A0", monday + timedelta(days=12))
    engine.dispose()


def test_weekly_report_pdf_in_the_decree_30_form_and_its_xlsx(client, filled, tmp_path):
    from reports.meta import last_full_week
    from reports.weekly import make_weekly
    monday = last_full_week()
    _meeting_record(filled, monday)
    steps = []
    pdf_path, xlsx_path = make_weekly(monday, "vi", progress=lambda d, n, text: steps.append((d, n, text)))
    assert steps[-1][0] == steps[-1][1] and "bao-cao-tuan" in steps[-1][2]
    assert [d for d, _, _ in steps] == sorted(d for d, _, _ in steps)
    body = pdf_path.read_bytes()
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 3 and 50_000 < len(body) < 3_000_000
    words = pdf_text(body)
    flat = re.sub(r"\s+", " ", words)
    for line in ("UBND XÃ QUẢNG ĐIỀN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "/BC-UBND", "BÁO CÁO", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lưu: VT",
                 "Bảng 1. Các chỉ tiêu chính", "Hình 1. Phản ánh theo tuần", "I. CHÍNH QUYỀN SỐ",
                 "IV. MÔI TRƯỜNG", "Nạo vét kênh Ngã Tư trước mùa lũ", "Phó Chủ tịch Nguyễn Văn Ấn",
                 "DỮ LIỆU MÔ PHỎNG"):
        assert line in flat, (line, flat[:600])
    assert re.search(r"Số:\s+/BC-UBND", flat)
    assert re.search(r"Quảng Điền, ngày \d{2} tháng (0[12]|[3-9]|1[0-2]) năm \d{4}", flat)
    assert f"{monday:%d/%m/%Y}" in flat and f"{monday + timedelta(days=6):%d/%m/%Y}" in flat
    fonts = {str(f.get("/BaseFont")) for p in reader.pages for f in (p["/Resources"].get("/Font") or {}).values()
             for f in [f.get_object()]}
    assert fonts and all("+" in f for f in fonts)                          # embedded subsets

    wb = load_workbook(io.BytesIO(xlsx_path.read_bytes()))
    assert wb.sheetnames[0] == "Bìa" and "Bảng 1" in wb.sheetnames and "Hình 1" in wb.sheetnames
    assert len(wb.sheetnames) >= 8
    cover = [c for row in wb["Bìa"].iter_rows(values_only=True) for c in row if c]
    assert "UBND XÃ QUẢNG ĐIỀN · BÁO CÁO" in cover
    decisions = wb[wb.sheetnames[-1]]
    rows = list(decisions.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["Nạo vét kênh Ngã Tư trước mùa lũ", "'=cmd|' /C calc'!A0"]
    assert rows[0][2].date() == monday + timedelta(days=10) and rows[1][2].date() == monday + timedelta(days=12)
    assert {r[3] for r in rows} <= {"Đang thực hiện", "Quá hạn"}
    table_1 = {r[0]: r[1] for r in wb["Bảng 1"].iter_rows(min_row=3, max_row=11, values_only=True) if r[0]}
    assert table_1["Tiêu đề"] == "Các chỉ tiêu chính" and table_1["Kỳ số liệu"].count("/20") >= 1
    assert not any(c.data_type == "f" for s in wb.worksheets for row in s.iter_rows() for c in row)

    listed = client.get("/reports/files/" + pdf_path.name)
    assert listed.status_code == 200 and listed.data == body
    assert client.get("/reports/files/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_scheduled_job_with_an_injected_clock_mails_the_pack(client, monkeypatch, inbox):
    from apscheduler.schedulers.background import BackgroundScheduler

    from core.settings import get_settings
    from core.timeutil import LOCAL_TZ
    from ingest.runner import add_report_job
    from reports.jobs import scheduled_weekly
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(inbox.port))
    monkeypatch.setenv("REPORT_MAIL_TO", "chu-tich@example.vn, van-phong@example.vn")
    get_settings.cache_clear()

    scheduler = BackgroundScheduler(timezone="UTC")
    add_report_job(scheduler)
    job = scheduler.get_job("weekly-report")
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
    assert job.trigger.get_next_fire_time(None, wednesday) == datetime(2026, 11, 30, 7, 0, tzinfo=LOCAL_TZ)
    off = BackgroundScheduler(timezone="UTC")
    add_report_job(off, "off")
    assert off.get_job("weekly-report") is None

    fired_at = datetime.now(timezone.utc)       # the clock the scheduler would pass: "now", a Monday 07:00
    paths = scheduled_weekly(clock=lambda: fired_at)
    from reports.meta import last_full_week
    from reports import archive
    week = archive.week_key(last_full_week(fired_at))
    assert [p.name for p in paths] == [f"bao-cao-tuan-{c}-{week}.{f}" for c in ("quang_tho", "demo_xa_b")
                                       for f in ("pdf", "xlsx")]                  # one pack per commune
    assert len(inbox.messages) == 2                                               # each mailed on its own
    message = next(m for m in inbox.messages if "quang_tho" in m)
    assert "chu-tich@example.vn" in message and f"bao-cao-tuan-quang_tho-{week}.pdf" in message
    assert f"bao-cao-tuan-quang_tho-{week}.xlsx" in message and "demo_xa_b" not in message


def test_a_failing_scheduled_run_keeps_the_schedule(client, monkeypatch):
    from reports import jobs

    def broken(*_a, **_k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(jobs, "make_weekly", broken)
    assert jobs.scheduled_weekly(clock=lambda: datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)) == []


def test_export_menu_links_carry_the_slots_filters_on_pages_and_is_absent_on_the_wall(client):
    from flask import Flask

    from layouts.panel_view import render
    from panels import Filters, data_for
    filters = {"period": "custom", "start": "2026-11-01", "village": "thon_2", "ignored": "x"}
    with Flask(__name__).test_request_context("/"):
        data = data_for("fb.weekly", Filters.from_mapping(filters))
        page = str(render("fb.weekly", data, "vi", "light", "page", filters).to_plotly_json())
        wall = str(render("fb.weekly", data, "vi", "dark", "wall", filters).to_plotly_json())
        kpi = str(render("eco.cashless", data_for("eco.cashless"), "vi", "light", "page", {}).to_plotly_json())
    for fmt in ("png", "svg", "pdf", "csv", "xlsx"):
        assert f"/export/fb.weekly.{fmt}?period=custom&start=2026-11-01&village=thon_2" in page
        assert f"/export/eco.cashless.{fmt}?period=7d'" in kpi                  # the default period
    assert "ignored" not in page and "panel-export" not in wall and "/export/" not in wall


def test_background_callbacks_run_on_celery_when_a_broker_is_set(monkeypatch):
    import importlib

    from dash import CeleryManager, DiskcacheManager

    from core.settings import get_settings
    from reports import background
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    get_settings.cache_clear()
    manager, celery_app = background._make()
    assert isinstance(manager, CeleryManager) and celery_app.conf.broker_url == "redis://127.0.0.1:6379/15"
    monkeypatch.delenv("CELERY_BROKER_URL")
    get_settings.cache_clear()
    assert isinstance(importlib.reload(background).MANAGER, DiskcacheManager)
