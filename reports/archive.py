"""The report archive: finished weekly reports under REPORTS_DIR (data/reports/), one PDF and one XLSX a
week and commune, named `bao-cao-tuan-quang_tho-2026-W47.pdf` (the commune's id: ASCII, unique, and
what `?xa=` and `manage.py report --commune` say). Files named before communes had their own reports
(`bao-cao-tuan-2026-W47.pdf`) are the default commune's. A new run for the same week and commune replaces
its files (written to a temporary name first and moved, so a download never gets half a file).

Beside the files, one small run record a week and commune (`.runs/<commune>-<week>.json`): whether the
last run made it, failed (with a reference to find it in the log) or made it but could not mail it, and
when it was mailed. The reports page shows the failures, and a run of the same week mails only once;
like the files, the record of a week is replaced, never appended to."""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from core.settings import get_settings

NAME = re.compile(r"^bao-cao-tuan-(?:([A-Za-z0-9_-]{1,64})-)?(\d{4})-W(\d{2})\.(pdf|xlsx)$")
UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class ArchivedFile:
    name: str
    week: str          # "2026-W47"
    commune: str | None   # the commune's id as in the name (None: a file named before, the default commune's)
    made: datetime     # UTC
    size: int


def folder() -> Path:
    path = Path(get_settings().reports_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def week_key(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def name_part(commune: str) -> str:
    """A commune id as it appears in a file name (ids are plain already; anything else becomes `_`)."""
    return UNSAFE.sub("_", commune)[:64]


def name_for(monday: date, fmt: str, commune: str | None = None) -> str:
    middle = f"{name_part(commune)}-" if commune else ""
    return f"bao-cao-tuan-{middle}{week_key(monday)}.{fmt}"


def commune_of(name: str) -> str | None:
    """The commune part of an archive name (None: none, a file of the default commune)."""
    m = NAME.match(name) if isinstance(name, str) else None
    return m[1] if m else None


def save(monday: date, fmt: str, body: bytes, commune: str | None = None) -> Path:
    path = folder() / name_for(monday, fmt, commune)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(body)
    os.replace(tmp, path)
    return path


def file_path(name: str) -> Path | None:
    """The archived file of that name, or None: anything but an archive name (a path, `..`) is refused."""
    if not isinstance(name, str) or not NAME.match(name):
        return None
    path = folder() / name
    return path if path.is_file() else None


def files() -> list[ArchivedFile]:
    """Newest week first, then by commune; PDF before XLSX."""
    out = []
    for path in folder().iterdir():
        m = NAME.match(path.name)
        if m and path.is_file():
            stat = path.stat()
            out.append(ArchivedFile(path.name, f"{m[2]}-W{m[3]}", m[1],
                                    datetime.fromtimestamp(stat.st_mtime, timezone.utc), stat.st_size))
    return sorted(out, key=lambda f: (f.week, f.commune or "", f.name.endswith(".pdf")), reverse=True)


# --- what the last run of a week and commune did ----------------------------------------------------------

RUNS = ".runs"
RUN_NAME = re.compile(r"^([A-Za-z0-9_-]{1,64})-(\d{4})-W(\d{2})\.json$")
DEFAULT_PART = "_"          # a run with no commune (a store with none yet)


@dataclass(frozen=True)
class RunRecord:
    commune: str | None    # the commune's id (None: the default, before communes)
    week: str              # "2026-W47"
    state: str             # made | failed | mail_failed
    at: str                # ISO 8601 UTC of the run's end
    ref: str | None = None         # the log's reference of a failure
    error: str | None = None       # the exception's class name (what, not the message: that stays in the log)
    mailed: str | None = None      # ISO 8601 UTC when this week's pair was mailed

    @property
    def failed(self) -> bool:
        return self.state != "made"

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.at)


def _runs_folder() -> Path:
    path = folder() / RUNS
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run_path(monday: date, commune: str | None) -> Path:
    return _runs_folder() / f"{name_part(commune) if commune else DEFAULT_PART}-{week_key(monday)}.json"


def run_record(monday: date, commune: str | None) -> RunRecord | None:
    """The last run of that week and commune, or None (never run, or a record that cannot be read)."""
    return _read_run(_run_path(monday, commune))


def _read_run(path: Path) -> RunRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunRecord(**{k: data.get(k) for k in RunRecord.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return None


def record_run(monday: date, commune: str | None, state: str, *, ref: str | None = None, error: str | None = None,
               mailed: str | None = None, now: datetime | None = None) -> RunRecord:
    """Replace the record of that week and commune (atomically, as the files)."""
    record = RunRecord(commune, week_key(monday), state, (now or datetime.now(timezone.utc)).isoformat(),
                       ref, error, mailed)
    path = _run_path(monday, commune)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(asdict(record), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return record


def runs() -> list[RunRecord]:
    """Every run record, newest week first."""
    out = []
    for path in _runs_folder().iterdir():
        if RUN_NAME.match(path.name):
            record = _read_run(path)
            if record is not None:
                out.append(record)
    return sorted(out, key=lambda r: (r.week, r.commune or ""), reverse=True)
