"""Text from outside (a source's record, a visitor's URL or upload) made safe to show and to write.

Every string a SensorThings server, an NVR, a citizen's report, a feed or a visitor sends is untrusted:
`esc()` is the one way to put such a value into HTML that a browser will parse (Leaflet tooltips and
popups take HTML), `source_text()` the one way to put it into a Dash component (which escapes by itself)
or a message. Both read a missing value (None, NaN, NaT, pd.NA: what pandas 3 makes of SQL NULL) as "—",
never as "nan" and never with a crash, and both replace lone surrogates, which no JSON encoder can send.
`csv_cell()` keeps a spreadsheet from running a cell that starts like a formula (OWASP CSV injection)."""
from __future__ import annotations

import html
import math
import re

MISSING = "—"
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# OWASP "CSV injection": a cell starting with one of these is read as a formula by Excel/LibreOffice/Sheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pd.NA; never raises (pd.NA refuses to be a bool)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (str, int, bytes)):
        return False
    try:
        import pandas as pd
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return bool(result) if isinstance(result, bool) or type(result).__name__ == "bool_" else False


def source_text(value: object, missing: str = MISSING, limit: int | None = None) -> str:
    """A value from outside as plain text: "—" (or `missing`) when absent, lone surrogates replaced,
    cut to `limit` characters with an ellipsis. Not escaped: for Dash components, which escape."""
    if is_missing(value):
        return missing
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = _SURROGATES.sub("\ufffd", text)
    if limit is not None and len(text) > limit:
        text = text[:max(limit - 1, 0)] + "…"
    return text


def esc(value: object, missing: str = MISSING, limit: int | None = None) -> str:
    """A value from outside, escaped for HTML that a browser parses (tooltips, popups, attributes)."""
    return html.escape(source_text(value, missing, limit), quote=True)


def chart_text(value: object, missing: str = MISSING, limit: int | None = None) -> str:
    """A value from outside as text in a Plotly figure (a title, an axis title, a category, a trace name,
    an annotation). Plotly reads a small HTML subset there (<b>, <br>, <a href>, <span style>) and
    decodes entities, so escaping &, < and > shows the text as written and lets it add no markup."""
    return source_text(value, missing, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def csv_cell(value: object) -> object:
    """A cell as a CSV/XLSX writer should write it: text that a spreadsheet would take for a formula
    (= + - @, tab, CR, LF first) gets a leading apostrophe, as OWASP advises; numbers stay numbers
    (a negative number is a number, not a formula), missing stays empty."""
    if is_missing(value):
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    text = source_text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
