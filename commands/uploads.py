"""Indicator files uploaded from the Data page: the preview (dry run) and the import both need an
operator; the import is audited with the file name and counts, and drops the indicator caches."""
from __future__ import annotations

from commands.base import Actor, audit, requires


@requires("operator", "data.preview")
def preview_indicators(actor: Actor, content: bytes, filename: str) -> dict:
    from ingest.files import import_bytes
    return import_bytes(content, filename or "upload.csv", dry_run=True)


@requires("operator", "data.import")
def import_indicators(actor: Actor, content: bytes, filename: str) -> dict:
    from ingest.files import import_bytes
    from queries.cache import invalidate
    result = import_bytes(content, filename or "upload.csv", dry_run=False)
    invalidate("indicators", "health")
    outcome = "failed" if result.get("file_error") else "ok"
    audit(actor, "data.import", filename or "upload.csv", outcome,
          f"stored={result.get('stored', 0)} updated={result.get('updated', 0)} rejected={result.get('rejected', 0)}"
          + (f" error={result['file_error']}" if result.get("file_error") else ""))
    return result
