"""The commune, its villages and devices, as the pages and the map need them."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from core.errors import BadParam
from queries.base import frame
from queries.cache import memoize
from store.engine import get_engine
from store.models import Commune, Device, Series, Village

DEVICE_COLUMNS = ["id", "kind", "name", "village_id", "lat", "lon", "source", "external_id", "role", "simulated",
                  "from_site_file", "properties"]


@memoize("site", expire=300)
def commune() -> dict:
    with get_engine().connect() as conn:
        row = conn.execute(select(Commune.__table__)).first()
    return dict(row._mapping) if row else {}


@memoize("site", expire=300)
def villages() -> pd.DataFrame:
    t = Village.__table__
    return frame(select(t.c.id, t.c.name, t.c.center_lat, t.c.center_lon, t.c.outline, t.c.population,
                        t.c.households).order_by(t.c.id),
                 ["id", "name", "center_lat", "center_lon", "outline", "population", "households"])


@memoize("site", expire=300)
def devices(kind: str | None = None, village: str | None = None) -> pd.DataFrame:
    t = Device.__table__
    stmt = select(*[t.c[c] for c in DEVICE_COLUMNS]).order_by(t.c.kind, t.c.id)
    if kind:
        stmt = stmt.where(t.c.kind.in_(kind.split(",")))
    if village:
        stmt = stmt.where(t.c.village_id == village)
    return frame(stmt, DEVICE_COLUMNS)


@memoize("site", expire=300)
def series_catalog(device_ids: tuple[str, ...] | None = None) -> pd.DataFrame:
    stmt = select(Series.id, Series.device_id, Series.parameter, Series.unit).order_by(Series.device_id)
    if device_ids:
        stmt = stmt.where(Series.device_id.in_(device_ids))
    return frame(stmt, ["series_id", "device_id", "parameter", "unit"])


def check_village(village: str | None) -> str | None:
    if village is None or village == "":
        return None
    if not isinstance(village, str) or village not in set(villages()["id"]):
        raise BadParam("error.unknown_village", value=str(village)[:40])
    return village


def check_device(device: str | None, kind: str | None = None) -> str | None:
    if device is None or device == "":
        return None
    if not isinstance(device, str) or device not in set(devices(kind)["id"]):
        raise BadParam("error.unknown_device", value=str(device)[:40])
    return device
