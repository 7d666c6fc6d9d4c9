"""How a flush of readings reaches the store: the rows, the hourly and local-day rollups, the latest value.

A batch (up to ingest.writer.FLUSH_ROWS rows) is first made a `ReadingBatch`: numpy columns sorted by
(series, t), a time repeated within the batch kept once (the first, as SQLite's `OR IGNORE` keeps it).
One probe per flush then asks, per series, whether the store already holds a reading in the span the
batch covers, and the first stored reading after the batch's newest within that local day.

- **New history** (nothing stored in the span: a back-fill, a first poll, the next page of the same
  series): every row is new, so the rollups of the buckets it touches are computed from the batch alone
  (numpy group-by) and merged into the stored ones by one `INSERT … ON CONFLICT` a level. Whatever a
  bucket held before lies outside the span, so the parts are disjoint and add up exactly: counts and
  sums add, min and max combine, and `last` (the value at the newest time) is the batch's unless the
  store holds a reading later in that bucket — only possible in the bucket of the batch's newest time,
  which is what the probe's "next stored reading" answers. On PostgreSQL the rows go in by one binary
  COPY built from the numpy columns.
- **Overlapping** (some of the span is stored: the lateness overlap of a live poll, a repeated window,
  late data): the rows go in skipping stored keys, and the buckets that received a new row are
  recomputed from the rows below them (PostgreSQL: the buckets come back from the INSERT's RETURNING,
  one statement a level for all of them; SQLite: the series' span, as before).

Rollups therefore equal a from-scratch aggregation of the stored readings after any mix of batches
(tests/integration/ingest/test_rollup_properties.py checks it on both engines). The one race left is
two writers storing the same series at once (the leader lock keeps one ingest process writing).
"""
from __future__ import annotations

import numpy as np

from core.timeutil import DAY, HOUR, LOCAL_OFFSET_S

# the newest reading of each series: a batch's newest replaces it only if newer (a late reading leaves it)
LATEST_SQL = ("INSERT INTO readings_latest (series_id, t, value) VALUES (%s, %s, %s) "
              "ON CONFLICT (series_id) DO UPDATE SET t = excluded.t, value = excluded.value "
              "WHERE excluded.t > readings_latest.t")

# (table, bucket width, offset): hours are UTC hours, days local days (the zone keeps one offset all year,
# core.timeutil.fixed_offset_s checks it, so `t - (t + offset) % 86400` is local midnight)
LEVELS = (("rollup_hour", HOUR, 0), ("rollup_day", DAY, LOCAL_OFFSET_S))

# binary COPY: a header, then each tuple as its field count and each field's length and big-endian bytes,
# then a trailer; numpy lays a whole batch out in one go (psycopg's write_row works row by row)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)     # signature, flags, header extension length
_COPY_TRAILER = b"\xff\xff"
_PG_TYPES = {"int4": ">i4", "int8": ">i8", "float8": ">f8"}


def copy_payload(columns: list[tuple[str, np.ndarray]]) -> bytes:
    """Columns (PostgreSQL type, values) as one binary COPY stream."""
    layout = [("fields", ">i2")]
    for k, (pg_type, _values) in enumerate(columns):
        layout += [(f"len{k}", ">i4"), (f"col{k}", _PG_TYPES[pg_type])]
    out = np.empty(len(columns[0][1]), dtype=np.dtype(layout))
    out["fields"] = len(columns)
    for k, (pg_type, values) in enumerate(columns):
        out[f"len{k}"] = out.dtype[f"col{k}"].itemsize
        out[f"col{k}"] = values
    return _COPY_HEADER + out.tobytes() + _COPY_TRAILER

_ROW = np.dtype([("sid", "i4"), ("t", "i8"), ("v", "f8")])
_NONE = np.iinfo(np.int64).max                         # "no stored reading after the batch"


class ReadingBatch:
    """A flush's rows as numpy columns, sorted by (series, t), each key once (its first occurrence)."""

    def __init__(self, sid: np.ndarray, t: np.ndarray, v: np.ndarray, rows: list | None = None):
        self.sid, self.t, self.v = sid, t, v
        self._rows = rows       # the same rows as tuples, when the batch came in order (SQLite takes them)
        n = len(t)
        brk = np.flatnonzero(sid[1:] != sid[:-1]) + 1
        self._series_starts = np.r_[0, brk] if n else brk
        self._series_ends = np.r_[brk, n] if n else brk
        self.series = sid[self._series_starts]          # ascending
        self.lo = t[self._series_starts]
        self.hi = t[self._series_ends - 1]
        self.newest = v[self._series_ends - 1]          # the value at hi

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, float]]) -> ReadingBatch:
        arr = np.fromiter(rows, dtype=_ROW, count=len(rows))
        sid, t, v = arr["sid"], arr["t"], arr["v"]
        ds, dt = np.diff(sid), np.diff(t)
        if np.all((ds > 0) | ((ds == 0) & (dt > 0))):     # already strictly ordered (a back-fill's pages are)
            return cls(sid, t, v, rows)
        order = np.lexsort((t, sid))            # stable: a repeated key keeps the batch's order
        sid, t, v = sid[order], t[order], v[order]
        first = np.r_[True, (sid[1:] != sid[:-1]) | (t[1:] != t[:-1])]
        return cls(sid[first], t[first], v[first])

    def __len__(self) -> int:
        return len(self.t)

    def spans(self) -> dict[int, list[int]]:
        return {s: [lo, hi] for s, lo, hi in zip(self.series.tolist(), self.lo.tolist(), self.hi.tolist())}

    def latest(self) -> list[tuple[int, int, float]]:
        return list(zip(self.series.tolist(), self.hi.tolist(), self.newest.tolist()))

    def only(self, keep_series: set[int]) -> ReadingBatch:
        mask = np.isin(self.sid, np.fromiter(keep_series, dtype=np.int32, count=len(keep_series)))
        return ReadingBatch(self.sid[mask], self.t[mask], self.v[mask])

    def rows(self) -> list[tuple[int, int, float]]:
        if self._rows is None:
            self._rows = list(zip(self.sid.tolist(), self.t.tolist(), self.v.tolist()))
        return self._rows

    def copy_payload(self) -> bytes:
        """The batch as one binary COPY stream of (series_id, t, value)."""
        return copy_payload([("int4", self.sid), ("int8", self.t), ("float8", self.v)])

    def buckets(self, width: int, offset: int, next_stored: np.ndarray):
        """Per (series, bucket): series, start, count, mean, min, max, last; whether the stored `last` of
        the bucket stays (the store holds a reading after the batch's newest within it); and whether the
        bucket lies whole inside the batch's span (so the store holds nothing of it). next_stored is, per
        series of the batch (in self.series order), the first stored time after hi, or _NONE."""
        t, v, sid = self.t, self.v, self.sid
        b = t - (t + offset) % width
        brk = np.flatnonzero((sid[1:] != sid[:-1]) | (b[1:] != b[:-1])) + 1
        starts = np.r_[0, brk]
        ends = np.r_[brk, len(t)]
        count = ends - starts
        start = b[starts]
        bsid = sid[starts]
        k = np.searchsorted(self.series, bsid)
        lo, hi, nxt = self.lo[k], self.hi[k], next_stored[k]
        keep_stored_last = (start <= hi) & (hi < start + width) & (nxt < start + width)
        whole = (lo <= start) & (start + width - 1 <= hi)
        return (bsid, start, count, np.add.reduceat(v, starts) / count, np.minimum.reduceat(v, starts),
                np.maximum.reduceat(v, starts), v[ends - 1], keep_stored_last, whole)


def _bucket_rows(batch: ReadingBatch, width: int, offset: int, next_stored: np.ndarray):
    """(rows whose batch `last` wins, rows whose stored `last` stays), each a tuple of column lists."""
    *cols, keep, _whole = batch.buckets(width, offset, next_stored)
    return tuple(tuple(c[mask].tolist() for c in cols) for mask in (~keep, keep))


def pg_array(values: list) -> str:
    """A list as a PostgreSQL array literal, for an `%s::float8[]`-style parameter: psycopg dumps a list
    element by element in Python (a regex each), 0.3 s for a flush's rollups; `str` of a float is its
    shortest exact form, which float8 input reads back exactly."""
    return "{" + ",".join(map(str, values)) + "}"


# --- SQLite ---------------------------------------------------------------------------------------

_SQLITE_MERGE = """INSERT INTO {table} (series_id, t, count, mean, min, max, last) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (series_id, t) DO UPDATE SET count = {table}.count + excluded.count,
  mean = ({table}.mean * {table}.count + excluded.mean * excluded.count) / ({table}.count + excluded.count),
  min = min({table}.min, excluded.min), max = max({table}.max, excluded.max), last = {last}"""


def probe_sqlite(conn, batch: ReadingBatch) -> tuple[set[int], np.ndarray]:
    """(series with a stored reading in the batch's span, first stored time after hi in hi's local day)."""
    overlapping, nxt = set(), np.full(len(batch.series), _NONE, dtype=np.int64)
    for k, (s, lo, hi) in enumerate(zip(batch.series.tolist(), batch.lo.tolist(), batch.hi.tolist())):
        day_end = hi - (hi + LOCAL_OFFSET_S) % DAY + DAY
        inside, after = conn.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM readings WHERE series_id = ? AND t >= ? AND t <= ?), "
            "(SELECT min(t) FROM readings WHERE series_id = ? AND t > ? AND t < ?)",
            (s, lo, hi, s, hi, day_end)).one()
        if inside:
            overlapping.add(s)
        elif after is not None:
            nxt[k] = after
    return overlapping, nxt


def merge_rollups_sqlite(conn, batch: ReadingBatch, next_stored: np.ndarray) -> None:
    for table, width, offset in LEVELS:
        wins, stays = _bucket_rows(batch, width, offset, next_stored)
        for cols, last in ((wins, "excluded.last"), (stays, f"{table}.last")):
            if cols[0]:
                conn.exec_driver_sql(_SQLITE_MERGE.format(table=table, last=last), list(zip(*cols)))


# --- PostgreSQL -----------------------------------------------------------------------------------

_PG_PROBE = """SELECT s.id,
  EXISTS (SELECT 1 FROM readings r WHERE r.series_id = s.id AND r.t >= s.lo AND r.t <= s.hi),
  (SELECT r.t FROM readings r WHERE r.series_id = s.id AND r.t > s.hi AND r.t < s.day_end ORDER BY r.t LIMIT 1)
FROM unnest(%s::int[], %s::bigint[], %s::bigint[], %s::bigint[]) AS s(id, lo, hi, day_end)"""

_PG_MERGE = """INSERT INTO {table} AS r (series_id, t, count, mean, min, max, last)
SELECT * FROM unnest(%s::int[], %s::bigint[], %s::int[], %s::float8[], %s::float8[], %s::float8[], %s::float8[])
ON CONFLICT (series_id, t) DO UPDATE SET count = r.count + excluded.count,
  mean = (r.mean * r.count + excluded.mean * excluded.count) / (r.count + excluded.count),
  min = least(r.min, excluded.min), max = greatest(r.max, excluded.max), last = {last}"""

# the buckets that received new rows, re-aggregated from what lies below them (`last` by one backward
# index probe, not a sort of the bucket)
_PG_RECOMPUTE = {
    "rollup_hour": """INSERT INTO rollup_hour (series_id, t, count, mean, min, max, last)
SELECT b.sid, b.t, a.count, a.mean, a.min, a.max,
       (SELECT r.value FROM readings r WHERE r.series_id = b.sid AND r.t >= b.t AND r.t < b.t + 3600
        ORDER BY r.t DESC LIMIT 1)
FROM unnest(%s::int[], %s::bigint[]) AS b(sid, t)
CROSS JOIN LATERAL (SELECT count(*) AS count, avg(r.value) AS mean, min(r.value) AS min, max(r.value) AS max
                    FROM readings r WHERE r.series_id = b.sid AND r.t >= b.t AND r.t < b.t + 3600) a
ON CONFLICT (series_id, t) DO UPDATE SET count = excluded.count, mean = excluded.mean, min = excluded.min,
  max = excluded.max, last = excluded.last""",
    "rollup_day": """INSERT INTO rollup_day (series_id, t, count, mean, min, max, last)
SELECT b.sid, b.t, a.count, a.mean, a.min, a.max,
       (SELECT h.last FROM rollup_hour h WHERE h.series_id = b.sid AND h.t >= b.t AND h.t < b.t + 86400
        ORDER BY h.t DESC LIMIT 1)
FROM unnest(%s::int[], %s::bigint[]) AS b(sid, t)
CROSS JOIN LATERAL (SELECT sum(h.count) AS count, sum(h.mean * h.count) / sum(h.count) AS mean, min(h.min) AS min,
                           max(h.max) AS max
                    FROM rollup_hour h WHERE h.series_id = b.sid AND h.t >= b.t AND h.t < b.t + 86400) a
ON CONFLICT (series_id, t) DO UPDATE SET count = excluded.count, mean = excluded.mean, min = excluded.min,
  max = excluded.max, last = excluded.last""",
}


_ROLLUP_TYPES = ("int4", "int8", "int4", "float8", "float8", "float8", "float8")


def probe_postgres(cur, batch: ReadingBatch) -> tuple[set[int], np.ndarray]:
    hi = batch.hi
    day_end = hi - (hi + LOCAL_OFFSET_S) % DAY + DAY
    cur.execute(_PG_PROBE, [pg_array(a.tolist()) for a in (batch.series, batch.lo, hi, day_end)])
    overlapping, after = set(), {}
    for s, inside, first_after in cur.fetchall():
        if inside:
            overlapping.add(s)
        elif first_after is not None:
            after[s] = first_after
    nxt = np.array([after.get(s, _NONE) for s in batch.series.tolist()], dtype=np.int64)
    return overlapping, nxt


def copy_new_history(cur, batch: ReadingBatch) -> bool:
    """COPY straight into readings (inside a savepoint); False if a key turned out to be stored already
    (another writer got there between the probe and now: the caller takes the overlapping path)."""
    import psycopg
    raw = cur.connection
    try:
        with raw.transaction():
            with cur.copy("COPY readings (series_id, t, value) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(batch.copy_payload())
        return True
    except psycopg.errors.UniqueViolation:
        return False


def merge_rollups_postgres(cur, batch: ReadingBatch, next_stored: np.ndarray) -> None:
    """Buckets whole inside the batch's span are new rows of the rollup table: one COPY (inside a
    savepoint; if a row is there after all, they are merged like the rest). The buckets at the ends of
    the span are merged with what the store holds of them."""
    import psycopg
    for table, width, offset in LEVELS:
        *cols, keep, whole = batch.buckets(width, offset, next_stored)
        merge = ~whole
        if whole.any():
            payload = copy_payload(list(zip(_ROLLUP_TYPES, (c[whole] for c in cols))))
            try:
                with cur.connection.transaction():
                    with cur.copy(f"COPY {table} (series_id, t, count, mean, min, max, last) "
                                  "FROM STDIN (FORMAT BINARY)") as copy:
                        copy.write(payload)
            except psycopg.errors.UniqueViolation:
                merge = np.ones_like(whole)
        for mask, last in ((merge & ~keep, "excluded.last"), (merge & keep, "r.last")):
            if mask.any():
                cur.execute(_PG_MERGE.format(table=table, last=last), [pg_array(c[mask].tolist()) for c in cols])


def store_overlapping_postgres(cur, batch: ReadingBatch) -> int:
    """Rows whose span is partly stored: through a temporary table, skipping stored keys; the buckets
    that got a new row are recomputed. Returns the new rows."""
    cur.execute("CREATE TEMPORARY TABLE IF NOT EXISTS readings_in "
                "(series_id integer, t bigint, value double precision) ON COMMIT DELETE ROWS")
    with cur.copy("COPY readings_in (series_id, t, value) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(batch.copy_payload())
    cur.execute("WITH new AS (INSERT INTO readings (series_id, t, value) SELECT series_id, t, value FROM readings_in "
                "ON CONFLICT (series_id, t) DO NOTHING RETURNING series_id, t) "
                "SELECT series_id, t - t % 3600, count(*) FROM new GROUP BY 1, 2 ORDER BY 1, 2")
    touched = cur.fetchall()
    if not touched:
        return 0
    sids = [s for s, _b, _n in touched]
    hours = [b for _s, b, _n in touched]
    cur.execute(_PG_RECOMPUTE["rollup_hour"], (pg_array(sids), pg_array(hours)))
    days = sorted({(s, h - (h + LOCAL_OFFSET_S) % DAY) for s, h in zip(sids, hours)})
    cur.execute(_PG_RECOMPUTE["rollup_day"], (pg_array([s for s, _ in days]), pg_array([d for _, d in days])))
    return sum(n for _s, _b, n in touched)
