"""Indicator values from CSV/XLSX files (`manage.py import`, the Data page's upload form). A dry run
validates and previews and stores nothing; the same rules as the feed apply to every row."""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from data_sources.indicators import parse_indicator_file
from ingest.records import IndicatorRecord, Rejected
from ingest.writer import Writer
from store.engine import get_engine

PREVIEW_ROWS = 20


def import_bytes(content: bytes, filename: str, source: str = "upload", dry_run: bool = True,
                 engine: Engine | None = None, now: int | None = None) -> dict:
    now = int(now if now is not None else time.time())
    try:
        items = list(parse_indicator_file(content, filename, source=source, generated_t=now))
    except ValueError as err:
        return {"ok": False, "file_error": str(err), "rows": 0, "valid": 0, "rejected": 0, "errors": [],
                "preview": [], "stored": 0}
    valid = [i for i in items if isinstance(i, IndicatorRecord)]
    bad = [i for i in items if isinstance(i, Rejected)]
    result = {"ok": not bad and bool(valid), "file_error": None, "rows": len(items), "valid": len(valid),
              "rejected": len(bad),
              "errors": [{"row": _row_of(r.detail), "reason": r.reason, "detail": r.detail} for r in bad[:500]],
              "preview": [{"indicator": v.indicator, "scope": v.scope, "period": v.period, "value": v.value,
                           "numerator": v.numerator, "denominator": v.denominator, "note": v.note}
                          for v in valid[:PREVIEW_ROWS]],
              "stored": 0}
    if not dry_run:
        writer = Writer(engine or get_engine(), now=now)
        stats = writer.write(items)   # good rows are stored, bad ones kept in rejects with their reason
        result["stored"] = stats.stored["indicator_values"]
        result["updated"] = len(valid) - stats.stored["indicator_values"]
    return result


def import_file(path: str | Path, source: str = "file", dry_run: bool = False, engine: Engine | None = None) -> dict:
    path = Path(path)
    if not path.is_file():
        return {"ok": False, "file_error": f"no such file: {path}", "rows": 0, "valid": 0, "rejected": 0,
                "errors": [], "preview": [], "stored": 0}
    return import_bytes(path.read_bytes(), path.name, source=source, dry_run=dry_run, engine=engine)


def _row_of(detail: str) -> int | None:
    if detail and detail.startswith("row "):
        try:
            return int(detail[4:].split(":", 1)[0])
        except ValueError:
            return None
    return None
