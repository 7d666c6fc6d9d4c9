"""Numbers and dates the Vietnamese way (1.234,5 · 97,5% · 12/06/2025 14:30), English on request.
Missing values read "no data", never 0."""
from __future__ import annotations

import math
from datetime import date, datetime

from babel.numbers import format_decimal

from core.timeutil import to_local

LOCALES = {"vi": "vi_VN", "en": "en_GB"}
NO_DATA = {"vi": "Không có dữ liệu", "en": "No data"}


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


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
    if value is None:
        return NO_DATA.get(lang, NO_DATA["vi"])
    if not isinstance(value, date) or isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def fmt_time(value: datetime | float | int | None, lang: str = "vi") -> str:
    if value is None:
        return NO_DATA.get(lang, NO_DATA["vi"])
    return to_local(value).strftime("%H:%M")


def fmt_datetime(value: datetime | float | int | None, lang: str = "vi") -> str:
    if value is None:
        return NO_DATA.get(lang, NO_DATA["vi"])
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` layout attribute: decimal then thousands."""
    return ",." if lang == "vi" else ".,"
