"""The wall displays: which screens exist, what each rotates through and when.

One YAML file (WALLS_FILE, default sites/walls.yaml), edited by an administrator in the app
(/wall-admin) or by hand. Each wall has playlists chosen by the local time of day; a playlist is slides;
a slide is a purpose-built layout of panels or a page, with its own filters and duration, and may cycle
through a variable (each village, each pond station, each camera: "20 s each"). Checked by pydantic:
an error names the entry, and a file that does not validate is never saved."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
            raise ValueError("a device cycle needs `kind` (e.g. water_station) or `values`")
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
            raise ValueError("a slide has either `panels` or `page`")
        return self


class Playlist(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    hours: tuple[int, int] | None = None     # [from, to) in local hours, may wrap midnight: [22, 6]
    slides: list[Slide] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _hours(self) -> "Playlist":
        if self.hours and not all(0 <= h <= 24 for h in self.hours):
            raise ValueError(f"playlist {self.name!r}: hours are 0-24")
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
    playlists: list[Playlist] = Field(min_length=1)
    alarm_severities: list[Severity] = Field(default_factory=lambda: ["critical", "high"])
    alarm_hold_s: int = Field(default=900, ge=0)   # an unacknowledged alarm holds the screen this long (0: until acknowledged)
    sound: bool = True

    def playlist_at(self, hour: int) -> Playlist:
        """The first playlist whose hours include `hour`; a playlist without hours is the fallback."""
        timed = [p for p in self.playlists if p.hours is not None and p.active_at(hour)]
        if timed:
            return timed[0]
        return next((p for p in self.playlists if p.hours is None), self.playlists[0])


class WallsFile(_Strict):
    walls: list[Wall] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "WallsFile":
        names = [w.name for w in self.walls]
        if len(set(names)) != len(names):
            raise ValueError("two walls share a name")
        return self

    def wall(self, name: str | None) -> Wall | None:
        if not name:
            return self.walls[0]
        return next((w for w in self.walls if w.name == name), None)


_cache: dict[Path, tuple[float, WallsFile]] = {}


def get_walls() -> WallsFile:
    """The walls file, read again when it changes on disk (an edit in /wall-admin applies to every
    worker at the next slide without a restart)."""
    path = Path(get_settings().walls_file)
    mtime = path.stat().st_mtime
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        _cache[path] = (mtime, load_yaml_model(path, WallsFile))
    return _cache[path][1]


def parse_walls(text: str) -> WallsFile:
    """The text an administrator typed, validated; raises SiteConfigError / ValueError with the entry."""
    raw = yaml.safe_load(text) or {}
    return WallsFile.model_validate(raw)


def save_walls(text: str) -> WallsFile:
    """Validate, then replace the file atomically (a half-written file is never read)."""
    walls = parse_walls(text)
    path = Path(get_settings().walls_file)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return walls


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
