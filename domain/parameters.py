"""The sensor parameters the commune measures, their canonical units and the physically possible range.
A value outside `possible` is a broken sensor or a wrong unit: ingest rejects it with that reason."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    code: str
    vi: str
    en: str
    unit: str          # canonical unit stored
    possible: tuple[float, float]
    decimals: int = 1
    group: str = "water"   # water | air | hydro | network


PARAMETERS: dict[str, Parameter] = {p.code: p for p in (
    Parameter("water_temp", "Nhiệt độ nước", "Water temperature", "°C", (-5, 50), 1),
    Parameter("ph", "pH", "pH", "pH", (0, 14), 2),
    Parameter("salinity", "Độ mặn", "Salinity", "‰", (0, 60), 1),
    Parameter("do", "Oxy hòa tan (DO)", "Dissolved oxygen (DO)", "mg/L", (0, 25), 2),
    Parameter("nh3", "Amoniac (NH₃)", "Ammonia (NH₃)", "mg/L", (0, 50), 3),
    Parameter("h2s", "Hydro sunfua (H₂S)", "Hydrogen sulphide (H₂S)", "mg/L", (0, 10), 3),
    Parameter("nitrite", "Nitrit (NO₂⁻)", "Nitrite (NO₂⁻)", "mg/L", (0, 50), 2),
    Parameter("flow_speed", "Tốc độ dòng chảy", "Flow speed", "m/s", (0, 10), 2),
    Parameter("transparency", "Độ trong", "Transparency", "cm", (0, 500), 0),
    Parameter("pm25", "Bụi PM2.5", "PM2.5", "µg/m³", (0, 2000), 1, "air"),
    Parameter("pm10", "Bụi PM10", "PM10", "µg/m³", (0, 3000), 1, "air"),
    Parameter("o3", "Ozon (O₃)", "Ozone (O₃)", "µg/m³", (0, 2000), 1, "air"),
    Parameter("co", "Cacbon monoxit (CO)", "Carbon monoxide (CO)", "µg/m³", (0, 200000), 0, "air"),
    Parameter("so2", "Lưu huỳnh đioxit (SO₂)", "Sulphur dioxide (SO₂)", "µg/m³", (0, 5000), 1, "air"),
    Parameter("no2", "Nitơ đioxit (NO₂)", "Nitrogen dioxide (NO₂)", "µg/m³", (0, 5000), 1, "air"),
    Parameter("air_temp", "Nhiệt độ không khí", "Air temperature", "°C", (-10, 55), 1, "air"),
    Parameter("humidity", "Độ ẩm", "Humidity", "%", (0, 100), 0, "air"),
    Parameter("water_level", "Mực nước", "Water level", "m", (-10, 20), 2, "hydro"),
    Parameter("rainfall", "Lượng mưa", "Rainfall", "mm", (0, 500), 1, "hydro"),
    Parameter("wifi_clients", "Người dùng Wi-Fi", "Wi-Fi users", "người", (0, 5000), 0, "network"),
)}

# Unit symbols (as servers write them) -> (canonical unit, factor, offset). Canonical = factor*x + offset.
# CO in mg/m³ -> µg/m³; ppm/ppb gases at 25 °C, 1 atm (molar volume 24.45 L).
_MOLAR = {"co": 28.01, "so2": 64.07, "no2": 46.01, "o3": 48.00}
UNIT_ALIASES: dict[str, str] = {
    "ug/m3": "µg/m³", "μg/m³": "µg/m³", "µg/m3": "µg/m³", "ug/m^3": "µg/m³", "μg/m3": "µg/m³",
    "mg/m3": "mg/m³", "mg/l": "mg/L", "mg/L": "mg/L", "degC": "°C", "Cel": "°C", "°c": "°C", "C": "°C",
    "degF": "°F", "[degF]": "°F", "psu": "‰", "PSU": "‰", "ppt": "‰", "g/kg": "‰", "‰": "‰",
    "cm": "cm", "m": "m", "mm": "mm", "m/s": "m/s", "pH": "pH", "[pH]": "pH", "ppm": "ppm", "ppb": "ppb",
    "%": "%", "count": "người", "người": "người", "users": "người", "1": "pH",
}


class UnknownUnit(ValueError):
    pass


def canonical_unit(symbol: str | None) -> str | None:
    if symbol is None:
        return None
    s = symbol.strip()
    return UNIT_ALIASES.get(s, UNIT_ALIASES.get(s.lower(), s))


def converter(parameter: str, symbol: str | None):
    """Return f(value) -> value in the parameter's canonical unit, or raise UnknownUnit."""
    param = PARAMETERS[parameter]
    unit = canonical_unit(symbol)
    if unit is None or unit == param.unit:
        return lambda v: v
    if param.unit == "µg/m³":
        if unit == "mg/m³":
            return lambda v: v * 1000.0
        if parameter in _MOLAR and unit in ("ppm", "ppb"):
            k = _MOLAR[parameter] / 24.45 * (1000.0 if unit == "ppm" else 1.0)
            return lambda v: v * k
    if param.unit == "°C" and unit == "°F":
        return lambda v: (v - 32.0) * 5.0 / 9.0
    if param.unit == "m" and unit == "cm":
        return lambda v: v / 100.0
    if param.unit == "m" and unit == "mm":
        return lambda v: v / 1000.0
    if param.unit == "mm" and unit == "cm":
        return lambda v: v * 10.0
    if param.unit == "cm" and unit == "m":
        return lambda v: v * 100.0
    raise UnknownUnit(f"unit {symbol!r} for {parameter} (expected {param.unit})")
