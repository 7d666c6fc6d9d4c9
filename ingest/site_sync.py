"""Load the site files (each commune, its villages, devices, services) and the indicator catalogue into
the store. Idempotent; devices registered from a source's own metadata are left alone."""
from __future__ import annotations

from sqlalchemy import Engine

from core.errors import SiteConfigError
from core.settings import get_settings
from core.site import Site, get_sites
from domain.catalogue import CATALOGUE
from domain.parameters import PARAMETERS
from ingest.upsert import upsert
from store.models import Commune, Device, Indicator, Service, Village


def sync_site(engine: Engine, site: Site | None = None, position: int = 0) -> dict:
    """One commune's site file, or (None) every commune's: SITE_FILE and the commune files beside it."""
    if site is None:
        counts: dict = {}
        for position, one in enumerate(get_sites()):
            for key, n in sync_site(engine, one, position).items():
                counts[key] = n if key == "indicators" else counts.get(key, 0) + n
        counts["communes"] = len(get_sites())
        return counts
    check_mappings(site)
    c = site.commune
    with engine.begin() as conn:
        upsert(conn, Commune.__table__, [{"id": c.id, "name": c.name, "name_en": c.name_en, "parent": c.parent, "city": c.city,
                                          "center_lat": c.center[0], "center_lon": c.center[1], "zoom": c.zoom,
                                          "simulated": c.simulated, "position": position}], ["id"])
        upsert(conn, Village.__table__, [{"id": v.id, "commune_id": c.id, "name": v.name, "center_lat": v.center[0],
                                          "center_lon": v.center[1], "outline": [list(p) for p in v.outline] or None,
                                          "population": v.population, "households": v.households}
                                         for v in site.villages], ["id"])
        devices = [{"id": d.id, "kind": d.kind, "name": d.name, "village_id": d.village, "commune_id": c.id, "lat": d.lat, "lon": d.lon,
                    "source": d.source, "external_id": d.external_id, "role": d.role, "from_site_file": True,
                    "simulated": c.simulated,
                    "properties": {"parameters": d.parameters, "smart": d.smart, "zones": d.zones,
                                   "flood_levels": d.flood_levels.model_dump() if d.flood_levels else None}}
                   for d in site.devices]
        upsert(conn, Device.__table__, devices, ["id"])
        upsert(conn, Service.__table__, [{"code": s.code, "source": "site", "name": s.name, "name_en": s.name_en,
                                          "group": s.group, "description": None,
                                          "deadline_working_days": s.deadline_working_days} for s in site.services],
               ["code"], update=["name", "name_en", "group", "deadline_working_days"])
        upsert(conn, Indicator.__table__, [{"code": d.code, "name_vi": d.vi, "name_en": d.en, "unit": d.unit,
                                            "pillar": d.pillar, "direction": d.direction, "target": d.target,
                                            "origin": d.origin, "link_766": d.link_766}
                                           for d in CATALOGUE.values()], ["code"])
    return {"villages": len(site.villages), "devices": len(site.devices), "services": len(site.services),
            "indicators": len(CATALOGUE)}


def check_mappings(site: Site) -> None:
    """The site file's Datastream mappings name parameters the dashboard knows (core cannot check:
    the parameter table lives in domain)."""
    for i, m in enumerate(site.datastreams):
        if m.parameter not in PARAMETERS:
            raise SiteConfigError("error.site_file", path=str(get_settings().site_file),
                                  detail=f"datastreams.{i}.parameter: unknown parameter {m.parameter!r} "
                                         f"(one of {', '.join(PARAMETERS)})")
