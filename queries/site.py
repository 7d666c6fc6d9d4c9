"""The communes, their villages and devices, as the pages and the map need them: read from the store
(the site files are the input of `migrate`, not something a page reads)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from core.errors import BadParam
from queries.base import frame, records
from queries.cache import memoize
from store.engine import get_engine
from store.models import Commune, Device, Series, Service, Village

DEVICE_COLUMNS = ["id", "kind", "name", "village_id", "lat", "lon", "source", "external_id", "role", "simulated",
                  "from_site_file", "properties", "commune_id"]
COMMUNE_COLUMNS = ["id", "name", "name_en", "parent", "city", "center_lat", "center_lon", "zoom", "simulated", "position"]


@memoize("site", expire=300, local=True)
def communes() -> pd.DataFrame:
    """Every commune of the deployment, the default one (SITE_FILE's) first. Kept in each process's memory
    too (a handful of rows read by every request's access check), under the "site" tag's version."""
    t = Commune.__table__
    return frame(select(*[t.c[c] for c in COMMUNE_COLUMNS]).order_by(t.c.position, t.c.id), COMMUNE_COLUMNS)


@memoize("site", expire=300, local=True)
def commune_ids() -> list[str]:
    """The communes' ids, in order: read by every request's access check (auth.communes), so kept as a
    plain list in each process's memory (no frame copied, nothing unpickled)."""
    return list(communes()["id"])


def default_commune() -> str | None:
    ids = commune_ids()
    return ids[0] if ids else None


def commune(commune_id: str | None = None) -> dict:
    """One commune's row (None: the default commune); {} when the store has none."""
    rows = commune_rows()
    if commune_id is None:
        commune_id = default_commune()
    return dict(rows.get(commune_id) or {})


@memoize("site", expire=300, local=True)
def commune_rows() -> dict[str, dict]:
    """Every commune's row by id, kept in each process's memory: a page names its commune once per panel
    (the scope under each figure) and the commune switcher names every commune, so looking one up must not
    convert the whole communes frame each time (that was O(communes) a lookup, O(communes²) a layout)."""
    return {r["id"]: r for r in records(communes())}


def check_commune(value: str | None) -> str | None:
    """The commune a URL or a filter names, checked against the store (None: the default commune)."""
    return _checked_commune(value, commune_ids())


def check_communes(values) -> dict:
    """check_commune of each value with one read of the communes: {value: its commune id, or the BadParam
    refusing it} (the city page resolves every commune of every column)."""
    ids = commune_ids()
    out = {}
    for value in values:
        try:
            out[value] = _checked_commune(value, ids)
        except BadParam as err:
            out[value] = err
    return out


def _checked_commune(value, ids: list[str]) -> str | None:
    if value is None or value == "":
        return ids[0] if ids else None
    if not isinstance(value, str) or value not in set(ids):
        raise BadParam("error.unknown_commune", value=str(value)[:40])
    return value


@memoize("site", expire=300)
def villages(commune: str | None = None) -> pd.DataFrame:
    t = Village.__table__
    stmt = select(t.c.id, t.c.name, t.c.center_lat, t.c.center_lon, t.c.outline, t.c.population,
                  t.c.households, t.c.commune_id).order_by(t.c.id)
    if commune:
        stmt = stmt.where(t.c.commune_id == commune)
    return frame(stmt, ["id", "name", "center_lat", "center_lon", "outline", "population", "households", "commune_id"])


def village_names(commune: str | None = None) -> dict[str, str]:
    """Village id -> name (every commune's: None; ids are unique across communes), for chart labels."""
    v = villages(commune)
    return dict(zip(v["id"], v["name"]))


@memoize("site", expire=300)
def devices(kind: str | None = None, village: str | None = None, commune: str | None = None) -> pd.DataFrame:
    t = Device.__table__
    stmt = select(*[t.c[c] for c in DEVICE_COLUMNS]).order_by(t.c.kind, t.c.id)
    if kind:
        stmt = stmt.where(t.c.kind.in_(kind.split(",")))
    if village:
        stmt = stmt.where(t.c.village_id == village)
    if commune:
        stmt = stmt.where(t.c.commune_id == commune)
    return frame(stmt, DEVICE_COLUMNS)


def device_ids(kind: str, commune: str | None = None) -> tuple[str, ...]:
    """A commune's devices of a kind (comma-separated kinds allowed), in id order."""
    return tuple(sorted(devices(kind, commune=commune)["id"]))


def first_device(kind: str, commune: str | None = None) -> str | None:
    """The commune's first device of a kind (its air station, its rain gauge), or None."""
    return _first(devices(kind, commune=commune)["id"])


def first_devices(kind: str, communes: tuple[str, ...]) -> dict[str, str | None]:
    """first_device of each commune, from one read of every device of the kind (the city page)."""
    every = devices(kind)
    return {c: _first(every["id"][every["commune_id"] == c]) for c in communes}


def _first(ids) -> str | None:
    """The first device in id order (what "the commune's air station" means when it has several)."""
    return min(ids) if len(ids) else None


@memoize("site", expire=300)
def device_row(device_id: str) -> dict | None:
    """One device's row, read by its id (the whole city's device list is not read, cached and filtered for
    one name: it grows with every commune)."""
    t = Device.__table__
    return _row(select(*[t.c[c] for c in DEVICE_COLUMNS]).where(t.c.id == device_id))


@memoize("site", expire=300)
def village_row(village_id: str) -> dict | None:
    """One village's row, read by its id (as device_row)."""
    t = Village.__table__
    cols = ["id", "name", "center_lat", "center_lon", "outline", "population", "households", "commune_id"]
    return _row(select(*[t.c[c] for c in cols]).where(t.c.id == village_id))


def _row(stmt) -> dict | None:
    """One row as a dict (None where SQL has NULL), or None: what records() of its frame would hold, without
    building a frame for one row (4.5 ms of each panel's scope name)."""
    with get_engine().connect() as conn:
        row = conn.execute(stmt).first()
    return dict(row._mapping) if row is not None else None


def flood_levels(device: dict) -> dict | None:
    """A gauge's alarm levels I/II/III as its site file gave them (kept in the device's properties)."""
    props = device.get("properties") or {}
    return props.get("flood_levels") if isinstance(props, dict) else None


@memoize("site", expire=300)
def services() -> pd.DataFrame:
    """The scene-report categories (code, name, name_en, group, deadline_working_days)."""
    t = Service.__table__
    return frame(select(t.c.code, t.c.name, t.c.name_en, t.c.group, t.c.deadline_working_days).order_by(t.c.code),
                 ["code", "name", "name_en", "group", "deadline_working_days"])


def service_names(lang: str) -> dict[str, str]:
    return {r["code"]: (r["name"] if lang == "vi" or not r["name_en"] else r["name_en"]) for r in records(services())}


@memoize("site", expire=300)
def series_catalog(device_ids: tuple[str, ...] | None = None) -> pd.DataFrame:
    stmt = select(Series.id, Series.device_id, Series.parameter, Series.unit).order_by(Series.device_id)
    if device_ids:
        stmt = stmt.where(Series.device_id.in_(device_ids))
    return frame(stmt, ["series_id", "device_id", "parameter", "unit"])


def check_village(village: str | None, commune: str | None = None) -> str | None:
    """A village of the commune (any commune's when None); another commune's village is a BadParam too."""
    if village is None or village == "":
        return None
    if not isinstance(village, str) or village not in set(villages(commune)["id"]):
        raise BadParam("error.unknown_village", value=str(village)[:40])
    return village


def check_device(device: str | None, kind: str | None = None, commune: str | None = None) -> str | None:
    if device is None or device == "":
        return None
    if not isinstance(device, str) or device not in set(devices(kind, commune=commune)["id"]):
        raise BadParam("error.unknown_device", value=str(device)[:40])
    return device


# --- the site as one object, read from the store ----------------------------------------------------

class _Row:
    """A store row with attribute access (what code written against the site file's models reads)."""

    def __init__(self, **values):
        self.__dict__.update(values)


class SiteView:
    """One commune's site as the store has it, with the reading side of core.site.Site (villages,
    village(), device(), devices_of(), commune): the wall and the pages read this, not the YAML."""

    def __init__(self, commune_id: str | None = None):
        c = commune(commune_id)
        self.commune = _Row(id=c.get("id"), name=c.get("name", ""), name_en=c.get("name_en", ""),
                            parent=c.get("parent", ""), city=c.get("city", ""), zoom=c.get("zoom", 13),
                            center=(c.get("center_lat"), c.get("center_lon")), simulated=bool(c.get("simulated")))
        self.villages = [_Row(id=v["id"], name=v["name"], center=(v["center_lat"], v["center_lon"]),
                              outline=[tuple(p) for p in (v["outline"] or [])] if isinstance(v["outline"], list) else [],
                              population=v["population"], households=v["households"])
                         for v in records(villages(c.get("id")))] if c else []
        self.devices = []
        for d in records(devices(commune=c.get("id"))) if c else []:
            fl = flood_levels(d)
            self.devices.append(_Row(id=d["id"], kind=d["kind"], name=d["name"], village=d["village_id"],
                                     lat=d["lat"], lon=d["lon"], source=d["source"], role=d["role"],
                                     flood_levels=_Row(**fl) if fl else None))

    def village(self, village_id: str | None):
        return next((v for v in self.villages if v.id == village_id), None)

    def device(self, device_id: str | None):
        return next((d for d in self.devices if d.id == device_id), None)

    def devices_of(self, *kinds: str) -> list:
        return [d for d in self.devices if d.kind in kinds]


def site_view(commune_id: str | None = None) -> SiteView:
    return SiteView(commune_id)
