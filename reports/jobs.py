"""The weekly pack on a schedule and from the command line: make the PDF and the XLSX of a week, put
them in the archive and, when SMTP is configured, mail them to REPORT_MAIL_TO.

The ingest process's scheduler runs `scheduled_weekly` (ingest/runner.py adds it by its textual
reference, so ingest does not import this higher layer), Monday 07:00 Asia/Ho_Chi_Minh by default
(REPORT_SCHEDULE, crontab syntax; "off" switches it off)."""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import date, datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from core.i18n import t
from core.settings import get_settings
from core.site import get_site
from reports import archive
from reports.meta import last_full_week
from reports.weekly import make_weekly

log = logging.getLogger(__name__)
MIME = {".pdf": ("application", "pdf"),
        ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def recipients() -> list[str]:
    return [a.strip() for a in get_settings().report_mail_to.split(",") if a.strip()]


def mail_configured() -> bool:
    return bool(get_settings().smtp_host and recipients())


def mail_report(monday: date, paths: list[Path]) -> None:
    """One message with both files attached."""
    s = get_settings()
    week, year = monday.isocalendar()[1], monday.isocalendar()[0]
    issuer = get_site().report.issuer
    msg = EmailMessage()
    msg["Subject"] = f"{t('report.kind', 'vi').capitalize()} {t('report.week_label', 'vi', week=f'{week:02d}', year=year).lower()} – {issuer}"
    msg["From"] = s.report_mail_from
    msg["To"] = ", ".join(recipients())
    msg.set_content(f"{issuer} gửi báo cáo tuần {week:02d}/{year} (tệp PDF theo mẫu Nghị định 30/2020/NĐ-CP và số "
                    f"liệu XLSX) do hệ thống Bộ não số tạo tự động.\n")
    for path in paths:
        kind, sub = MIME.get(path.suffix, ("application", "octet-stream"))
        msg.add_attachment(path.read_bytes(), maintype=kind, subtype=sub, filename=path.name)
    with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
        if s.smtp_starttls:
            smtp.starttls()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password or "")
        smtp.send_message(msg)


def run_weekly(monday: date | None = None, *, mail: bool = True, lang: str = "vi",
               now: datetime | None = None) -> list[Path]:
    """Make (or make again) one week's pack; mail it when asked and configured. Raises on failure."""
    now = now or datetime.now(timezone.utc)
    monday = monday or last_full_week(now)
    paths = make_weekly(monday, lang, now=now)
    log.info("weekly report %s: %s", archive.week_key(monday), ", ".join(p.name for p in paths))
    if mail and mail_configured():
        mail_report(monday, paths)
        log.info("weekly report %s mailed to %d recipients", archive.week_key(monday), len(recipients()))
    return paths


def scheduled_weekly(clock: Callable[[], datetime] | None = None) -> list[Path]:
    """What the scheduler runs: the last full week before the clock's now. Never raises (the schedule
    must outlive one bad run); the failure is logged and the next Monday tries again."""
    now = (clock or (lambda: datetime.now(timezone.utc)))()
    try:
        return run_weekly(last_full_week(now), now=now)
    except Exception:  # noqa: BLE001 - a scheduled job keeps its schedule whatever happens
        log.exception("scheduled weekly report failed")
        return []
