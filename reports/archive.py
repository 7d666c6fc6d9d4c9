"""The report archive: finished weekly reports under REPORTS_DIR (data/reports/), one PDF and one XLSX a
week and commune, named `bao-cao-tuan-quang_tho-2026-W47.pdf` (the commune's id: ASCII, unique, and
what `?xa=` and `manage.py report --commune` say). Files named before communes had their own reports
(`bao-cao-tuan-2026-W47.pdf`) are the default commune's. A new run for the same week and commune replaces
its files (written to a temporary name first and moved, so a download never gets half a file)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
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
