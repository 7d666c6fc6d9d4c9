"""The report jobs as Celery tasks, when CELERY_BROKER_URL is set: the weekly pack (scheduled by the ingest
process, made by a worker) and the image exports (a web request waits for a worker's Chromium instead of
starting its own). Without a broker both run where they are asked, as before.

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
WEEKLY_TASK = "reports.weekly"
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
    app.task(name=EXPORT_TASK)(export_task)
    return app


def weekly_task(monday: str | None = None, mail: bool = True, lang: str = "vi", commune: str | None = None) -> list[str]:
    """On a worker: make (or make again) a week's pack, the commune's or one per commune; the paths it wrote."""
    from reports.jobs import run_weekly
    return [str(p) for p in run_weekly(date.fromisoformat(monday) if monday else None, mail=mail, lang=lang,
                                       commune=commune)]


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
    """What the ingest process's scheduler runs on REPORT_SCHEDULE: with a broker, queue the pack for a
    worker (the scheduler's process stays a poller) and return the task id; without one, make it here.
    Never raises."""
    if CELERY_APP is None:
        from reports.jobs import scheduled_weekly as make_here
        make_here()
        return None
    from reports.meta import last_full_week
    try:
        monday = last_full_week(datetime.now(timezone.utc))
        result = CELERY_APP.send_task(WEEKLY_TASK, kwargs={"monday": monday.isoformat()})
        log.info("weekly report %s queued for a worker (task %s)", monday.isoformat(), result.id)
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
