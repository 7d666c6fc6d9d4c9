"""Where Dash background callbacks run (the weekly report takes seconds: charts drawn, a PDF laid out):
in a process of their own through diskcache by default, on Celery workers over Redis when
CELERY_BROKER_URL is set (then start workers with `celery -A app:celery_app worker`). The Celery
application is the one of reports/tasks.py, so one worker runs the callbacks and the report tasks."""
from __future__ import annotations

from pathlib import Path

from dash import CeleryManager, DiskcacheManager

from core.settings import get_settings
from reports import tasks


def _make():
    settings = get_settings()
    if settings.celery_broker_url:
        celery_app = tasks.CELERY_APP
        if celery_app is None or celery_app.conf.broker_url != settings.celery_broker_url:
            celery_app = tasks._make_celery()       # settings changed since reports.tasks was imported (tests)
        return CeleryManager(celery_app), celery_app
    import diskcache
    path = Path(settings.cache_dir) / "background"
    path.mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(path))), None


MANAGER, CELERY_APP = _make()
