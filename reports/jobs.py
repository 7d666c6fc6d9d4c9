"""The weekly pack on a schedule and from the command line: make the PDF and the XLSX of a week for each
commune (each is its own report, from its own figures and meeting, under its own issuer), put them in
the archive and, when SMTP is configured, mail each commune's pair to REPORT_MAIL_TO.

The ingest process's scheduler runs `scheduled_weekly` (ingest/runner.py adds it by its textual
reference, so ingest does not import this higher layer), Monday 07:00 Asia/Ho_Chi_Minh by default
(REPORT_SCHEDULE, crontab syntax; "off" switches it off). With a Celery broker the scheduler only queues
one task per commune (reports/tasks.py), each of which runs `make_for_commune` on a worker.

Running a week again is safe: each commune's files are replaced under the same names, its run record
too, and a pair already mailed is not mailed again (`manage.py report --mail-again` says otherwise)."""
from __future__ import annotations

import logging
import smtplib
import uuid
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
    """Some communes' reports could not be made (the others were): `failed` maps each to its log reference,
    `paths` holds what the others made."""

    def __init__(self, message: str, failed: dict[str, str] | None = None, paths: list[Path] | None = None):
        super().__init__(message)
        self.failed = dict(failed or {})
        self.paths = list(paths or [])


class CommuneReportFailed(RuntimeError):
    """One commune's report could not be made, or made but not mailed (`ref` finds it in the log)."""

    def __init__(self, commune: str | None, ref: str, paths: list[Path] | None = None):
        super().__init__(f"weekly report of {commune} failed (ref {ref})")
        self.commune, self.ref, self.paths = commune, ref, list(paths or [])


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


def make_for_commune(monday: date, commune: str | None, *, mail: bool = True, lang: str = "vi",
                     now: datetime | None = None, mail_again: bool = False) -> list[Path]:
    """One commune's pack of one week, made (or made again: same names, files replaced) and mailed once:
    a second run of the week does not mail again unless `mail_again`. What happened is left in the
    archive's run record (the reports page shows failures); a failure is logged with a reference and
    raised as CommuneReportFailed."""
    now = now or datetime.now(timezone.utc)
    week = archive.week_key(monday)
    before = archive.run_record(monday, commune)
    try:
        made = make_weekly(monday, lang, now=now, commune=commune)
    except Exception as err:  # noqa: BLE001 - logged with a reference, recorded, raised as one commune's failure
        ref = uuid.uuid4().hex[:8]
        log.exception("weekly report %s %s failed (ref %s)", commune, week, ref)
        archive.record_run(monday, commune, "failed", ref=ref, error=type(err).__name__,
                           mailed=before.mailed if before else None)
        raise CommuneReportFailed(commune, ref) from err
    log.info("weekly report %s %s: %s", commune, week, ", ".join(p.name for p in made))
    mailed = before.mailed if before else None
    if mail and mail_configured() and (mail_again or not mailed):
        try:
            mail_report(monday, made, commune)
        except Exception as err:  # noqa: BLE001 - the files stand; the mail is what failed
            ref = uuid.uuid4().hex[:8]
            log.exception("weekly report %s %s made but not mailed (ref %s)", commune, week, ref)
            archive.record_run(monday, commune, "mail_failed", ref=ref, error=type(err).__name__, mailed=mailed)
            raise CommuneReportFailed(commune, ref, made) from err
        mailed = datetime.now(timezone.utc).isoformat()
        log.info("weekly report %s %s mailed to %d recipients", commune, week, len(recipients()))
    elif mail and mailed and mail_configured():
        log.info("weekly report %s %s already mailed at %s: not mailed again", commune, week, mailed)
    archive.record_run(monday, commune, "made", mailed=mailed)
    return made


def run_weekly(monday: date | None = None, *, mail: bool = True, lang: str = "vi",
               now: datetime | None = None, commune: str | None = None, mail_again: bool = False) -> list[Path]:
    """Make (or make again) one week's pack for the commune named, else one per commune, here in this
    process; mail each once when asked and configured. A commune that fails does not stop the others;
    WeeklyFailed is raised at the end naming them (BadParam at once for an unknown commune)."""
    now = now or datetime.now(timezone.utc)
    monday = monday or last_full_week(now)
    paths, failed = [], {}
    for one in communes_to_report(commune):
        try:
            paths.extend(make_for_commune(monday, one, mail=mail, lang=lang, now=now, mail_again=mail_again))
        except CommuneReportFailed as err:
            failed[str(one)] = err.ref
            paths.extend(err.paths)
    if failed:
        raise WeeklyFailed(f"weekly report {archive.week_key(monday)} failed for: "
                           + ", ".join(f"{c} (ref {r})" for c, r in failed.items()), failed, paths)
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
