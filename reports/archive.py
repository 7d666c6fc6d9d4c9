"""The report archive: finished weekly reports under REPORTS_DIR (data/reports/), one PDF and one XLSX a
week, named `bao-cao-tuan-2026-W47.pdf`. A new run for the same week replaces its files (written to a
temporary name first and moved, so a download never gets half a file)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from core.settings import get_settings

NAME = re.compile(r"^bao-cao-tuan-(\d{4})-W(\d{2})\.(pdf|xlsx)$")


@dataclass(frozen=True)
class ArchivedFile:
    name: str
    week: str          # "2026-W47"
    made: datetime     # UTC
    size: int


def folder() -> Path:
    path = Path(get_settings().reports_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def week_key(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def name_for(monday: date, fmt: str) -> str:
    return f"bao-cao-tuan-{week_key(monday)}.{fmt}"


def save(monday: date, fmt: str, body: bytes) -> Path:
    path = folder() / name_for(monday, fmt)
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
    """Newest week first; PDF before XLSX."""
    out = []
    for path in folder().iterdir():
        m = NAME.match(path.name)
        if m and path.is_file():
            stat = path.stat()
            out.append(ArchivedFile(path.name, f"{m[1]}-W{m[2]}", datetime.fromtimestamp(stat.st_mtime, timezone.utc),
                                    stat.st_size))
    return sorted(out, key=lambda f: (f.week, f.name.endswith(".pdf")), reverse=True)
