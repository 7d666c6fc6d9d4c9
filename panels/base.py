"""Panels: one definition of each number, whatever renders it (a page, a wall slide, the weekly report,
an export).

A panel is data plus a way to draw it. `data(filters)` asks the query layer and returns a `PanelData`:
plain values and frames with the period and scope they cover, the freshness of their sources and
whether they are simulated; nothing about Dash. The drawing side is one of:
  - `kpi(data, lang)`: the fields of a KPI card (value, unit, previous, target, note, ...);
  - `figure(data, lang, theme)`: a Plotly figure (charts; also what the PNG/SVG/PDF export draws);
  - `table(data, lang)`: column headers and rows of plain strings.
`rows(data)` is the data behind the panel as a frame, for CSV/XLSX exports.

`PanelData` is cached (panels.data_for), never finished layout: a page, the wall and an export asking
the same question at the same minute share one answer.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import pandas as pd

from components.page import fresh
from core.errors import BadParam
from domain.freshness import worst
from queries import site
from queries.windows import PERIODS, window

PanelKind = Literal["kpi", "chart", "table"]
# the filters a panel may read beside the period (Panel.uses); restrict() drops the rest
NARROWING = ("village", "device", "parameter", "label", "category", "stage")


@dataclass(frozen=True)
class Image:
    """A table cell that is a picture (an event's snapshot, served by our own /media route): plain data,
    drawn as an image on screen and as its address in an export."""
    src: str
    alt: str = ""

    def __str__(self) -> str:
        return self.src


@dataclass(frozen=True)
class Tag:
    """A table cell that is a state word (online, offline): plain data, drawn as a coloured badge."""
    text: str
    tone: str = "ok"                     # ok | down | stale

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Filters:
    """What a panel is asked about: a commune (None: the default one), a period (or explicit dates), and
    optionally a village, a device, a parameter, an object label (camera events), a category and a stage
    (citizens' reports). Hashable, so answers are cached per filter set and a commune's answer never serves
    another commune."""
    period: str = "7d"
    start: str | None = None
    end: str | None = None
    village: str | None = None
    device: str | None = None
    parameter: str | None = None
    commune: str | None = None
    label: str | None = None
    category: str | None = None
    stage: str | None = None

    @classmethod
    def from_mapping(cls, values: dict | None) -> "Filters":
        """From a URL query, a wall slide or a callback store; unknown keys are ignored, every value
        is checked later by `window()` and the panel (BadParam with a translated message)."""
        values = values if isinstance(values, dict) else {}
        if "xa" in values and "commune" not in values:    # the URL's name for the commune
            values = {**values, "commune": values["xa"]}
        kept = {k: (str(v)[:64] if v not in (None, "") else None) for k, v in values.items()
                if k in cls.__dataclass_fields__}
        if kept.get("period") is None:
            kept.pop("period", None)
        return cls(**kept)

    def window(self) -> tuple[datetime, datetime]:
        if self.period not in PERIODS:
            raise BadParam("error.bad_period", value=self.period[:20])
        custom = self.period == "custom"
        return window(self.period, self.start if custom else None, self.end if custom else None)

    def named_window(self) -> tuple[datetime, datetime] | None:
        """The window the caller named (period="custom", e.g. one meeting week), or None. KPI panels
        that otherwise cover a rolling stretch ("7 ngày", "tuần này") answer for a named window when
        given one, so the weekly meeting and the weekly report ask the same panel about any week."""
        return self.window() if self.period == "custom" else None

    def commune_id(self) -> str | None:
        """The commune asked about, checked against the store (None given: the default commune)."""
        return site.check_commune(self.commune)

    def checked_village(self) -> str | None:
        """The village filter, which must be one of this commune's villages."""
        return site.check_village(self.village, self.commune_id())

    def checked_device(self, kind: str | None = None) -> str | None:
        """The device filter, which must be one of this commune's devices (of that kind)."""
        return site.check_device(self.device, kind, self.commune_id())

    def check(self, device_kind: str | None = None) -> None:
        """BadParam (translated by the caller) when the period, the village or the device is not one the
        commune has: what a page says once above its panels, each of which refuses the same value."""
        self.window()
        self.checked_village()
        if device_kind:
            self.checked_device(device_kind)

    def scope(self, village: str | None = None) -> str:
        """The scope a panel's number covers under these filters: a device, a village, or the commune."""
        if self.device:
            return f"device:{self.device}"
        return f"village:{village}" if village else f"commune:{self.commune_id()}"

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class PanelData:
    """What a panel shows, with what it covers. `value` for single numbers, `frame` for series and
    tables, `extra` for what a renderer needs beside them (previous value, target, alarm levels)."""
    panel: str
    value: float | None = None
    frame: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)
    start: datetime | None = None        # the period covered; None with `now=True`: "right now"
    end: datetime | None = None
    now: bool = False
    scope: str = "commune"               # commune | village:<id> | device:<id>
    freshness: dict = field(default_factory=dict)
    simulated: bool = False
    notes: list[str] = field(default_factory=list)
    error: BadParam | None = None        # a bad filter: the renderer shows the message, not a number
    commune: str | None = None           # the commune asked about (set by panels.data_for)

    def scope_name(self, lang: str) -> str:
        from core.i18n import t
        kind, _, ref = self.scope.partition(":")
        if kind == "village":
            village = site.village_row(ref)
            return village["name"] if village else ref
        if kind == "device":
            device = site.device_row(ref)
            return device["name"] if device else ref
        if kind == "commune" and ref:
            commune = site.commune(ref)
            if commune:
                return commune["name"] if lang == "vi" else commune["name_en"]
        return t("cover.commune", lang)


@dataclass(frozen=True)
class Panel:
    id: str
    title_vi: str
    title_en: str
    pillar: str                          # government | economy | society | environment | security | operations
    kind: PanelKind
    sources: tuple[str, ...]
    data: Callable[[Filters], PanelData]
    unit: str = ""
    kpi: Callable[[PanelData, str], dict] | None = None
    figure: Callable[[PanelData, str, str], Any] | None = None
    table: Callable[[PanelData, str], tuple[list[str], list[list[str]]]] | None = None
    rows: Callable[[PanelData], pd.DataFrame] | None = None
    href: str | None = None              # where the detail lives
    uses: tuple[str, ...] = ()           # filters this panel reads (the rest are ignored)
    windowed: bool = False               # a KPI whose value covers Filters.named_window() when one is given
    # how the number is made, shown under it on a page: an i18n key, or fn(PanelData, lang) -> text | None
    footnote: str | Callable[[PanelData, str], str | None] | None = None
    # a table showing fewer rows than there are: fn(PanelData, lang, rows shown) -> "và 7 cảnh báo khác" |
    # None, under the table at every size (the wall too: a list is never cut without saying so)
    more: Callable[[PanelData, str, int], str | None] | None = None
    wall_rows: int | None = None         # a table's rows on the wall: what fits a cell read from five metres
    # the same data for several communes at once, {commune: PanelData} (panels.data_for_many, the city
    # page): set-based queries, one per figure for every commune; a panel that has it makes `data` with
    # one_commune(data_many), so a commune's own page and the city page run the same code
    data_many: Callable[[Filters, tuple], dict] | None = None
    # the indicators.period_summary calls `data` makes, as (code, start, end, scope) (BadParam for filters it
    # cannot show): a page drawing several such cards asks for all of them in one query first
    # (panels.prefetch), and each card's own call then finds its answer kept
    summaries: Callable[[Filters], list[tuple]] | None = None

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def footnote_text(self, data: PanelData, lang: str) -> str | None:
        from core.i18n import t
        if callable(self.footnote):
            return self.footnote(data, lang)
        return t(self.footnote, lang) if self.footnote else None

    def export_frame(self, data: PanelData) -> pd.DataFrame:
        if self.rows is not None:
            return self.rows(data)
        if data.frame is not None:
            return data.frame
        return pd.DataFrame([{"value": data.value}])


REGISTRY: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    if panel.id in REGISTRY:
        raise ValueError(f"panel {panel.id!r} registered twice")
    REGISTRY[panel.id] = panel
    return panel


def sources_freshness(sources: tuple[str, ...]) -> tuple[dict, bool]:
    """The worst freshness of a panel's sources (a chart mixing a fresh and a dead source is not fresh),
    and whether any of them is simulated."""
    states = [fresh(s) for s in sources]
    if not states:
        return {"state": "ok"}, False
    worst_state = worst(*(s.get("state", "never") for s in states))
    chosen = next(s for s in states if s.get("state", "never") == worst_state)
    return dict(chosen), any(s.get("simulated") for s in states)


def make_data(panel_id: str, sources: tuple[str, ...], **values) -> PanelData:
    fresh_state, simulated = sources_freshness(sources)
    return PanelData(panel=panel_id, freshness=fresh_state, simulated=simulated, **values)


def with_error(panel_id: str, err: BadParam) -> PanelData:
    return PanelData(panel=panel_id, error=err)


def data_maker(panel_id: str, sources: tuple[str, ...]) -> Callable[..., PanelData]:
    """make_data for many communes: the sources' freshness (the same for every commune) read once."""
    fresh_state, simulated = sources_freshness(sources)
    return lambda **values: PanelData(panel=panel_id, freshness=dict(fresh_state), simulated=simulated, **values)


def one_commune(many: Callable[[Filters, tuple], dict]) -> Callable[[Filters], PanelData]:
    """A panel's `data(filters)` as its `data_many` asked about the one commune of the filters: one code path
    for the commune's own pages and the city page, so the two can never show different numbers."""
    def data(filters: Filters) -> PanelData:
        return many(filters, (filters.commune,))[filters.commune]
    data.__doc__ = many.__doc__
    return data


def each_commune(panel_id: str, filters: Filters, communes: tuple,
                 check: Callable[[Filters], Any] | None = None) -> tuple[dict, dict]:
    """For data_many: ({asked: (commune id, what check(its filters) returned)}, {asked: PanelData with the
    refusal}) — each commune asked about resolved (None: the default commune) and checked on its own, so a
    village or a device of one commune is refused for the others, each in words."""
    ok, refused = {}, {}
    for asked, commune in site.check_communes(communes).items():
        if isinstance(commune, BadParam):
            refused[asked] = with_error(panel_id, commune)
            continue
        try:
            ok[asked] = (commune, check(replace(filters, commune=commune)) if check else None)
        except BadParam as err:
            refused[asked] = with_error(panel_id, err)
    return ok, refused


def restrict(filters: Filters, uses: tuple[str, ...]) -> Filters:
    """Only the filters a panel reads: the cache key then does not split on filters it ignores."""
    keep = {"period", "start", "end", "commune", *uses}
    return replace(filters, **{k: None for k in NARROWING if k not in keep})
