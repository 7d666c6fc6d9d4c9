"""The wall displays: which screens exist, what each rotates through and when.

One YAML file (WALLS_FILE, default sites/walls.yaml), edited by an administrator in the app
(/admin/walls, saved by commands/walls.py) or by hand. Each wall has playlists chosen by the local time of day; a playlist is slides;
a slide is a purpose-built layout of panels or a page, with its own filters and duration, and may cycle
through a variable (each village, each pond station, each camera: "20 s each"). Checked by pydantic:
an error names the entry, and a file that does not validate is never saved."""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from core.settings import get_settings
from core.site import DeviceKind, Site, load_yaml_model

Severity = Literal["critical", "high", "medium", "low", "info"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cycle(_Strict):
    """Show the slide once per value: `village` (every village of the site, or `values`) or `device`
    (every device of `kind`, or `values`), `each_s` seconds each."""
    variable: Literal["village", "device"]
    kind: DeviceKind | None = None
    values: list[str] = Field(default_factory=list)
    each_s: int = Field(default=20, ge=3, le=3600)

    @model_validator(mode="after")
    def _kind_for_devices(self) -> "Cycle":
        if self.variable == "device" and not self.kind and not self.values:
            raise PydanticCustomError("walls.cycle_kind", "a device cycle needs `kind` (e.g. water_station) or `values`")
        return self


class Slide(_Strict):
    title_vi: str = ""
    title_en: str = ""
    panels: list[str] = Field(default_factory=list, max_length=12)
    page: str | None = None                  # a page's path ("/environment") instead of panels
    duration_s: int = Field(default=30, ge=3, le=3600)
    filters: dict[str, str] = Field(default_factory=dict)
    cycle: Cycle | None = None
    columns: int = Field(default=3, ge=1, le=6)

    @model_validator(mode="after")
    def _one_kind(self) -> "Slide":
        if bool(self.panels) == bool(self.page):
            raise PydanticCustomError("walls.one_kind", "a slide has either `panels` or `page`")
        return self


class Playlist(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    hours: tuple[int, int] | None = None     # [from, to) in local hours, may wrap midnight: [22, 6]
    slides: list[Slide] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _hours(self) -> "Playlist":
        if self.hours and not all(0 <= h <= 24 for h in self.hours):
            raise PydanticCustomError("walls.hours", "playlist {name}: hours are 0-24", {"name": self.name})
        return self

    def active_at(self, hour: int) -> bool:
        if self.hours is None:
            return True
        start, end = self.hours
        return start <= hour < end if start <= end else (hour >= start or hour < end)


class Wall(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    title_vi: str = ""
    title_en: str = ""
    playlists: list[Playlist] = Field(min_length=1, max_length=24)
    alarm_severities: list[Severity] = Field(default_factory=lambda: ["critical", "high"])
    # the alert rules (sites/alert_rules.yaml ids) whose alerts take this wall; empty: every rule's. A flood
    # screen that took every medium alert was held for weeks by overdue citizen reports
    alarm_rules: list[str] = Field(default_factory=list, max_length=64)
    alarm_hold_s: int = Field(default=900, ge=0)   # an unacknowledged alarm holds the screen this long (0: until acknowledged)
    sound: bool = True

    @model_validator(mode="after")
    def _unique_playlists(self) -> "Wall":
        names = [p.name for p in self.playlists]
        if len(set(names)) != len(names):
            raise PydanticCustomError("walls.duplicate_playlist", "wall {wall}: two playlists share a name",
                                      {"wall": self.name})
        return self

    def playlist_at(self, hour: int) -> Playlist:
        """The first playlist whose hours include `hour`; a playlist without hours is the fallback."""
        timed = [p for p in self.playlists if p.hours is not None and p.active_at(hour)]
        if timed:
            return timed[0]
        return next((p for p in self.playlists if p.hours is None), self.playlists[0])


class WallsFile(_Strict):
    walls: list[Wall] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique(self) -> "WallsFile":
        names = [w.name for w in self.walls]
        if len(set(names)) != len(names):
            raise PydanticCustomError("walls.duplicate_wall", "two walls share a name")
        return self

    def wall(self, name: str | None) -> Wall | None:
        if not name:
            return self.walls[0]
        return next((w for w in self.walls if w.name == name), None)


# path -> (what identifies the file on disk, its text's version, the parsed walls)
_cache: dict[Path, tuple[tuple[int, int, int], str, WallsFile]] = {}


def _stamp(path: Path) -> tuple[int, int, int]:
    """Nanosecond mtime, inode and size: a save replaces the file (new inode), so even two saves within
    the file system's clock tick are told apart."""
    st = path.stat()
    return st.st_mtime_ns, st.st_ino, st.st_size


def walls_path() -> Path:
    return Path(get_settings().walls_file)


def text_version(text: str) -> str:
    """A short fingerprint of the file's text: the editor remembers the version it started from, and a
    save made from an older version is refused instead of overwriting someone else's change."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _load(path: Path) -> tuple[tuple[int, int, int], str, WallsFile]:
    hit = _cache.get(path)
    stamp = _stamp(path)
    if hit is None or hit[0] != stamp:
        text = path.read_text(encoding="utf-8")
        _cache[path] = (stamp, text_version(text), load_yaml_model(path, WallsFile))
    return _cache[path]


def get_walls() -> WallsFile:
    """The walls file, read again when it changes on disk: a save in /admin/walls (or an edit by hand)
    reaches every worker at its next request, and open walls at their next configuration poll."""
    return _load(walls_path())[2]


def walls_version() -> str:
    """The version of the walls file as it is now (see text_version)."""
    return _load(walls_path())[1]


def forget_walls() -> None:
    """Drop what this process has read, so the next get_walls() reads the file again."""
    _cache.clear()


def parse_walls(text: str) -> WallsFile:
    """The text an administrator typed, validated. Raises WallsInvalid listing every problem in words."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise WallsInvalid([Problem((), "walls.problem.yaml",
                                    {"line": (mark.line + 1) if mark else "?",
                                     "detail": str(getattr(err, "problem", None) or err)[:120]})]) from err
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise WallsInvalid([Problem((), "walls.problem.not_mapping", {})])
    try:
        return WallsFile.model_validate(raw)
    except ValidationError as err:
        raise WallsInvalid(problems_of(err, raw)) from err


def dump_walls(walls: WallsFile, header: str = "") -> str:
    """YAML for the file: the header comment kept, empty entries of slides left out, short lists and
    filters on one line (as the shipped file is written)."""
    data = walls.model_dump(mode="json")
    for wall in data["walls"]:
        if not wall.get("alarm_rules"):
            wall.pop("alarm_rules", None)           # every rule's alerts: the default, not written
        for playlist in wall["playlists"]:
            if playlist.get("hours") is None:
                playlist.pop("hours", None)
            for slide in playlist["slides"]:
                for key, empty in (("title_en", ""), ("panels", []), ("page", None), ("filters", {}), ("cycle", None)):
                    if slide.get(key) == empty:
                        slide.pop(key, None)
                cycle = slide.get("cycle") or {}
                for key, empty in (("kind", None), ("values", [])):
                    if cycle.get(key) == empty:
                        cycle.pop(key, None)
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)
    return (header.rstrip("\n") + "\n" if header.strip() else "") + body


def header_of(text: str) -> str:
    """The comment lines at the top of a walls file (its explanation for whoever edits it by hand)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


# --- problems in words ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong in a walls file: where (("wall", "main"), ("playlist", "day"), ("slide", 3), ("field",
    "duration_s")), what (a string key, core/strings/wall.py) and the values the message needs."""
    where: tuple[tuple[str, object], ...]
    key: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        from core.i18n import has, t
        parts = []
        for kind, value in self.where:
            if kind == "field":
                label = f"walls.field.{value}"
                parts.append(t(label, lang) if has(label) else str(value))
            else:
                parts.append(t(f"walls.where.{kind}", lang, value=value))
        values = {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in self.values.items()}
        what = t(self.key, lang, **values) if has(self.key) else str(values.get("msg", self.key))
        return f"{' › '.join(parts)}: {what}" if parts else what


class WallsInvalid(ValueError):
    """The walls file does not validate; `problems` says every reason, in words."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.text("en") for p in problems[:5]))
        self.problems = problems


_KEYS = {"missing": "walls.problem.missing", "extra_forbidden": "walls.problem.unknown_entry",
         "greater_than_equal": "walls.problem.ge", "less_than_equal": "walls.problem.le",
         "string_pattern_mismatch": "walls.problem.name", "too_short": "walls.problem.too_few",
         "too_long": "walls.problem.too_many", "literal_error": "walls.problem.one_of",
         "int_parsing": "walls.problem.integer", "int_type": "walls.problem.integer",
         "int_from_float": "walls.problem.integer", "string_type": "walls.problem.text",
         "bool_type": "walls.problem.yes_no", "bool_parsing": "walls.problem.yes_no",
         "walls.one_kind": "walls.problem.one_kind", "walls.cycle_kind": "walls.problem.cycle_kind",
         "walls.hours": "walls.problem.hours", "walls.duplicate_wall": "walls.problem.duplicate_wall",
         "walls.duplicate_playlist": "walls.problem.duplicate_playlist"}


def where_of(loc: tuple, raw: object) -> tuple[tuple[str, object], ...]:
    """A pydantic location (walls, 0, playlists, 1, slides, 2, duration_s) in the editor's words: the
    wall and playlist by name when they have one, slides counted from 1."""
    out: list[tuple[str, object]] = []
    node = raw
    items = list(loc)
    i = 0
    names = {"walls": "wall", "playlists": "playlist", "slides": "slide"}
    while i < len(items):
        part = items[i]
        if part in names and i + 1 < len(items) and isinstance(items[i + 1], int):
            index = items[i + 1]
            child = node.get(part) if isinstance(node, dict) else None
            entry = child[index] if isinstance(child, list) and 0 <= index < len(child) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            if names[part] == "slide" or not isinstance(name, str) or not name:
                out.append((names[part], index + 1) if names[part] == "slide" else (f"{names[part]}_n", index + 1))
            else:
                out.append((names[part], name[:40]))
            node = entry
            i += 2
            continue
        if isinstance(part, int):          # an item of a list field (panels, hours, values)
            out.append(("item", part + 1))
        else:
            out.append(("field", part))
            node = node.get(part) if isinstance(node, dict) else None
        i += 1
    return tuple(out)


def problems_of(err: ValidationError, raw: object) -> list[Problem]:
    found = []
    for e in err.errors():
        ctx = e.get("ctx") or {}
        key = _KEYS.get(e["type"], "walls.problem.other")
        values = {"msg": e.get("msg", ""), **{k: v for k, v in ctx.items() if isinstance(v, (int, float, str))}}
        if e["type"] == "literal_error":
            values["expected"] = str(ctx.get("expected", ""))
        found.append(Problem(where_of(tuple(e["loc"]), raw), key, values))
    return found


# --- what changed, in short (the audit row) ---------------------------------------------------------------

def describe_changes(old: WallsFile | None, new: WallsFile, limit: int = 12) -> str:
    """"main/day #2: duration_s 25→40; flood: added" — for the audit log, not for reading the file."""
    out: list[str] = []
    before = {w.name: w for w in (old.walls if old else [])}
    after = {w.name: w for w in new.walls}
    out += [f"{n}: added" for n in after if n not in before]
    out += [f"{n}: removed" for n in before if n not in after]
    for name, wall in after.items():
        if name not in before:
            continue
        was = before[name]
        fields = [f for f in Wall.model_fields if f not in ("name", "playlists") and getattr(was, f) != getattr(wall, f)]
        if fields:
            out.append(f"{name}: {', '.join(fields)}")
        if [p.name for p in was.playlists] != [p.name for p in wall.playlists] and \
                sorted(p.name for p in was.playlists) == sorted(p.name for p in wall.playlists):
            out.append(f"{name}: playlists reordered")
        old_pl = {p.name: p for p in was.playlists}
        new_pl = {p.name: p for p in wall.playlists}
        out += [f"{name}/{p}: added" for p in new_pl if p not in old_pl]
        out += [f"{name}/{p}: removed" for p in old_pl if p not in new_pl]
        for pname, pl in new_pl.items():
            prev = old_pl.get(pname)
            if prev is None:
                continue
            where = f"{name}/{pname}"
            if prev.hours != pl.hours:
                out.append(f"{where}: hours {_short(prev.hours)}→{_short(pl.hours)}")
            # slides matched as a sequence: an inserted slide reads "+#2", not "every later slide changed"
            keys_a = [s.model_dump_json() for s in prev.slides]
            keys_b = [s.model_dump_json() for s in pl.slides]
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=keys_a, b=keys_b, autojunk=False).get_opcodes():
                if op == "equal":
                    continue
                if op == "replace" and i2 - i1 == j2 - j1:
                    for i, j in zip(range(i1, i2), range(j1, j2)):
                        a, b = prev.slides[i], pl.slides[j]
                        changed = [f"{f} {_short(getattr(a, f))}→{_short(getattr(b, f))}"
                                   if f in ("duration_s", "columns", "page") else f
                                   for f in Slide.model_fields if getattr(a, f) != getattr(b, f)]
                        out.append(f"{where} #{j + 1}: {', '.join(changed)}")
                    continue
                out += [f"{where} -#{i + 1}" for i in range(i1, i2)]
                out += [f"{where} +#{j + 1}" for j in range(j1, j2)]
    if not out:
        return "no change"
    return "; ".join(out[:limit]) + (f"; … (+{len(out) - limit})" if len(out) > limit else "")


def _short(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (tuple, list)):
        return "-".join(map(str, value))
    return str(value)[:40]


def cycle_values(slide: Slide, site: Site) -> list[tuple[str | None, str]]:
    """(value, label) for each step of a slide: one step with no value unless it cycles."""
    if slide.cycle is None:
        return [(None, "")]
    if slide.cycle.variable == "village":
        ids = slide.cycle.values or [v.id for v in site.villages]
        return [(i, site.village(i).name if site.village(i) else i) for i in ids]
    ids = slide.cycle.values or [d.id for d in site.devices_of(slide.cycle.kind)]
    return [(i, site.device(i).name if site.device(i) else i) for i in ids]


def playlist_steps(wall: Wall, site: Site) -> list[dict]:
    """Each playlist as the steps a screen walks through: slide index, cycle value, its label, seconds."""
    out = []
    for playlist in wall.playlists:
        flat = [{"slide": index, "value": value, "label": label,
                 "duration": slide.cycle.each_s if slide.cycle else slide.duration_s}
                for index, slide in enumerate(playlist.slides) for value, label in cycle_values(slide, site)]
        out.append({"name": playlist.name, "hours": list(playlist.hours) if playlist.hours else None, "steps": flat})
    return out
