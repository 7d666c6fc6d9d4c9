"""Which of our parameters a SensorThings Datastream measures, read from what other servers write:
the ObservedProperty `definition` URI, its free-text `name` (Vietnamese or English, with diacritics,
abbreviations in parentheses, any spacing and punctuation) and the declared `unitOfMeasurement`.

The vocabulary is data (VOCABULARY below); `match_parameter` only normalises and looks up. Name and
definition each propose candidates; where both speak they must agree, and the declared unit must be
convertible to the candidate's unit. Anything else is left unmapped with the reason, for the operator
to map in the site file; a guess is never forced."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from domain.parameters import PARAMETERS, UnknownUnit, canonical_unit, converter

# parameter -> names (any language, any case/diacritics/punctuation) and definition terms.
# Definition terms are matched against the URI's last path segment or fragment, normalised the same way;
# FULL_DEFINITIONS holds URIs whose last segment alone means nothing (numeric codes).
VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "water_temp": {"names": ("Nhiệt độ nước", "Nhiệt độ nước ao", "Water temperature", "Temperature (water)",
                             "Sea water temperature", "Pond temperature", "Nhiệt độ (nước)"),
                   "terms": ("water_temperature", "waterTemperature", "sea_water_temperature", "TEMPPR01",
                             "WaterTemperature", "TempWater", "wtemp")},
    "ph": {"names": ("pH", "Độ pH", "pH nước", "potential of hydrogen"),
           "terms": ("ph", "pH", "PHXXZZXX", "AcidityPH", "hydrogen_ion_concentration")},
    "salinity": {"names": ("Độ mặn", "Salinity", "Độ muối", "Sal"),
                 "terms": ("salinity", "sea_water_salinity", "PSALST01", "Salinity", "sal")},
    "do": {"names": ("Oxy hòa tan", "Ôxy hòa tan", "Oxi hòa tan", "Dissolved oxygen", "DO", "Dissolved O2", "Oxy",
                     "Hàm lượng oxy hòa tan"),
           "terms": ("do", "dissolved_oxygen", "DissolvedOxygen", "DOXYZZXX", "mass_concentration_of_oxygen_in_sea_water",
                     "oxygen")},
    "nh3": {"names": ("Amoniac", "Ammonia", "NH3", "Khí NH3"),
            "terms": ("nh3", "ammonia")},
    "h2s": {"names": ("Hydro sunfua", "Hydrogen sulphide", "Hydrogen sulfide", "H2S", "Khí H2S"),
            "terms": ("h2s", "hydrogen_sulfide", "hydrogen_sulphide")},
    "nitrite": {"names": ("Nitrit", "Nitrite", "Nitơ nitrit", "Nitrit NO2-"),
                "terms": ("nitrite", "NTRIAAZX")},
    "flow_speed": {"names": ("Tốc độ dòng chảy", "Vận tốc dòng chảy", "Flow speed", "Flow velocity", "Current speed"),
                   "terms": ("flow_speed", "flow_velocity", "current_speed", "FlowSpeed")},
    "transparency": {"names": ("Độ trong", "Độ trong nước", "Transparency", "Secchi depth", "Độ trong (Secchi)"),
                     "terms": ("transparency", "secchi_depth", "SecchiDepth")},
    "pm25": {"names": ("PM2.5", "Bụi PM2.5", "Bụi mịn PM2.5", "PM 2.5", "PM2_5", "Fine particulate matter",
                       "Particulate matter 2.5", "Particulate matter < 2.5 µm", "Bụi mịn"),
             "terms": ("pm25", "PM2.5", "pm2_5", "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
                       "PM2_5MassConcentration", "MassConcentrationOfPM25")},
    "pm10": {"names": ("PM10", "Bụi PM10", "Bụi PM 10", "PM 10", "Particulate matter 10", "Coarse particulate matter",
                       "Particulate matter < 10 µm", "Bụi lơ lửng PM10"),
             "terms": ("pm10", "mass_concentration_of_pm10_ambient_aerosol_particles_in_air", "PM10MassConcentration",
                       "MassConcentrationOfPM10")},
    "o3": {"names": ("Ozon", "Ozone", "O3", "Ôzôn"),
           "terms": ("o3", "ozone", "mass_concentration_of_ozone_in_air")},
    "co": {"names": ("Cacbon monoxit", "Carbon monoxide", "CO", "Khí CO", "Cacbon monoxide"),
           "terms": ("co", "carbon_monoxide", "mass_concentration_of_carbon_monoxide_in_air", "CarbonMonoxide")},
    "so2": {"names": ("Lưu huỳnh đioxit", "Lưu huỳnh dioxit", "Sulphur dioxide", "Sulfur dioxide", "SO2", "Khí SO2"),
            "terms": ("so2", "sulfur_dioxide", "sulphur_dioxide", "mass_concentration_of_sulfur_dioxide_in_air")},
    "no2": {"names": ("Nitơ đioxit", "Nitơ dioxit", "Nitrogen dioxide", "NO2", "Khí NO2"),
            "terms": ("no2", "nitrogen_dioxide", "mass_concentration_of_nitrogen_dioxide_in_air")},
    "air_temp": {"names": ("Nhiệt độ không khí", "Nhiệt độ môi trường", "Air temperature", "Ambient temperature",
                           "Temperature (air)", "Nhiệt độ (không khí)"),
                 "terms": ("air_temperature", "AirTemperature", "airTemperature", "CTMPZZ01", "TEMPAIR", "AreaTemperature",
                           "ambient_temperature")},
    "humidity": {"names": ("Độ ẩm", "Độ ẩm không khí", "Độ ẩm tương đối", "Humidity", "Relative humidity", "RH"),
                 "terms": ("humidity", "relative_humidity", "RelativeHumidity", "relativeHumidity", "CRELZZ01")},
    "water_level": {"names": ("Mực nước", "Mực nước sông", "Mực nước kênh", "Mực nước hồ", "Mực nước ruộng", "Cao độ mực nước",
                              "Water level", "River level", "River stage", "Gauge height"),
                    "terms": ("water_level", "WaterLevel", "waterLevel", "water_surface_height_above_reference_datum",
                              "river_level", "river_stage", "gauge_height")},
    "rainfall": {"names": ("Lượng mưa", "Mưa", "Rainfall", "Precipitation", "Rain", "Rain accumulation",
                           "Precipitation amount", "Lượng mưa tích lũy"),
                 "terms": ("rainfall", "precipitation", "precipitation_amount", "rainfall_amount", "Precipitation",
                           "PrecipitationAmount", "lwe_thickness_of_precipitation_amount")},
    "wifi_clients": {"names": ("Người dùng Wi-Fi", "Số người dùng Wi-Fi", "Wi-Fi users", "Wi-Fi clients",
                               "Connected clients", "Số thiết bị kết nối"),
                     "terms": ("wifi_clients", "connected_clients", "wifiClients")},
    # Unqualified names: a temperature without saying of what. The unit cannot tell air from water either,
    # so these stay ambiguous unless the definition or the site file settles it.
    "@temperature": {"names": ("Nhiệt độ", "Temperature", "Temp"),
                     "terms": ("temperature", "Temperature", "TEMP")},
}
AMBIGUOUS = {"@temperature": ("water_temp", "air_temp")}

# URIs whose meaning is in a code, not a word: the EEA air-quality pollutant vocabulary
# (used by European SensorThings deployments) and QUDT quantity kinds that name a parameter.
FULL_DEFINITIONS: dict[str, str] = {
    "dd.eionet.europa.eu/vocabulary/aq/pollutant/6001": "pm25",
    "dd.eionet.europa.eu/vocabulary/aq/pollutant/5": "pm10",
    "dd.eionet.europa.eu/vocabulary/aq/pollutant/7": "o3",
    "dd.eionet.europa.eu/vocabulary/aq/pollutant/8": "no2",
    "dd.eionet.europa.eu/vocabulary/aq/pollutant/1": "so2",
    "dd.eionet.europa.eu/vocabulary/aq/pollutant/10": "co",
    "qudt.org/vocab/quantitykind/RelativeHumidity": "humidity",
    "qudt.org/vocab/quantitykind/PH": "ph",
    "qudt.org/vocab/quantitykind/Salinity": "salinity",
}

# Unit names and definition tails (UCUM, QUDT) as servers write them, for a missing or odd symbol.
UNIT_WORDS: dict[str, str] = {
    "degreecelsius": "°C", "degc": "°C", "cel": "°C", "celsius": "°C", "degreefahrenheit": "°F", "degf": "°F",
    "fahrenheit": "°F", "centimeter": "cm", "centimetre": "cm", "meter": "m", "metre": "m", "millimeter": "mm",
    "millimetre": "mm", "microgrampercubicmeter": "µg/m³", "microgrampercubicmetre": "µg/m³", "ugm3": "µg/m³",
    "milligrampercubicmeter": "mg/m³", "milligrampercubicmetre": "mg/m³", "milligramperliter": "mg/L",
    "milligramperlitre": "mg/L", "percent": "%", "partspermillion": "ppm", "partsperbillion": "ppb",
    "partsperthousand": "‰", "practicalsalinityunit": "‰", "meterpersecond": "m/s", "metrepersecond": "m/s",
}


def fold(text: str | None) -> str:
    """Lower case, no diacritics (đ -> d), subscripts as digits, only letters and digits left:
    'Bụi PM2.5' -> 'buipm25', 'Oxy hòa tan' -> 'oxyhoatan', 'NH₃' -> 'nh3'."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKD", str(text)).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "", s.lower())


def _name_keys(name: str) -> list[str]:
    """The whole name, the name without its parentheses, and each parenthesised part:
    'Oxy hòa tan (DO)' -> ['oxyhoatando', 'oxyhoatan', 'do']."""
    keys = [fold(name)]
    outer = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    keys.append(fold(outer))
    keys += [fold(part) for part in re.findall(r"\(([^)]*)\)|\[([^\]]*)\]", name) for part in part if part]
    return [k for k in dict.fromkeys(keys) if k]


def _build() -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    names: dict[str, set[str]] = {}
    terms: dict[str, set[str]] = {}
    for code, entry in VOCABULARY.items():
        targets = set(AMBIGUOUS.get(code, (code,)))
        words = list(entry["names"])
        if code in PARAMETERS:
            words += [code, PARAMETERS[code].vi, PARAMETERS[code].en]
        for word in words:
            # the whole name and the name without its parentheses; an abbreviation is registered only
            # where listed on its own ("DO"), as "Nitrit (NO₂⁻)" would otherwise claim NO₂ the gas
            for key in _name_keys(word)[:2]:
                names.setdefault(key, set()).update(targets)
        for term in (*entry["terms"], *( (code,) if code in PARAMETERS else ())):
            terms.setdefault(fold(term), set()).update(targets)
    full = {k.lower(): v for k, v in FULL_DEFINITIONS.items()}
    return names, terms, full


_NAMES, _TERMS, _FULL = _build()


@dataclass(frozen=True)
class Match:
    """parameter None = unmapped; reason says why (unknown_parameter, ambiguous_parameter,
    name_definition_disagree, unit_mismatch); via says what decided it."""
    parameter: str | None
    reason: str | None = None
    via: str = ""
    candidates: tuple[str, ...] = ()


def from_name(name: str | None) -> set[str]:
    if not name:
        return set()
    keys = _name_keys(str(name))
    whole = _NAMES.get(keys[0])
    if whole:                         # the whole name is known: that decides it
        return set(whole)
    found: set[str] = set()
    for key in keys[1:]:
        found |= _NAMES.get(key, set())
    return found


def from_definition(definition: str | None) -> set[str]:
    if not definition or not isinstance(definition, str):
        return set()
    uri = unquote(definition.strip())
    parts = urlsplit(uri)
    bare = (parts.netloc + parts.path).rstrip("/").lower().removeprefix("www.")
    if bare in _FULL:
        return {_FULL[bare]}
    tail = parts.fragment or parts.path.rstrip("/").rsplit("/", 1)[-1] or uri.rsplit(":", 1)[-1]
    if parts.scheme == "urn":           # urn:ogc:def:property:OGC:temperature
        tail = uri.rsplit(":", 1)[-1]
    return set(_TERMS.get(fold(tail), set()))


def unit_symbol(symbol: str | None, name: str | None = None, definition: str | None = None) -> str | None:
    """The declared unit as our canonical symbol where we can read it (symbol first, then the unit's
    name or definition tail: 'DegreeCelsius', 'ucum.html#para-30' is not readable); the raw symbol else."""
    known = set(UNIT_WORDS.values()) | {p.unit for p in PARAMETERS.values()}
    if isinstance(symbol, str) and symbol.strip():
        canon = canonical_unit(symbol)
        if canon in known:
            return canon
        if fold(symbol) in UNIT_WORDS:
            return UNIT_WORDS[fold(symbol)]
    for text in (name, (definition or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]):
        if isinstance(text, str) and fold(text) in UNIT_WORDS:
            return UNIT_WORDS[fold(text)]
    return canonical_unit(symbol) if isinstance(symbol, str) and symbol.strip() else None


def unit_fits(parameter: str, symbol: str | None) -> bool:
    try:
        converter(parameter, symbol)
    except UnknownUnit:
        return False
    return True


def match_parameter(name: str | None, definition: str | None = None, unit: str | None = None) -> Match:
    """Our parameter for an ObservedProperty, or None with the reason (see module docstring)."""
    by_name, by_def = from_name(name), from_definition(definition)
    if by_name and by_def:
        both = by_name & by_def
        if not both:
            return Match(None, "name_definition_disagree", candidates=tuple(sorted(by_name | by_def)))
        found, via = both, "name+definition"
    elif by_name or by_def:
        found, via = (by_name, "name") if by_name else (by_def, "definition")
    else:
        return Match(None, "unknown_parameter")
    fitting = {p for p in found if unit_fits(p, unit)}
    if not fitting:
        return Match(None, "unit_mismatch", via, tuple(sorted(found)))
    if len(fitting) > 1:
        return Match(None, "ambiguous_parameter", via, tuple(sorted(fitting)))
    return Match(next(iter(fitting)), None, via + ("+unit" if unit else ""), tuple(sorted(found)))
