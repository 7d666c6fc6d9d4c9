"""The weekly pack on a schedule and from the command line: make the PDF and the XLSX of a week for each
commune (each is its own report, from its own figures and meeting, under its own issuer), put them in
the archive and, when SMTP is configured, mail each commune's pair to REPORT_MAIL_TO.

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
from queries import site as site_queries
from reports import archive
from reports.meta import last_full_week
from reports.weekly import commune_site, make_weekly

log = logging.getLogger(__name__)
MIME = {".pdf": ("application", "pdf"),
        ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def recipients() -> list[str]:
    return [a.strip() for a in get_settings().report_mail_to.split(",") if a.strip()]


def mail_configured() -> bool:
    return bool(get_settings().smtp_host and recipients())


class WeeklyFailed(RuntimeError):
    """Some communes' reports could not be made (the others were)."""


def mail_report(monday: date, paths: list[Path], commune: str | None = None) -> None:
    """One message with the commune's two files attached, under its issuer's name."""
    s = get_settings()
    week, year = monday.isocalendar()[1], monday.isocalendar()[0]
    issuer = commune_site(commune).report.issuer
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


def communes_to_report(commune: str | None = None) -> list[str | None]:
    """The communes a run makes reports for: the one named (checked against the store), else every
    commune the store has (a store with none yet: the default site, as with one commune)."""
    if commune:
        return [site_queries.check_commune(commune)]
    return list(site_queries.commune_ids()) or [None]


def run_weekly(monday: date | None = None, *, mail: bool = True, lang: str = "vi",
               now: datetime | None = None, commune: str | None = None) -> list[Path]:
    """Make (or make again) one week's pack for the commune named, else one per commune; mail each when
    asked and configured. A commune that fails does not stop the others; WeeklyFailed is raised at the
    end naming them (BadParam at once for an unknown commune)."""
    now = now or datetime.now(timezone.utc)
    monday = monday or last_full_week(now)
    paths, failed = [], []
    for one in communes_to_report(commune):
        try:
            made = make_weekly(monday, lang, now=now, commune=one)
            log.info("weekly report %s %s: %s", one, archive.week_key(monday), ", ".join(p.name for p in made))
            if mail and mail_configured():
                mail_report(monday, made, one)
                log.info("weekly report %s %s mailed to %d recipients", one, archive.week_key(monday), len(recipients()))
        except Exception:  # noqa: BLE001 - one commune's failure is logged and named; the others still get theirs
            log.exception("weekly report %s %s failed", one, archive.week_key(monday))
            failed.append(str(one))
            continue
        paths.extend(made)
    if failed:
        raise WeeklyFailed(f"weekly report {archive.week_key(monday)} failed for: {', '.join(failed)}")
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
