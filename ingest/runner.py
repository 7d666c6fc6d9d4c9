"""Polls each source over [watermark - lateness, now), chunked, writes what came, and keeps the source's
health: the watermark moves only when a window was read whole, so a source that was down is caught
up from where it stopped; what arrived before a failure is kept."""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy import Engine, delete, select, update

from alerts.engine import evaluate_after_ingest, evaluate_all
from alerts.notify import deliver_due
from core.errors import SourceUnavailable
from core.settings import get_settings
from core.site import get_sites
from data_sources import ADAPTERS
from data_sources.http import HttpClient
from domain.freshness import cadence
from ingest.upsert import upsert
from ingest.writer import Writer
from queries.cache import invalidate
from store.engine import get_engine
from store.models import CameraEvent, Report, SourceHealth, Watermark

log = logging.getLogger(__name__)
CACHE_TAGS = {"sensorthings": ("readings", "site", "health", "pages"), "frigate": ("events", "site", "health", "pages"),
              "open311": ("reports", "health", "pages"), "indicators": ("indicators", "health", "pages")}
# SensorThings by 30 days: each chunk costs a poll's bookkeeping (health, watermarks, the alert rules) and
# re-reads the 6-hour lateness overlap; 30 days of a 5-minute Datastream is two pages of a 5,000 maxTop
BACKFILL_CHUNK_S = {"sensorthings": 30 * 86400, "frigate": 2 * 86400, "open311": 30 * 86400,
                    "indicators": 400 * 86400}
OPEN_EVENT_MAX_AGE_S = 86400


def _adapter(source: str, urls: dict | None):
    urls = urls or get_settings().source_urls()
    settings = get_settings()
    extra = {"mappings": [m for s in get_sites() for m in s.datastreams]} if source == "sensorthings" else {}
    return ADAPTERS[source](urls[source], HttpClient(timeout_s=settings.http_timeout_s), **extra)


def _health(conn, source: str):
    """The source's health row (a Row with the table's columns), or None."""
    table = SourceHealth.__table__
    return conn.execute(select(table).where(table.c.source == source)).first()


_PINGED: dict[tuple[str, str], bool] = {}


def _ensure_health(engine: Engine, source: str, adapter) -> None:
    """The health row exists; once per process and URL, ask the source whether it labels itself
    simulated (Thing properties, feed flag, Frigate stats, Open311 discovery)."""
    key = (source, adapter.base_url)
    if key not in _PINGED:
        try:
            _PINGED[key] = bool(adapter.ping().get("simulated"))
        except SourceUnavailable:
            pass
    if _PINGED.get(key):
        adapter.simulated = True
    with engine.begin() as conn:
        upsert(conn, SourceHealth.__table__, [{"source": source, "protocol": adapter.protocol,
                                               "url": adapter.base_url, "simulated": False,
                                               "consecutive_failures": 0, "stored_total": 0, "rejected_total": 0,
                                               "last_poll_stored": 0, "last_poll_rejected": 0}],
               ["source"], update=["protocol", "url"])


def _open_ids(engine: Engine, source: str, now: int) -> list[str]:
    with engine.connect() as conn:
        if source == "frigate":
            return list(conn.scalars(select(CameraEvent.id).where(CameraEvent.end_t.is_(None),
                                                                  CameraEvent.start_t >= now - OPEN_EVENT_MAX_AGE_S)))
        if source == "open311":
            return list(conn.scalars(select(Report.id).where(Report.status == "open").limit(2000)))
    return []


def poll_source(source: str, since: int, until: int, *, engine: Engine, adapter, now: int,
                open_ids: Sequence[str] = (), advance: bool = True, registered: dict | None = None) -> dict:
    """One window of one source: write what came; on failure keep it and the old watermark. `registered` is
    shared by a back-fill's chunks (see Writer): Datastreams described the same are registered once."""
    writer = Writer(engine, now=now, registered=registered)
    error = None
    step = adapter.max_window_s or (until - since)
    start = since
    done_until = since
    with engine.connect() as conn:
        had_watermark = (h0 := _health(conn, source)) is not None and h0.watermark_t is not None
    try:
        while start < until:
            end = min(until, start + step)
            writer.write(adapter.poll(start, end, open_ids=open_ids if start == since else ()))
            done_until = end
            start = end
        if writer.mapped and advance:
            _catch_up_streams(engine, source, adapter, writer, since, until, now, backfill_new=had_watermark)
        _forget_unmapped_streams(engine, source, writer)
    except SourceUnavailable as err:
        error = str(err)[:1000]
        log.warning("%s unavailable: %s", source, error)
    except Exception as err:  # noqa: BLE001 - a bug or a broken record must cost one poll, not the loop
        log.exception("poll of %s failed", source)
        error = f"internal error ({type(err).__name__}); see the ingest log"
    finally:
        writer.flush_readings()
        writer.flush_rejects()
    stats = writer.stats
    simulated = stats.simulated or bool(getattr(adapter, "simulated", False))
    with engine.begin() as conn:
        h = _health(conn, source)
        values = {"last_attempt_t": now, "last_poll_stored": stats.stored_total,
                  "last_poll_rejected": stats.rejected_total,
                  "stored_total": (h.stored_total or 0) + stats.stored_total,
                  "rejected_total": (h.rejected_total or 0) + stats.rejected_total}
        if simulated:
            values["simulated"] = True
        if stats.last_data_t and (h.last_data_t is None or stats.last_data_t > h.last_data_t):
            values["last_data_t"] = stats.last_data_t
        if error is None:
            values.update(last_success_t=now, down_since_t=None, consecutive_failures=0, last_error=None,
                          last_error_t=None)
            if advance and (h.watermark_t is None or until > h.watermark_t):
                values["watermark_t"] = until
        else:
            values.update(last_error_t=now, last_error=error, consecutive_failures=(h.consecutive_failures or 0) + 1,
                          down_since_t=h.down_since_t or now)
            if advance and done_until > since and (h.watermark_t is None or done_until > h.watermark_t):
                values["watermark_t"] = done_until   # whole chunks before the failure were read
        conn.execute(update(SourceHealth).where(SourceHealth.source == source).values(**values))
    _after_store(engine, source, stats, now)
    return {"ok": error is None, "error": error, "window": [since, until], **stats.as_dict()}


STREAM_KEY = "ds:"


def _catch_up_streams(engine: Engine, source: str, adapter, writer: Writer, since: int, until: int, now: int,
                      backfill_new: bool) -> None:
    """A watermark per Datastream. One that has none was just seen or just mapped (the site file can map
    a Datastream months after the server started it): its history is fetched from the back-fill horizon
    up to this window, chunk by chunk, before its watermark is set, so mapping it later loses nothing.
    On a source's very first window there is no history to catch up beyond what back-fill reads."""
    keys = {f"{STREAM_KEY}{ds_id}": ds_id for (_src, ds_id) in writer.mapped}
    with engine.connect() as conn:
        known = set(conn.scalars(select(Watermark.key).where(Watermark.source == source,
                                                             Watermark.key.in_(list(keys)))))
    horizon = now - get_settings().backfill_days * 86400
    chunk = BACKFILL_CHUNK_S.get(source, 7 * 86400)
    table = Watermark.__table__

    def _mark(keys_done: list[str]) -> None:
        with engine.begin() as conn:
            upsert(conn, table, [{"source": source, "key": k, "t": until} for k in keys_done], ["source", "key"],
                   update=["t"], where=lambda stmt: stmt.excluded.t > table.c.t)

    _mark([k for k in keys if k in known or not backfill_new or since <= horizon])
    for key, ds_id in keys.items():
        if key in known or not backfill_new or since <= horizon or not hasattr(adapter, "observations"):
            continue
        log.info("%s: datastream %s is new or newly mapped, fetching its history", source, ds_id)
        start = horizon
        while start < since:
            end = min(since, start + chunk)
            writer.write(adapter.observations(ds_id, max(horizon, start - adapter.lateness_s), end, batched=True))
            start = end
        _mark([key])   # only once its history is in: a failure above retries it next poll


def _forget_unmapped_streams(engine: Engine, source: str, writer: Writer) -> None:
    """A Datastream that cannot take readings (its mapping removed, its unit changed) loses its watermark,
    so that once it is mapped again the months it was unmapped are fetched, not skipped."""
    keys = [f"{STREAM_KEY}{ds_id}" for (src, ds_id), state in writer.series.items()
            if src == source and isinstance(state, str)]
    if keys:
        with engine.begin() as conn:
            conn.execute(delete(Watermark).where(Watermark.source == source, Watermark.key.in_(keys)))


def _after_store(engine: Engine, source: str, stats, now: int) -> None:
    try:
        invalidate(*CACHE_TAGS.get(source, ("health",)))
    except Exception:  # noqa: BLE001 - the cache must never stop ingest
        log.exception("cache invalidation failed for %s", source)
    try:
        evaluate_after_ingest(engine, source=source, touched_series=set(stats.touched_series), now=now)
    except Exception:  # noqa: BLE001 - alert rules must never stop ingest
        log.exception("alert evaluation failed after %s", source)


def _prepare(source: str, engine: Engine, urls: dict | None):
    """The source's adapter and its health row (created on first use)."""
    adapter = _adapter(source, urls)
    _ensure_health(engine, source, adapter)
    with engine.connect() as conn:
        return adapter, _health(conn, source)


def run_once(sources: list[str] | None = None, now: int | None = None, engine: Engine | None = None,
             urls: dict | None = None) -> dict:
    engine = engine or get_engine()
    now = int(now if now is not None else time.time())
    out = {}
    for source in sources or list(ADAPTERS):
        adapter, h = _prepare(source, engine, urls)
        default_since = now - cadence(source).poll_interval_s * 10
        since = (h.watermark_t if h.watermark_t is not None else default_since) - adapter.lateness_s
        out[source] = poll_source(source, since, now, engine=engine, adapter=adapter, now=now,
                                  open_ids=_open_ids(engine, source, now))
        log.info("poll %s: %s stored, %s rejected%s", source, out[source]["stored"], out[source]["rejected"],
                 f", error: {out[source]['error']}" if out[source]["error"] else "")
    return out


def backfill(days: int, sources: list[str] | None = None, progress: bool = True, now: int | None = None,
             engine: Engine | None = None, urls: dict | None = None) -> dict:
    """First start: `days` of history, chunk by chunk with a progress bar. Later: resume from the
    watermark (minus the lateness overlap), so nothing is fetched twice beyond it."""
    from tqdm import tqdm
    engine = engine or get_engine()
    now = int(now if now is not None else time.time())
    out = {}
    for source in sources or list(ADAPTERS):
        adapter, h = _prepare(source, engine, urls)
        horizon = now - max(days, getattr(adapter, "history_days_min", 0)) * 86400
        since = horizon if h.watermark_t is None else max(horizon, h.watermark_t - adapter.lateness_s)
        chunk = BACKFILL_CHUNK_S.get(source, 7 * 86400)
        total = {"ok": True, "error": None, "stored": 0, "rejected": 0, "window": [since, now]}
        bar = tqdm(total=max(now - since, 1), desc=f"{source:>12}", unit="s", unit_scale=True, disable=not progress,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")
        start = since
        first = True
        registered: dict = {}     # one back-fill, one registration per Datastream (not one per chunk)
        while start < now:
            end = min(now, start + chunk)
            # chunks overlap by the lateness: an interval phenomenonTime straddling a chunk boundary is
            # outside both windows where the server compares interval ends with `lt` (as FROST does)
            result = poll_source(source, start if first else max(since, start - adapter.lateness_s), end,
                                 engine=engine, adapter=adapter, now=now,
                                 open_ids=_open_ids(engine, source, now) if first else (), registered=registered)
            first = False
            total["stored"] += result["stored"]
            total["rejected"] += result["rejected"]
            bar.update(end - start)
            bar.set_postfix_str(f"{total['stored']:,} stored, {total['rejected']:,} rejected")
            if not result["ok"]:
                total.update(ok=False, error=result["error"])
                break
            start = end
        bar.close()
        out[source] = total
    return out


def poll_job(source: str, engine: Engine | None = None, urls: dict | None = None) -> None:
    """What the scheduler runs for one source: never raises, so the job keeps its schedule whatever
    happens; a failure that escapes poll_source (the store itself, say) is logged and counted."""
    engine = engine or get_engine()
    try:
        run_once([source], engine=engine, urls=urls)
    except Exception:  # noqa: BLE001 - the loop must outlive any single poll
        log.exception("poll job of %s failed", source)
        now = int(time.time())
        try:
            with engine.begin() as conn:
                h = _health(conn, source)
                if h is not None:
                    conn.execute(update(SourceHealth).where(SourceHealth.source == source).values(
                        last_attempt_t=now, last_error_t=now, last_error="internal error; see the ingest log",
                        consecutive_failures=(h.consecutive_failures or 0) + 1, down_since_t=h.down_since_t or now))
        except Exception:  # noqa: BLE001
            log.exception("could not record the failure of %s", source)


def periodic_job(engine: Engine | None = None) -> None:
    """Rules that depend on time passing (silence, deadlines), then the notification outbox."""
    engine = engine or get_engine()
    try:
        evaluate_all(engine, int(time.time()))
    except Exception:  # noqa: BLE001
        log.exception("periodic alert evaluation failed")
    try:
        deliver_due(engine)
    except Exception:  # noqa: BLE001
        log.exception("notification delivery failed")


def build_scheduler(sources: list[str] | None = None, scheduler=None, engine: Engine | None = None,
                    urls: dict | None = None, start_in_s: float = 0.0):
    """One interval job per source at its own cadence, first run now (staggered by a second each, so
    they do not all hit the store at once), plus the periodic alert and outbox job.

    APScheduler 3.x semantics that matter here: `next_run_time=None` adds a job *paused* (the bug that
    once left every source polled once and never again), so the first run time is always given;
    `max_instances=1` + `coalesce=True` mean a slow poll is never piled on by the next one, and runs
    missed meanwhile collapse into one; `misfire_grace_time=None` runs a late job however late."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from datetime import datetime, timedelta, timezone
    scheduler = scheduler or BlockingScheduler(timezone="UTC")
    first = datetime.now(timezone.utc) + timedelta(seconds=start_in_s)
    chosen = sources or list(ADAPTERS)
    for i, source in enumerate(chosen):
        every = cadence(source).poll_interval_s
        scheduler.add_job(poll_job, "interval", seconds=every, args=[source],
                          kwargs={"engine": engine, "urls": urls}, id=f"poll-{source}",
                          next_run_time=first + timedelta(seconds=i), max_instances=1, coalesce=True,
                          misfire_grace_time=None, replace_existing=True)
    periodic = min(cadence(s).poll_interval_s for s in chosen)
    scheduler.add_job(periodic_job, "interval", seconds=periodic, kwargs={"engine": engine}, id="alerts-periodic",
                      next_run_time=first + timedelta(seconds=len(chosen)), max_instances=1, coalesce=True,
                      misfire_grace_time=None, replace_existing=True)
    add_report_job(scheduler)
    return scheduler


def add_report_job(scheduler, schedule: str | None = None) -> None:
    """The weekly report pack (REPORT_SCHEDULE, crontab in Asia/Ho_Chi_Minh, default Monday 07:00).
    Added by textual reference: the reports layer sits above ingest, which must not import it. A run
    missed while the process was down still happens within six hours of its time. With CELERY_BROKER_URL
    the job only queues the pack for a Celery worker (reports/tasks.py)."""
    from apscheduler.triggers.cron import CronTrigger

    from core.timeutil import LOCAL_TZ
    schedule = (schedule if schedule is not None else get_settings().report_schedule).strip()
    if not schedule or schedule.lower() == "off":
        return
    scheduler.add_job("reports.tasks:scheduled_weekly", CronTrigger.from_crontab(schedule, timezone=LOCAL_TZ),
                      id="weekly-report", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600,
                      replace_existing=True)


def run_loop(sources: list[str] | None = None) -> int:
    """The ingest process: polls until stopped (SIGTERM or Ctrl-C stop it cleanly). It is the one scheduler
    of a deployment (polls, alert timers, the weekly report): run exactly one, whatever the web workers.
    On PostgreSQL it first takes the leader lock (ingest/leader.py): a second ingest process stands by."""
    import signal

    from ingest import leader
    from ingest.live import start_live
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        lock = leader.hold_leadership(get_engine(), should_stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        return 0
    if stopping:
        return 0
    lost: list[bool] = []
    scheduler = build_scheduler(sources)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    if lock is not None:
        def check_leadership() -> None:
            if not leader.still_leading(lock):
                log.error("ingest: lost the leader lock; stopping (a standby takes over, a supervisor restarts this one)")
                lost.append(True)
                scheduler.shutdown(wait=False)
        scheduler.add_job(check_leadership, "interval", seconds=leader.CHECK_S, id="leader-check", max_instances=1,
                          coalesce=True, replace_existing=True)
    log.info("ingest loop: %s", ", ".join(f"{s} every {cadence(s).poll_interval_s} s" for s in sources or ADAPTERS))
    live = start_live(sources)      # SensorThings MQTT push when configured; the poll above is its catch-up
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        leader.release(lock)
        if live is not None:
            try:
                live.stop()
            except Exception:  # noqa: BLE001
                log.exception("stopping the live push failed")
    return 1 if lost else 0
