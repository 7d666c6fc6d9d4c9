"""Numbers and dates the Vietnamese way (1.234,5 · 97,5% · 12/06/2025 14:30), English on request.
Missing values read "no data", never 0."""
from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal

from core.text import is_missing as _is_missing
from core.text import source_text
from core.timeutil import to_local

LOCALES = {"vi": "vi_VN", "en": "en_GB"}
NO_DATA = {"vi": "Không có dữ liệu", "en": "No data"}


def is_missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA: what a missing value can look like once pandas 3 has touched it
    (one rule for the whole app: core/text.py)."""
    return _is_missing(value)


def text_or(value: object, default: str = "") -> str:
    """A source's text, or `default` where it is missing: never 'nan', never a crash on NaN[:n]."""
    return source_text(value, default)


def fmt_number(value: float | int | None, lang: str = "vi", decimals: int = 1) -> str:
    if is_missing(value):
        return NO_DATA.get(lang, NO_DATA["vi"])
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_decimal(round(float(value), decimals), format=pattern, locale=LOCALES.get(lang, "vi_VN"))


def fmt_fixed(value: float | int | None, lang: str = "vi", decimals: int = 1) -> str:
    """Always `decimals` digits after the separator: for tables where columns must line up."""
    if is_missing(value):
        return NO_DATA.get(lang, NO_DATA["vi"])
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(round(float(value), decimals), format=pattern, locale=LOCALES.get(lang, "vi_VN"))


def fmt_percent(value: float | None, lang: str = "vi", decimals: int = 1) -> str:
    """Value is already 0-100 (the catalogue convention)."""
    if is_missing(value):
        return NO_DATA.get(lang, NO_DATA["vi"])
    return f"{fmt_number(value, lang, decimals)}%"


def fmt_date(value: datetime | date | float | int | None, lang: str = "vi") -> str:
    if is_missing(value):
        return NO_DATA.get(lang, NO_DATA["vi"])
    if not isinstance(value, date) or isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def fmt_time(value: datetime | float | int | None, lang: str = "vi") -> str:
    if is_missing(value):
        return NO_DATA.get(lang, NO_DATA["vi"])
    return to_local(value).strftime("%H:%M")


def fmt_datetime(value: datetime | float | int | None, lang: str = "vi") -> str:
    if is_missing(value):
        return NO_DATA.get(lang, NO_DATA["vi"])
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` layout attribute: decimal then thousands."""
    return ",." if lang == "vi" else ".,"


def fmt_period(period: str | None, lang: str = "vi") -> str:
    """An indicator's reporting period as people write it: 2026-10 -> 10/2026, 2026-Q3 -> Quý 3/2026,
    2026-W05 -> Tuần 05/2026, 2026-10-05 -> 05/10/2026; anything else as it came."""
    import re
    text = str(period or "").strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return f"{m[3]}/{m[2]}/{m[1]}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return f"{m[2]}/{m[1]}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text, re.I):
        return f"Quý {m[2]}/{m[1]}" if lang == "vi" else f"Q{m[2]} {m[1]}"
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", text, re.I):
        return f"Tuần {m[2]}/{m[1]}" if lang == "vi" else f"Week {m[2]} {m[1]}"
    return text
