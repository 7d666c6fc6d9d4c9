"""The report jobs as Celery tasks, when CELERY_BROKER_URL is set: the weekly pack (scheduled by the ingest
process as a chord of one task per commune, so the communes' reports are made in parallel by the workers
there are and one commune's failure is its task's alone; a last task sums them up in the log) and the
image exports (a web request waits for a worker's Chromium instead of starting its own). Without a broker
both run where they are asked, as before.

One Celery application carries these tasks and Dash's background callbacks (reports/background.py); a
worker is `celery -A app:celery_app worker` (it imports the app, so the callbacks are registered too).
Messages and results are JSON: a file travels base64-encoded, paths as strings. Workers write the archive
in REPORTS_DIR: with workers on other hosts, that folder is shared storage (README "Scale-out")."""
from __future__ import annotations

import base64
import logging
from datetime import date, datetime, timezone

from core.settings import get_settings

log = logging.getLogger(__name__)
WEEKLY_TASK = "reports.weekly"              # the whole pack in one task: what was queued before the chord
COMMUNE_TASK = "reports.weekly_commune"
SUMMARY_TASK = "reports.weekly_summary"
EXPORT_TASK = "reports.export"
QUEUE = "brain"


def _make_celery():
    """The Celery application, or None without a broker."""
    settings = get_settings()
    if not settings.celery_broker_url:
        return None
    from celery import Celery
    app = Celery("brain", broker=settings.celery_broker_url,
                 backend=settings.celery_result_url or settings.celery_broker_url)
    app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                    task_default_queue=QUEUE, result_expires=24 * 3600, broker_connection_retry_on_startup=True,
                    worker_prefetch_multiplier=1,              # a long report does not hold short exports back
                    task_acks_late=True, task_reject_on_worker_lost=True)   # a worker killed mid-job: job redone
    app.task(name=WEEKLY_TASK)(weekly_task)
    app.task(name=COMMUNE_TASK)(commune_task)
    app.task(name=SUMMARY_TASK)(summary_task)
    app.task(name=EXPORT_TASK)(export_task)
    return app


def weekly_task(monday: str | None = None, mail: bool = True, lang: str = "vi", commune: str | None = None) -> list[str]:
    """On a worker: make (or make again) a week's pack, the commune's or one per commune; the paths it wrote."""
    from reports.jobs import run_weekly
    return [str(p) for p in run_weekly(date.fromisoformat(monday) if monday else None, mail=mail, lang=lang,
                                       commune=commune)]


def commune_task(monday: str, commune: str | None = None, mail: bool = True, lang: str = "vi") -> dict:
    """On a worker: one commune's pack of one week. A failure comes back as data ({"ref": …}, logged and
    recorded in the archive) rather than as an exception, so the chord's summary still runs and the
    other communes' tasks are not affected either way."""
    from reports.jobs import CommuneReportFailed, make_for_commune
    try:
        paths = make_for_commune(date.fromisoformat(monday), commune, mail=mail, lang=lang)
    except CommuneReportFailed as err:
        return {"commune": commune, "paths": [str(p) for p in err.paths], "ref": err.ref}
    return {"commune": commune, "paths": [str(p) for p in paths], "ref": None}


def summary_task(results: list[dict], monday: str) -> dict:
    """On a worker, after every commune's task: one log line for the week, and the chord's answer
    {"week", "made": {commune: [paths]}, "failed": {commune: ref}}."""
    made = {str(r.get("commune")): r.get("paths") or [] for r in results if not r.get("ref")}
    failed = {str(r.get("commune")): r["ref"] for r in results if r.get("ref")}
    week = date.fromisoformat(monday).isocalendar()
    key = f"{week[0]}-W{week[1]:02d}"
    if failed:
        log.error("weekly report %s: made for %d communes, failed for %s", key, len(made),
                  ", ".join(f"{c} (ref {r})" for c, r in failed.items()))
    else:
        log.info("weekly report %s: made for %d communes", key, len(made))
    return {"week": key, "made": made, "failed": failed}


def queue_weekly(monday: date, communes: list[str | None], mail: bool = True, lang: str = "vi", app=None):
    """Queue one task per commune and the summary after them (a chord); the chord's AsyncResult."""
    from celery import chord
    app = app or CELERY_APP
    header = [app.signature(COMMUNE_TASK, kwargs={"monday": monday.isoformat(), "commune": c, "mail": mail,
                                                  "lang": lang}) for c in communes]
    return chord(header, app.signature(SUMMARY_TASK, kwargs={"monday": monday.isoformat()})).apply_async()


def export_task(panel_id: str, fmt: str, query: dict, lang: str, now: str) -> dict:
    """On a worker: one panel export. A visitor's mistake or a browser failure comes back as data, so the
    web answers 400 or 503 as it does when it renders itself."""
    from core.errors import BadParam
    from reports import images
    from reports.exports import export_panel
    try:
        out = export_panel(panel_id, fmt, query, lang, now=datetime.fromisoformat(now))
    except BadParam as err:
        return {"bad_param": err.key, "values": {k: v if isinstance(v, (int, float)) else str(v)
                                                 for k, v in err.values.items()}}
    except images.RenderError as err:
        log.exception("export %s.%s failed on the worker", panel_id, fmt)
        return {"render_error": str(err)[:200]}
    return {"body": base64.b64encode(out.body).decode("ascii"), "mimetype": out.mimetype, "filename": out.filename}


CELERY_APP = _make_celery()


def scheduled_weekly() -> str | None:
    """What the ingest process's scheduler runs on REPORT_SCHEDULE: with a broker, queue one task per
    commune for the workers (the scheduler's process stays a poller) and return the summary's task id;
    without one, make every commune's here, one after the other. Never raises."""
    if CELERY_APP is None:
        from reports.jobs import scheduled_weekly as make_here
        make_here()
        return None
    from reports.jobs import communes_to_report
    from reports.meta import last_full_week
    try:
        monday = last_full_week(datetime.now(timezone.utc))
        communes = communes_to_report()
        result = queue_weekly(monday, communes)
        log.info("weekly report %s queued for the workers: %d communes (summary task %s)", monday.isoformat(),
                 len(communes), result.id)
        return result.id
    except Exception:  # noqa: BLE001 - a scheduled job keeps its schedule whatever happens
        log.exception("could not queue the weekly report")
        return None


def export(panel_id: str, fmt: str, query: dict, lang: str):
    """An image export made by a worker when a broker is set (the web waits up to CELERY_WAIT_S), else here.
    Same answer and exceptions as reports.exports.export_panel."""
    from core.errors import BadParam
    from reports import images
    from reports.exports import IMAGE_FORMATS, ExportFile, export_panel
    if CELERY_APP is None or fmt not in IMAGE_FORMATS:
        return export_panel(panel_id, fmt, query, lang)
    now = datetime.now(timezone.utc)
    try:
        result = CELERY_APP.send_task(EXPORT_TASK, args=[panel_id, fmt, query, lang, now.isoformat()])
        answer = result.get(timeout=get_settings().celery_wait_s)
    except Exception as err:  # noqa: BLE001 - broker down, no worker, timeout: the visitor gets a 503
        raise images.RenderError(f"export worker: {type(err).__name__}: {err}") from err
    if "bad_param" in answer:
        raise BadParam(answer["bad_param"], **answer["values"])
    if "render_error" in answer:
        raise images.RenderError(answer["render_error"])
    return ExportFile(base64.b64decode(answer["body"]), answer["mimetype"], answer["filename"])
