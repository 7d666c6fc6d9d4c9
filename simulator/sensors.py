"""Simulated environment sensors: plausible physics for Quảng Thọ (Huế climate: dry season Jan–Aug,
rainy season Sep–Dec with floods in Oct–Nov), plus what real deployments do: outages, gaps, a drifting
sensor, late records, nulls, "NaN", -9999, spikes, another unit, mixed time offsets, interval times, and
ObservedProperties named as a Vietnamese integrator names them (free text, abbreviations in parentheses,
a definition URI on some, an unqualified "Nhiệt độ" the site file must map, a battery voltage nobody maps)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.site import Site
from domain.parameters import PARAMETERS
from simulator import noise

LOCAL = 7 * 3600
DAY = 86400.0
YEAR = 365.2425 * DAY

# Datastreams served in another unit than ours, as real vendors do (declared in unitOfMeasurement).
OTHER_UNITS = {("air_1", "co"): ("mg/m³", "milligram per cubic metre", 0.001),
               ("gauge_nga_tu", "water_level"): ("cm", "centimetre", 100.0),
               ("water_2", "water_temp"): ("degF", "degree Fahrenheit", None)}
# ObservedProperty (name, definition) as the integrator typed them; None = no definition given.
_OP = "https://quantrac.quangtho.invalid/def/op/"
PROPERTY_NAMES = {
    "water_temp": ("Nhiệt độ nước", None), "ph": ("Độ pH", _OP + "ph"), "salinity": ("Độ mặn (‰)", None),
    "do": ("Oxy hòa tan (DO)", _OP + "do"), "nh3": ("Amoniac (NH₃)", None), "h2s": ("Hydro sunfua (H₂S)", None),
    "nitrite": ("Nitrit (NO₂⁻)", None), "transparency": ("Độ trong", None), "flow_speed": ("Tốc độ dòng chảy", None),
    "pm25": ("Bụi PM2.5", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001"),
    "pm10": ("Bụi PM10", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5"),
    "o3": ("Ozon (O₃)", None), "co": ("Cacbon monoxit (CO)", None), "so2": ("Lưu huỳnh đioxit (SO₂)", None),
    "no2": ("Nitơ đioxit (NO₂)", None),
    "air_temp": ("Nhiệt độ không khí", "http://www.qudt.org/qudt/owl/1.0.0/quantity/Instances.html#AreaTemperature"),
    "humidity": ("Độ ẩm không khí", "https://qudt.org/vocab/quantitykind/RelativeHumidity"),
    "water_level": ("Mực nước sông", None), "rainfall": ("Lượng mưa (10 phút)", "urn:ogc:def:property:OGC:rainfall"),
    "wifi_clients": ("Số người dùng Wi-Fi", None),
}
# Per device: names that differ from the table above.
PROPERTY_OVERRIDES = {("water_4", "water_temp"): ("Nhiệt độ", None),          # mapped in the site file
                      ("gauge_nga_tu", "water_level"): ("Mực nước kênh", None)}
# Averaging particle sensors report "start/end" intervals, like the rain gauge's 10-minute totals.
INTERVAL_PARAMETERS = {"rainfall", "pm25", "pm10"}
# A Datastream that is none of our parameters: the air station's battery, left for the Data page.
EXTRA = {"air_1": [("battery_v", "Điện áp pin (V)", None, "V", "volt")]}

UNIT_NAMES = {"°C": "degree Celsius", "pH": "pH", "‰": "parts per thousand", "mg/L": "milligram per litre",
              "m/s": "metre per second", "cm": "centimetre", "µg/m³": "microgram per cubic metre",
              "%": "percent", "m": "metre", "mm": "millimetre", "người": "users"}


@dataclass(frozen=True)
class Datastream:
    id: int
    thing_id: int
    device_id: str
    parameter: str
    step: int            # seconds between observations
    unit_symbol: str
    unit_name: str
    offset_style: str    # "Z" or "+07:00": real servers differ
    interval: bool       # phenomenonTime "start/end" (accumulated rain, hourly means)
    property_name: str = ""
    definition: str | None = None


def datastreams(site: Site, step_s: int | None = None, first_id: int = 0) -> list[Datastream]:
    """Ids 1..n in site-file order (as before), then the extra ones, so existing ids never move.
    step_s: every stream reports this often instead of its kind's cadence (soak tests want fresh
    observations every minute or faster). first_id: another commune's ids on the same server start after it."""
    out: list[Datastream] = []
    extra: list[tuple] = []
    n = first_id
    for device in site.devices:
        if device.source != "sensorthings" or not device.external_id:
            continue
        for parameter in device.parameters:
            n += 1
            step = step_s or (300 if device.kind == "air_station" else 600)
            symbol = PARAMETERS[parameter].unit
            name = UNIT_NAMES.get(symbol, symbol)
            if (device.id, parameter) in OTHER_UNITS:
                symbol, name, _ = OTHER_UNITS[(device.id, parameter)]
            op_name, definition = PROPERTY_OVERRIDES.get((device.id, parameter), PROPERTY_NAMES[parameter])
            interval = parameter in INTERVAL_PARAMETERS
            out.append(Datastream(n, int(device.external_id), device.id, parameter, step, symbol, name,
                                  "+07:00" if n % 3 == 0 else "Z", interval, op_name, definition))
        for code, op_name, definition, symbol, unit_name in EXTRA.get(device.id, ()):
            extra.append((int(device.external_id), device.id, code, op_name, definition, symbol, unit_name))
    for thing, device_id, code, op_name, definition, symbol, unit_name in extra:
        n += 1
        out.append(Datastream(n, thing, device_id, code, 600, symbol, unit_name, "Z", False, op_name, definition))
    return out


def _season(t):
    """Annual cycle: +1 at the hot peak (late June), -1 in late December."""
    return np.cos(2 * np.pi * (_doy(t) - 172) / 365.2425)


def _hour(t):
    return ((t + LOCAL) % DAY) / 3600.0


def _doy(t):
    """Day of year, local (approximate: epoch-based, fine for seasons)."""
    days = (t + LOCAL) / DAY
    return (days - np.floor(days / 365.2425) * 365.2425)


def flood_index(seed: int, t: np.ndarray) -> np.ndarray:
    """0..~1.2 flood intensity: episodes in Oct–Nov (day 274-334), deterministic per year."""
    t = np.asarray(t, dtype=np.float64)
    year = np.floor((t + LOCAL) / YEAR + 1970).astype(np.int64)
    out = np.zeros_like(t)
    for episode in range(3):
        u = noise.uniform(seed, 500 + episode, year)
        peak_day = 280 + 50 * noise.uniform(seed, 520 + episode, year)
        height = np.where(u < 0.75, 0.25 + 1.0 * noise.uniform(seed, 540 + episode, year), 0.0)
        height = np.where(episode == 0, np.maximum(height, 0.55), height)  # most years one real flood
        dt = _doy(t) - peak_day
        rise = np.exp(-((dt / 0.9) ** 2))
        fall = np.exp(-dt / 2.5)
        shape = np.where(dt < 0, rise, fall)
        out = np.maximum(out, height * shape)
    return out


def values(seed: int, ds: Datastream, t: np.ndarray) -> np.ndarray:
    """Physical value (canonical unit) at each time; NaN where the device sends nothing."""
    t = np.asarray(t, dtype=np.float64)
    p, s = ds.parameter, seed * 31 + ds.id
    h, season = _hour(t), _season(t)
    day_cycle = np.cos(2 * np.pi * (h - 14) / 24)           # +1 at 14:00, -1 at 02:00
    n_fast = noise.smooth(seed, s, t, 3 * 3600)
    n_slow = noise.smooth(seed, s + 1, t, 2 * DAY)
    fl = flood_index(seed, t)
    wet = np.clip(np.cos(2 * np.pi * (_doy(t) - 305) / 365.2425), 0, 1) ** 2  # rainy season weight
    if p == "water_temp":
        v = 26.5 + 5.5 * season + 1.3 * day_cycle + 0.5 * n_slow + 0.2 * n_fast
    elif p == "do":
        temp = 26.5 + 5.5 * season
        v = np.clip(5.6 + 2.6 * day_cycle - 0.12 * (temp - 26) + 0.9 * n_slow + 0.3 * n_fast, 0.8, None)
        if ds.device_id == "water_3":          # a probe drifting upwards until recalibrated monthly
            v = v + 0.8 * (((t + LOCAL) / DAY) % 30) / 30
    elif p == "ph":
        v = 7.9 + 0.35 * day_cycle + 0.2 * n_slow + 0.05 * n_fast - 0.4 * fl
    elif p == "salinity":
        v = np.clip(16 - 3 * season - 14 * fl - 6 * wet + 1.5 * n_slow, 0.5, None)
    elif p == "nh3":
        v = np.clip(0.02 + 0.015 * n_slow + 0.06 * np.clip(n_slow - 1.2, 0, None) + 0.02 * fl, 0.001, None)
    elif p == "h2s":
        v = np.clip(0.006 + 0.004 * n_slow + 0.03 * np.clip(-day_cycle, 0, None) * np.clip(n_slow - 1, 0, None), 0, None)
    elif p == "nitrite":
        v = np.clip(0.25 + 0.12 * n_slow + 0.5 * np.clip(n_slow - 1.3, 0, None), 0.01, None)
    elif p == "transparency":
        v = np.clip(42 - 12 * fl + 6 * n_slow, 8, None)
    elif p == "flow_speed":
        v = np.clip(0.25 + 0.05 * n_slow + 0.6 * fl, 0, None)
    elif p in ("pm25", "pm10"):
        dry = np.clip(-np.cos(2 * np.pi * (_doy(t) - 60) / 365.2425), 0, 1)
        traffic = np.exp(-((h - 7.5) / 1.5) ** 2) + np.exp(-((h - 18.5) / 2) ** 2)
        burning = 60 * np.clip(noise.smooth(seed, 9001, t, DAY) - 1.4, 0, None)
        pm25 = np.clip(16 + 14 * dry + 12 * traffic + 6 * n_slow + 3 * n_fast + burning - 8 * wet, 3, None)
        v = pm25 if p == "pm25" else pm25 * (1.55 + 0.1 * n_fast)
    elif p == "o3":
        v = np.clip(45 + 55 * np.clip(day_cycle, 0, None) + 10 * n_slow, 2, None)
    elif p == "co":
        v = np.clip(900 + 350 * n_slow + 400 * np.exp(-((h - 18.5) / 2) ** 2), 100, None)
    elif p == "so2":
        v = np.clip(14 + 5 * n_slow, 1, None)
    elif p == "no2":
        v = np.clip(22 + 10 * n_slow + 15 * np.exp(-((h - 7.5) / 1.5) ** 2), 1, None)
    elif p == "air_temp":
        v = 25.5 + 5 * season + 3.5 * day_cycle + n_slow
    elif p == "humidity":
        v = np.clip(80 - 12 * day_cycle + 8 * wet + 4 * n_slow, 35, 100)
    elif p == "water_level":
        scale = {"gauge_phu_oc": 1.0, "gauge_niem_pho": 0.72, "gauge_nga_tu": 0.58}.get(ds.device_id, 0.6)
        v = scale * (0.55 + 0.25 * wet + 4.6 * fl + 0.08 * n_slow) + 0.01 * n_fast
    elif p == "rainfall":  # mm in the 10-minute interval
        storm = np.clip(noise.smooth(seed, 9100, t, 6 * 3600) * (0.6 + 1.4 * wet) - 0.9 + 2.5 * fl, 0, None)
        v = np.round(storm * 0.7 * (0.6 + 0.4 * np.abs(n_fast)), 1)
    elif p == "battery_v":   # a 12 V lead-acid battery on a solar charger
        v = 12.4 + 0.9 * np.clip(day_cycle, 0, None) - 0.15 * np.clip(-day_cycle, 0, None) + 0.05 * n_fast
    elif p == "wifi_clients":
        evening = np.exp(-((h - 20) / 2.5) ** 2) + 0.5 * np.exp(-((h - 11.5) / 2) ** 2)
        v = np.round(np.clip(4 + 38 * evening + 5 * n_fast, 0, None))
    else:
        v = np.zeros_like(t)
    # Outages: a device goes silent for a few hours now and then (same for all its streams).
    dev_stream = 70_000 + ds.thing_id
    block = np.floor(t / (6 * 3600)).astype(np.int64)
    v = np.where(noise.uniform(seed, dev_stream, block) < 0.012, np.nan, v)
    if ds.parameter == "wifi_clients":  # hotspots off more often, for days
        dblock = np.floor(t / DAY).astype(np.int64)
        v = np.where(noise.uniform(seed, dev_stream + 1, dblock) < 0.03, np.nan, v)
    return v


def to_source_unit(ds: Datastream, v: np.ndarray) -> np.ndarray:
    key = (ds.device_id, ds.parameter)
    if key not in OTHER_UNITS:
        return v
    factor = OTHER_UNITS[key][2]
    if factor is None:  # °F
        return v * 9.0 / 5.0 + 32.0
    return v * factor


def observations(seed: int, ds: Datastream, start: int, end: int, now: int):
    """Observations with phenomenonTime in [start, end) and published by `now`, in time order.
    Returns arrays (index k, t, result as object array: float | None | "NaN", result_time)."""
    first = -(-start // ds.step)
    last = min(end - 1, now) // ds.step
    if last < first:
        return np.array([], dtype=np.int64), np.array([]), np.array([], dtype=object), np.array([])
    k = np.arange(first, last + 1, dtype=np.int64)
    t = k * ds.step
    v = to_source_unit(ds, values(seed, ds, t.astype(np.float64)))
    u = noise.uniform(seed, 80_000 + ds.id, k)
    # Late records: ~3 % arrive 1-5 hours after they were measured (a gateway buffering).
    delay = np.where(noise.uniform(seed, 81_000 + ds.id, k) < 0.03,
                     3600 + (noise.uniform(seed, 82_000 + ds.id, k) * 4 * 3600).astype(np.int64), 4)
    # an averaged or accumulated value (phenomenonTime start/end) is known only once its interval is over
    result_t = t + (ds.step if ds.interval else 0) + delay
    keep = (~np.isnan(v)) & (result_t <= now)   # outages send nothing; late records wait
    k, t, v, u, result_t = k[keep], t[keep], v[keep], u[keep], result_t[keep]
    param = PARAMETERS.get(ds.parameter)
    digits = param.decimals + 1 if param else 2
    result = np.round(v, digits).astype(object)
    result[u < 0.002] = None           # the sensor reported, with no value
    result[(u >= 0.002) & (u < 0.003)] = "NaN"
    spike = (u >= 0.003) & (u < 0.0035)
    if spike.any() and param:          # a physically impossible spike
        result[spike] = param.possible[1] * 3 + 1
    result[(u >= 0.0035) & (u < 0.0045)] = -9999   # the logger's "no data" mark
    return k, t, result, result_t
