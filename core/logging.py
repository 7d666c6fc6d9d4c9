"""Logging set up once by manage.py and app.py; modules use logging.getLogger(__name__)."""
from __future__ import annotations

import logging

_done = False


def configure(level: str = "INFO") -> None:
    global _done
    if _done:
        return
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "urllib3", "apscheduler", "kaleido", "choreographer", "alembic.runtime", "weasyprint",
                  "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _done = True
