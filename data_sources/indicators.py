"""The indicator feed (DOMAIN.md §2.4) over HTTP, and the same rows from CSV/XLSX files. One validation
for both: catalogue code, scope, period, % within 0-100, numerator <= denominator; null = not reported."""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from core.errors import SourceUnavailable
from core.timeutil import iso_local, parse_time
from data_sources.base import Adapter
from data_sources.http import shape
from domain.catalogue import CATALOGUE
from ingest.records import IndicatorRecord, Rejected, excerpt

COLUMNS = ("indicator", "scope", "period", "value", "numerator", "denominator", "note")
MAX_ROWS = 100_000
MAX_FILE_BYTES = 20_000_000
_SCOPE = re.compile(r"^(commune|village):[a-z0-9_\-]{1,64}$")
_PERIODS = (
    ("day", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
    ("week", re.compile(r"^(\d{4})-W(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("year", re.compile(r"^(\d{4})$")),
)


class BadPeriod(ValueError):
    pass


def period_bounds(period: str) -> tuple[str, date]:
    """(kind, first local day) of a period string; raises BadPeriod."""
    text = str(period).strip()
    for kind, pattern in _PERIODS:
        m = pattern.match(text)
        if not m:
            continue
        try:
            y = int(m.group(1))
            if not 1990 <= y <= 2100:
                raise BadPeriod(f"year {y} out of range")
            if kind == "day":
                return kind, date(y, int(m.group(2)), int(m.group(3)))
            if kind == "week":
                return kind, date.fromisocalendar(y, int(m.group(2)), 1)
            if kind == "quarter":
                return kind, date(y, 3 * int(m.group(2)) - 2, 1)
            if kind == "month":
                return kind, date(y, int(m.group(2)), 1)
            return kind, date(y, 1, 1)
        except ValueError as err:
            raise BadPeriod(f"{text!r}: {err}") from err
    raise BadPeriod(f"{text[:40]!r} is not YYYY, YYYY-Qn, YYYY-MM, YYYY-Www or YYYY-MM-DD")


def _number(value, decimal_comma: bool = False) -> float | None:
    """None for empty/null; raises ValueError for text that is not a number."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "null", "NULL", "None")):
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, (int, float)):
        v = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if decimal_comma:
            text = text.replace(".", "").replace(",", ".")
        v = float(text)
    if not math.isfinite(v):
        raise ValueError("not a finite number")
    return v


def validate_indicator_row(row: dict, source: str, generated_t: int, simulated: bool,
                           decimal_comma: bool = False, where: str = "") -> IndicatorRecord | Rejected:
    def reject(reason: str, detail: str) -> Rejected:
        key = f"{row.get('indicator')}|{row.get('scope')}|{row.get('period')}" if isinstance(row, dict) else None
        return Rejected(source, "indicator", reason, f"{where}{detail}", excerpt(row), key)

    if not isinstance(row, dict):
        return reject("wrong_type", "row is not an object")
    code = str(row.get("indicator") or "").strip()
    if not code:
        return reject("missing_field", "indicator is empty")
    definition = CATALOGUE.get(code)
    if definition is None:
        return reject("unknown_indicator", f"indicator {code!r} is not in the catalogue")
    scope = str(row.get("scope") or "").strip()
    if not _SCOPE.match(scope):
        return reject("bad_scope", f"scope {scope[:60]!r} is not commune:<id> or village:<id>")
    period = str(row.get("period") or "").strip()
    try:
        period_bounds(period)
    except BadPeriod as err:
        return reject("bad_period", str(err))
    try:
        value = _number(row.get("value"), decimal_comma)
        num = _number(row.get("numerator"), decimal_comma)
        den = _number(row.get("denominator"), decimal_comma)
    except (TypeError, ValueError) as err:
        return reject("wrong_type", f"value/numerator/denominator: {err}")
    if definition.is_rate and value is not None and not 0 <= value <= 100:
        return reject("out_of_range", f"{value} % is outside 0-100")
    if value is not None and value < 0 and definition.unit in ("count", "days"):
        return reject("out_of_range", f"{value} cannot be negative")
    if num is not None and den is not None:
        if num < 0 or den < 0:
            return reject("bad_ratio", "numerator and denominator cannot be negative")
        if num > den:
            return reject("bad_ratio", f"numerator {num} > denominator {den}")
    note = row.get("note")
    return IndicatorRecord(source, code, scope, period, value, num, den,
                           unicodedata.normalize("NFC", str(note))[:1000] if note not in (None, "") else None,
                           generated_t, simulated)


def parse_indicator_file(content: bytes | str | Path, filename: str | None = None, source: str = "file",
                         generated_t: int = 0) -> Iterator[IndicatorRecord | Rejected]:
    """Rows of a CSV (UTF-8, with or without BOM; ',' or ';') or XLSX (first sheet, header row).
    Raises ValueError for a file that cannot be read at all (too big, not CSV/XLSX, no header)."""
    if isinstance(content, (str, Path)) and not isinstance(content, bytes):
        path = Path(content)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"file is over {MAX_FILE_BYTES // 1_000_000} MB")
        filename = filename or path.name
        content = path.read_bytes()
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(f"file is over {MAX_FILE_BYTES // 1_000_000} MB")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        rows, decimal_comma = _xlsx_rows(content), False
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        rows, decimal_comma = _csv_rows(content)
    else:
        raise ValueError("only .csv and .xlsx files are accepted")
    header_seen = False
    for n, row in enumerate(rows, start=2):
        header_seen = True
        if n - 1 > MAX_ROWS:
            yield Rejected(source, "indicator", "too_many_rows", f"file has more than {MAX_ROWS} rows; the rest is ignored")
            return
        if isinstance(row, UnreadableRow):
            yield Rejected(source, "indicator", "unreadable_row", f"row {n}: the file cannot be read from here on ({row})")
            return
        if all(v in (None, "") for v in row.values()):
            continue
        yield validate_indicator_row(row, source, generated_t, False, decimal_comma, where=f"row {n}: ")
    if not header_seen:
        return


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"the CSV is not UTF-8 ({err})") from err
    text = unicodedata.normalize("NFC", text)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("indicator", "scope", "period", "value") if c not in header]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)} (expected {','.join(COLUMNS)})")
    reader.fieldnames = header
    # Excel in Vietnamese writes ';' separators and ',' decimals; a ';' file is read that way.
    return ({k: v for k, v in row.items() if k} for row in reader), delimiter == ";"


# An XLSX is a zip: its parts are checked before anything inflates them (a 20 KB file can hold a
# shared-strings part of 300 MB). Real workbooks compress text 5-20x; 100x is a bomb.
MAX_XLSX_UNCOMPRESSED = 60_000_000
MAX_XLSX_RATIO = 100


def _check_xlsx_zip(content: bytes) -> None:
    import zipfile
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as err:
        raise ValueError(f"not a readable XLSX file: {err}") from err
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ValueError(f"the XLSX file unpacks to over {MAX_XLSX_UNCOMPRESSED // 1_000_000} MB")
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
            raise ValueError(f"the XLSX part {i.filename[:60]} is compressed {i.file_size // max(i.compress_size, 1)}x: "
                             "refused as a zip bomb")


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook
    _check_xlsx_zip(content)   # zip's reader never inflates past a part's declared size, so this holds
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        # read-only mode trusts <dimension ref="A1:D1"/>, which writers leave stale: read what is there
        ws.reset_dimensions()
        it = ws.iter_rows(values_only=True)
        first = next(it)
    except StopIteration:
        raise ValueError("the XLSX file is empty") from None
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ValueError(f"not a readable XLSX file: {type(err).__name__}") from err
    header = [str(h or "").strip().lower() for h in first]
    missing = [c for c in ("indicator", "scope", "period", "value") if c not in header]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)} (expected {','.join(COLUMNS)})")

    def rows():
        try:
            for values in it:
                yield {h: (None if v is None else (v if isinstance(v, (int, float)) else str(v)))
                       for h, v in zip(header, values) if h}
        except Exception as err:  # noqa: BLE001 - a broken cell (a shared-string index past the table, ...)
            yield UnreadableRow(f"{type(err).__name__}: {str(err)[:80]}")
        finally:
            wb.close()
    return rows()


class UnreadableRow(str):
    """Stands for the rest of a sheet that openpyxl could not read: one rejection, then the file ends."""


class IndicatorFeedAdapter(Adapter):
    name = "indicators"
    protocol = "Indicator feed (JSON)"
    lateness_s = 0
    history_days_min = 3 * 366   # monthly and yearly figures: a back-fill takes their history whole

    def poll(self, since: int, until: int, *, open_ids: Sequence[str] = ()):
        data = self.client.get_json(f"{self.base_url}/indicators.json", {"updated_since": iso_local(since)})
        if not isinstance(data, dict) or not isinstance(data.get("values"), list):
            raise SourceUnavailable(f"indicator feed: expected {{values: [...]}}, got {shape(data)}")
        try:
            generated = int(parse_time(data.get("generated_at")).timestamp()) if data.get("generated_at") else until
        except ValueError:
            generated = until
        simulated = bool(data.get("simulated"))
        source = self.source
        for row in data["values"]:
            yield validate_indicator_row(row, source, generated, simulated)

    def ping(self) -> dict:
        data = self.client.get_json(f"{self.base_url}/indicators.json",
                                    {"updated_since": "2100-01-01T00:00:00+07:00"})
        return {"ok": True, "simulated": bool(isinstance(data, dict) and data.get("simulated"))}
