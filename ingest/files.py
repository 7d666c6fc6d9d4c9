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
    items, duplicates = _last_of_each_key(items)
    valid = [i for i in items if isinstance(i, IndicatorRecord)]
    bad = [i for i in items if isinstance(i, Rejected)]
    result = {"ok": not bad and bool(valid), "file_error": None, "rows": len(items), "valid": len(valid),
              "rejected": len(bad),
              "errors": [{"row": _row_of(r.detail), "reason": r.reason, "detail": r.detail} for r in bad[:500]],
              "preview": [{"indicator": v.indicator, "scope": v.scope, "period": v.period, "value": v.value,
                           "numerator": v.numerator, "denominator": v.denominator, "note": v.note}
                          for v in valid[:PREVIEW_ROWS]],
              "stored": 0, "duplicates": duplicates}
    if not dry_run:
        writer = Writer(engine or get_engine(), now=now)
        stats = writer.write(items)   # good rows are stored, bad ones kept in rejects with their reason
        result["stored"] = stats.stored["indicator_values"]
        result["updated"] = len(valid) - stats.stored["indicator_values"]
    return result


def _last_of_each_key(items: list) -> tuple[list, int]:
    """A file that gives the same indicator, scope and period twice keeps its later row, as a person
    correcting a figure further down would expect; the earlier ones are counted as duplicates, not as
    values "updated" (100 000 rows over 12 keys store 12 values)."""
    last: dict[tuple, int] = {}
    for n, item in enumerate(items):
        if isinstance(item, IndicatorRecord):
            last[(item.indicator, item.scope, item.period)] = n
    keep = set(last.values())
    kept = [i for n, i in enumerate(items) if not isinstance(i, IndicatorRecord) or n in keep]
    return kept, len(items) - len(kept)


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
