"""Saving the walls file (core/walls.py) from /admin/walls: administrators only, checked in full before a
byte is written, written atomically with the previous file kept, audited with what changed in short.

Validation has two halves: the file's own shape (pydantic, core.walls) and what it refers to (panels of
the registry, pages of the app, villages and devices of the site, known filters), so a wall never meets a
slide it cannot draw. Either way nothing is saved and every reason is given in words (WallsInvalid).
A save made from an older version of the file than the one on disk is refused (WallsConflict): two
administrators never overwrite each other unknowingly. Open walls pick the new file up at their next
configuration poll (pages/wall.py); every worker reads it again at its next request (core.walls.get_walls)."""
from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

from commands.base import Actor, audit, requires
from core.errors import AppError
from core.walls import (Problem, WallsFile, WallsInvalid, describe_changes, dump_walls, forget_walls, header_of,
                        parse_walls, problems_of, text_version, walls_path, where_of)

log = logging.getLogger(__name__)

MAX_WALLS_BYTES = 200_000         # the shipped file is 6 kB; a callback body is capped at 1 MB (layouts/guards.py)
KEEP_BACKUPS = 10
FILTER_KEYS = ("period", "village", "device", "parameter", "start", "end")


class WallsConflict(AppError):
    """The file changed on disk since the editor read it."""


class WallsWriteFailed(AppError):
    """The file could not be written (read-only folder, disk full); the old file is untouched."""


def reference_problems(walls: WallsFile, raw: dict, pages: Collection[str] | None = None) -> list[Problem]:
    """What the file names that does not exist: alert rules, panels, pages (when the app's list is given),
    filters and their values, cycle values."""
    from alerts.rules import get_rules
    from core.site import get_site
    from domain.parameters import PARAMETERS
    from panels import REGISTRY
    from queries.windows import PERIODS
    site = get_site()
    villages = {v.id for v in site.villages}
    devices = {d.id for d in site.devices}
    rule_ids = {r.id for r in get_rules().rules}
    found: list[Problem] = []
    for w, wall in enumerate(walls.walls):
        for i, rule in enumerate(wall.alarm_rules):
            if rule not in rule_ids:
                found.append(Problem(where_of(("walls", w, "alarm_rules", i), raw), "walls.problem.unknown_rule",
                                     {"value": rule[:60]}))
        for p, playlist in enumerate(wall.playlists):
            for s, slide in enumerate(playlist.slides):
                base = ("walls", w, "playlists", p, "slides", s)
                for i, panel in enumerate(slide.panels):
                    if panel not in REGISTRY:
                        found.append(Problem(where_of(base + ("panels", i), raw), "walls.problem.unknown_panel",
                                             {"value": panel[:60]}))
                if slide.page and pages is not None and slide.page not in pages:
                    found.append(Problem(where_of(base + ("page",), raw), "walls.problem.unknown_page",
                                         {"value": slide.page[:60]}))
                for key, value in slide.filters.items():
                    where = where_of(base + ("filters", key), raw)
                    if key not in FILTER_KEYS:
                        found.append(Problem(where, "walls.problem.unknown_filter", {"value": key[:40]}))
                    elif (key == "period" and value not in PERIODS) or (key == "village" and value not in villages) \
                            or (key == "device" and value not in devices) or (key == "parameter" and value not in PARAMETERS):
                        found.append(Problem(where, "walls.problem.unknown_value", {"value": value[:60]}))
                if slide.cycle is not None:
                    known = villages if slide.cycle.variable == "village" else devices
                    for i, value in enumerate(slide.cycle.values):
                        if value not in known:
                            found.append(Problem(where_of(base + ("cycle", "values", i), raw),
                                                 "walls.problem.unknown_value", {"value": value[:60]}))
    return found


def _backup_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        n += 1
    return candidate


def _prune_backups(path: Path) -> None:
    backups = sorted(path.parent.glob(f"{path.name}.*.bak"), key=lambda b: b.stat().st_mtime_ns)
    for old in backups[:-KEEP_BACKUPS]:
        try:
            old.unlink()
        except OSError:
            log.warning("could not remove old walls backup %s", old.name)


def _write(path: Path, text: str) -> Path | None:
    """Copy the current file aside, then put the new text in place with one rename (a reader sees the old
    file or the new one, never half of one). Returns the backup's path."""
    backup = None
    if path.exists():
        backup = _backup_name(path)
        backup.write_bytes(path.read_bytes())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    _prune_backups(path)
    return backup


def _save(actor: Actor, text: str, expected_version: str | None, pages: Collection[str] | None,
          walls: WallsFile | None = None, raw: dict | None = None) -> tuple[WallsFile, str, str]:
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_WALLS_BYTES:
        audit(actor, "walls.save", "walls", "failed", "too large")
        raise WallsInvalid([Problem((), "walls.problem.too_large", {"limit": MAX_WALLS_BYTES // 1000})])
    try:
        if walls is None:
            walls = parse_walls(text)
            import yaml
            raw = yaml.safe_load(text)
        problems = reference_problems(walls, raw or {}, pages)
        if problems:
            raise WallsInvalid(problems)
    except WallsInvalid as err:
        audit(actor, "walls.save", "walls", "failed", "invalid: " + str(err)[:300])
        raise
    path = walls_path()
    lock = os.open(path.parent, os.O_RDONLY)       # one save at a time, across workers
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        before_text = path.read_text(encoding="utf-8") if path.exists() else ""
        if expected_version is not None and before_text and text_version(before_text) != expected_version:
            audit(actor, "walls.save", "walls", "failed", "changed on disk since it was opened")
            raise WallsConflict("walls.conflict")
        try:
            before = parse_walls(before_text) if before_text else None
        except WallsInvalid:
            before = None                          # a file broken by hand is replaced, and said so below
        try:
            backup = _write(path, text)
        except OSError as err:
            audit(actor, "walls.save", "walls", "failed", f"write: {err.__class__.__name__}")
            raise WallsWriteFailed("walls.write_failed", detail=str(err.strerror or err)[:120]) from err
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    forget_walls()
    summary = describe_changes(before, walls) if before is not None else "replaced a file that did not validate"
    audit(actor, "walls.save", "walls", "ok", f"{summary} (backup: {backup.name if backup else '—'})")
    return walls, text_version(text), summary


@requires("administrator", "walls.save")
def save_walls_text(actor: Actor, text: str, expected_version: str | None = None,
                    pages: Collection[str] | None = None) -> tuple[WallsFile, str, str]:
    """Save the file as typed (the advanced view keeps the administrator's comments and layout).
    Returns (walls, new version, what changed in short)."""
    return _save(actor, text, expected_version, pages)


@requires("administrator", "walls.save")
def save_walls_data(actor: Actor, data: dict, expected_version: str | None = None,
                    pages: Collection[str] | None = None) -> tuple[WallsFile, str, str]:
    """Save what the structured editor built: validated, written as tidy YAML under the current file's
    header comment."""
    from pydantic import ValidationError
    raw = data if isinstance(data, dict) else {}
    try:
        walls = WallsFile.model_validate(raw)
    except ValidationError as err:
        problems = problems_of(err, raw)
        audit(actor, "walls.save", "walls", "failed", "invalid: " + "; ".join(p.text("en") for p in problems[:5])[:300])
        raise WallsInvalid(problems) from err
    path = walls_path()
    header = header_of(path.read_text(encoding="utf-8")) if path.exists() else ""
    return _save(actor, dump_walls(walls, header), expected_version, pages, walls, raw)


@requires("administrator", "walls.read")
def read_walls_text(actor: Actor) -> tuple[str, str]:
    """(the file's text, its version), for the editor."""
    text = walls_path().read_text(encoding="utf-8")
    return text, text_version(text)
