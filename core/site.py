"""The site file: one YAML per commune listing villages and devices. Adding a camera is one entry.
Errors name the entry so an operator can fix the file without reading code."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import SiteConfigError

DeviceKind = Literal["water_station", "air_station", "water_gauge", "rain_gauge", "camera", "wifi", "loudspeaker"]
SourceName = Literal["sensorthings", "frigate", "open311", "indicators", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Commune(_Strict):
    id: str
    name: str
    name_en: str
    parent: str = ""
    city: str = ""
    center: tuple[float, float]  # lat, lon
    zoom: int = 13
    simulated: bool = False


class Village(_Strict):
    id: str
    name: str
    center: tuple[float, float]
    outline: list[tuple[float, float]] = Field(default_factory=list)
    population: int | None = None
    households: int | None = None


class FloodLevels(_Strict):
    """Báo động I/II/III in metres at this gauge (Decision 05/2020/QĐ-TTg); configurable, not invented."""
    river: str
    station: str
    alarm_1: float
    alarm_2: float
    alarm_3: float
    note: str = ""


class Device(_Strict):
    id: str
    kind: DeviceKind
    name: str
    village: str | None = None
    lat: float | None = None
    lon: float | None = None
    source: SourceName = "none"
    external_id: str | None = None   # Thing @iot.id, Frigate camera name, ...
    parameters: list[str] = Field(default_factory=list)
    role: str | None = None          # cameras: security | traffic | flood_watch
    smart: bool = False
    zones: list[str] = Field(default_factory=list)
    flood_levels: FloodLevels | None = None


class Service(_Strict):
    """A scene-report category. The reply deadline counts working days unless the law behind the category
    counts calendar days (complaints, denunciations: DOMAIN.md §3.5); then `deadline_calendar_days` is set."""
    code: str
    name: str
    name_en: str
    group: str = ""
    deadline_working_days: int = Field(15, ge=0)
    deadline_calendar_days: int | None = Field(None, ge=0)

    def deadline(self) -> tuple[int, str]:
        """(days, "working" | "calendar")."""
        if self.deadline_calendar_days is not None:
            return self.deadline_calendar_days, "calendar"
        return self.deadline_working_days, "working"


class WorkCalendar(_Strict):
    """Corrections to the national holiday schedule of the `holidays` package for this site: days off it
    does not know yet (a late Government decision, a provincial day) and days worked (a make-up Saturday).
    A listed day wins over the package; `note` says which decision the lines come from."""
    days_off: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _no_day_twice(self) -> "WorkCalendar":
        both = set(self.days_off) & set(self.working_days)
        if both:
            raise ValueError(f"calendar: {sorted(both)[0].isoformat()} is both a day off and a working day")
        return self


class Cadence(_Strict):
    """How often a source is polled and how often its things report (seconds). Freshness is judged
    against these: late after two intervals, stale after three, down after N failed polls in a row.
    `data_interval_s` is left out for sources whose records are events (silence there is normal)."""
    poll_interval_s: int | None = Field(default=None, gt=0)
    data_interval_s: int | None = Field(default=None, gt=0)
    down_after_failures: int = Field(default=3, ge=1)
    mqtt: str | None = None   # sensorthings: the broker its server publishes to (live push; MQTT_URL overrides)


class DatastreamMapping(_Strict):
    """An operator's word on a SensorThings Datastream, overriding the vocabulary's guess: either the
    Datastream @iot.id, or the Thing (its name or @iot.id) with the ObservedProperty name.
    `unit` replaces the server's declared unitOfMeasurement symbol where that one is wrong or missing."""
    datastream: str | None = None
    thing: str | None = None
    observed_property: str | None = None
    device: str
    parameter: str
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _ids_as_text(cls, data):
        # YAML reads `datastream: 12` as a number; an @iot.id is compared as text
        if isinstance(data, dict):
            return {k: (str(v) if k in ("datastream", "thing") and isinstance(v, (int, float)) else v)
                    for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _one_way_to_find_it(self) -> "DatastreamMapping":
        if self.datastream is None and not (self.thing and self.observed_property):
            raise ValueError("give `datastream` (its @iot.id), or `thing` and `observed_property`")
        return self


class ReportForm(_Strict):
    """How the commune signs its weekly report (Decree 30/2020/NĐ-CP): the issuing body, the place in
    "…, ngày … tháng … năm …", the signature block and the recipients ("Nơi nhận")."""
    issuer: str = "UBND XÃ"
    place: str = ""
    symbol: str = "BC-UBND"
    signer_capacity: str = "TM. ỦY BAN NHÂN DÂN"
    signer_title: str = "CHỦ TỊCH"
    signer_name: str = ""
    recipients: list[str] = Field(default_factory=lambda: ["Lưu: VT"])


class Site(_Strict):
    commune: Commune
    villages: list[Village]
    devices: list[Device]
    services: list[Service] = Field(default_factory=list)
    sources: dict[SourceName, Cadence] = Field(default_factory=dict)
    device_kinds: dict[DeviceKind, int] = Field(default_factory=dict)   # seconds between reports
    calendar: WorkCalendar = Field(default_factory=WorkCalendar)
    datastreams: list[DatastreamMapping] = Field(default_factory=list)   # SensorThings mappings
    report: ReportForm = Field(default_factory=ReportForm)               # the weekly report's form

    @model_validator(mode="after")
    def _check_refs(self) -> "Site":
        village_ids = {v.id for v in self.villages}
        seen: set[str] = set()
        for d in self.devices:
            if d.id in seen:
                raise ValueError(f"device {d.id!r} listed twice")
            seen.add(d.id)
            if d.village is not None and d.village not in village_ids:
                raise ValueError(f"device {d.id!r}: unknown village {d.village!r}")
        for i, m in enumerate(self.datastreams):
            if m.device not in seen:
                raise ValueError(f"datastreams[{i}]: unknown device {m.device!r}")
        return self

    def village(self, village_id: str) -> Village | None:
        return next((v for v in self.villages if v.id == village_id), None)

    def device(self, device_id: str) -> Device | None:
        return next((d for d in self.devices if d.id == device_id), None)

    def devices_of(self, *kinds: str) -> list[Device]:
        return [d for d in self.devices if d.kind in kinds]


# libyaml's loader where PyYAML has it (its wheels do): the same safe constructors, about ten times faster. With the
# Python one, reading 20 communes' files (each twice: is_commune_file, then the model) was ~2 s of every web
# worker's first request (bench/city.py's 20-commune overview).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: str):
    """yaml.safe_load with libyaml's loader when there is one."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, never the full one


def load_yaml_model(path: Path | str, model: type[BaseModel]):
    """A YAML configuration file validated by a pydantic model; errors name the file and the entry."""
    path = Path(path)
    try:
        raw = safe_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise SiteConfigError("error.site_file", path=str(path), detail=str(err)) from err
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SiteConfigError("error.site_file", path=str(path), detail=f"{where}: {first['msg']}") from err


def load_site(path: Path | str) -> Site:
    return load_yaml_model(path, Site)


def is_commune_file(path: Path | str) -> bool:
    """A commune's site file is a YAML file whose top level has a `commune:` key; the other files in
    `sites/` (walls.yaml, alert_rules.yaml) have none. Files are told apart by what they say, not by
    where they lie, so a deployment can keep every configuration file in one folder."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml"):
        return False
    try:
        raw = safe_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SiteConfigError("error.site_file", path=str(path), detail=str(err)) from err
    return isinstance(raw, dict) and "commune" in raw


def commune_files(site_file: Path | str) -> list[Path]:
    """SITE_FILE first (the default commune), then every other commune file beside it, by name."""
    first = Path(site_file)
    others = sorted(p for p in first.parent.glob("*.y*ml")
                    if p.resolve() != first.resolve() and is_commune_file(p))
    return [first, *others]


def check_sites(sites: list[Site], paths: list[Path]) -> None:
    """Ids the store keeps in one table (communes, villages, devices) and what a shared source names
    (a SensorThings Thing, a Frigate camera) must not repeat across communes."""
    seen: dict[tuple[str, str], Path] = {}
    for site, path in zip(sites, paths):
        keys = [("commune", site.commune.id)] + [("village", v.id) for v in site.villages] + \
               [("device", d.id) for d in site.devices] + \
               [(f"{d.source} id", d.external_id) for d in site.devices if d.external_id and d.source != "none"]
        for key in keys:
            if key in seen:
                raise SiteConfigError("error.site_file", path=str(path),
                                      detail=f"{key[0]} {key[1]!r} is also in {seen[key].name}")
            seen[key] = path


@lru_cache
def get_sites() -> tuple[Site, ...]:
    """Every commune this deployment serves, the default one (SITE_FILE) first. These files are the
    input of `migrate` and of ingest; pages read the site from the store (queries/site.py)."""
    from core.settings import get_settings
    paths = commune_files(get_settings().site_file)
    sites = [load_site(p) for p in paths]
    check_sites(sites, paths)
    return tuple(sites)


@lru_cache
def get_site(commune_id: str | None = None) -> Site:
    """One commune's site file (None: the default commune's: SITE_FILE alone, since what the web asks of it,
    the cadence of sources and device kinds, is the deployment's; reading every commune's file for it was a
    first request's longest part in a city of 20 communes)."""
    if commune_id is None:
        from core.settings import get_settings
        return load_site(get_settings().site_file)
    sites = get_sites()
    for s in sites:
        if s.commune.id == commune_id:
            return s
    raise SiteConfigError("error.site_file", path=commune_id, detail="no such commune")


def find_device(device_id: str) -> Device | None:
    """A device of any commune's site file."""
    return next((d for s in get_sites() if (d := s.device(device_id)) is not None), None)


def _clear_caches() -> None:
    get_sites.cache_clear()
    _get_site_cached_clear()


_get_site_cached_clear = get_site.cache_clear
get_site.cache_clear = _clear_caches   # clearing get_site (tests, bench) re-reads every file
