"""Evaluates the configured rules against what the store holds. Stateless over the data: a condition
is "active" when every reading of the last `duration` meets it, "gone" when every reading of the last
`hold` meets the clear condition (hysteresis); in between nothing changes, so noise does not flap."""
from __future__ import annotations

import logging
import time

from sqlalchemy import Engine, func, insert, select, update

from alerts.lifecycle import record
from alerts.notify import deliver_due, enqueue
from alerts.rules import SEVERITY_RANK, Rule, get_rules
from core.site import find_device
from core.timeutil import LOCAL_OFFSET_S
from domain import aqi as aqi_domain
from domain import flood, freshness
from queries.cache import invalidate
from store.models import (Alert, CameraEvent, Device, HourlyRollup, LatestReading, Reading, Report, Series,
                          SourceHealth, Village)

log = logging.getLogger(__name__)
SOURCE_RULE_KINDS = {"sensorthings": ("threshold", "level", "rate", "aqi", "device_silence"),
                     "frigate": ("camera",), "open311": ("deadline",), "indicators": ()}


# --- applying a condition to the alert table ---------------------------------------------------------

def apply(conn, rule: Rule, subject: str, *, severity: str | None, cleared: bool, now: int, name: str,
          device_id: str | None = None, village_id: str | None = None, value: float | None = None,
          since: int | None = None) -> str | None:
    """severity: the condition is active at that severity. cleared: gone for the hold time.
    since: when the condition began, if known and earlier than this evaluation (a report became overdue
    at its deadline, not when the engine first looked): the alert opens at that time.
    Returns what happened: opened | escalated | cleared | None."""
    row = conn.execute(select(Alert.id, Alert.state, Alert.severity).where(
        Alert.rule_id == rule.id, Alert.subject == subject, Alert.state != "resolved")).first()
    if severity is not None:
        if row is None:
            commune_id = (conn.scalar(select(Device.commune_id).where(Device.id == device_id)) if device_id else None) \
                or (conn.scalar(select(Village.commune_id).where(Village.id == village_id)) if village_id else None)
            alert_id = conn.execute(insert(Alert).values(
                rule_id=rule.id, kind=rule.kind, subject=subject, device_id=device_id, village_id=village_id,
                commune_id=commune_id,
                severity=severity, state="open", title_vi=rule.title_vi.format(device=name)[:300],
                title_en=rule.title_en.format(device=name)[:300], value=value, opened_t=min(since or now, now),
                updated_t=now)).inserted_primary_key[0]
            event = record(conn, alert_id, "opened", "rule", min(since or now, now), note=None, state_from=None,
                           state_to="open",
                           severity_from=None, severity_to=severity)
            enqueue(conn, alert_id, event, severity, now)
            return "opened"
        alert_id, state, old = row
        if SEVERITY_RANK[severity] > SEVERITY_RANK[old]:
            conn.execute(update(Alert).where(Alert.id == alert_id).values(severity=severity, value=value, updated_t=now))
            event = record(conn, alert_id, "escalated", "rule", now, note=None, state_from=state, state_to=state,
                           severity_from=old, severity_to=severity)
            enqueue(conn, alert_id, event, severity, now)
            return "escalated"
        conn.execute(update(Alert).where(Alert.id == alert_id).values(value=value, updated_t=now))
        return None
    if cleared and row is not None:
        alert_id, state, old = row
        note = f"Điều kiện đã hết trong {rule.hold_min:g} phút / condition gone for {rule.hold_min:g} min"
        conn.execute(update(Alert).where(Alert.id == alert_id).values(
            state="resolved", resolved_by="rule", resolved_t=now, resolve_note=note, updated_t=now))
        record(conn, alert_id, "cleared", "rule", now, note=note, state_from=state, state_to="resolved",
               severity_from=old, severity_to=old)
        return "cleared"
    return None


def _deliver_now(engine: Engine) -> None:
    """Deliver what the evaluation just queued without waiting for the outbox job; what fails here
    stays in the outbox and the job retries it."""
    try:
        deliver_due(engine)
    except Exception:  # noqa: BLE001 - delivery problems are kept in the outbox, never fatal
        log.exception("notification delivery failed; the outbox job will retry")


# --- readings helpers -------------------------------------------------------------------------------

def _window(conn, series_id: int, start: int, end: int) -> list[float]:
    return [v for (v,) in conn.execute(select(Reading.value).where(
        Reading.series_id == series_id, Reading.t >= start, Reading.t <= end).order_by(Reading.t))]


def _points(conn, series_id: int, start: int, end: int) -> list[tuple[int, float]]:
    return [(t, v) for t, v in conn.execute(select(Reading.t, Reading.value).where(
        Reading.series_id == series_id, Reading.t >= start, Reading.t <= end).order_by(Reading.t))]


def _latest_t(conn, series_id: int) -> int | None:
    # the writer keeps each series' newest reading: one row, not a max over (on PostgreSQL) every month partition
    return conn.scalar(select(LatestReading.t).where(LatestReading.series_id == series_id))


def _severity_threshold(rule: Rule, values: list[float]) -> str | None:
    """The worst level that every value of the window meets."""
    if len(values) < 2:
        return None
    best = None
    for lvl in rule.below:
        if all(v < lvl.value for v in values) and (best is None or SEVERITY_RANK[lvl.severity] > SEVERITY_RANK[best]):
            best = lvl.severity
    for lvl in rule.above:
        if all(v > lvl.value for v in values) and (best is None or SEVERITY_RANK[lvl.severity] > SEVERITY_RANK[best]):
            best = lvl.severity
    return best


def _clear_threshold(rule: Rule, values: list[float]) -> bool:
    if not values:
        return False
    if rule.clear_between:
        lo, hi = rule.clear_between
        return all(lo <= v <= hi for v in values)
    ok = True
    if rule.clear_above is not None:
        ok &= all(v >= rule.clear_above for v in values)
    if rule.clear_below is not None:
        ok &= all(v <= rule.clear_below for v in values)
    if rule.clear_above is None and rule.clear_below is None:   # no hysteresis given: back inside every level
        ok &= not any(v < lv.value for v in values for lv in rule.below)
        ok &= not any(v > lv.value for v in values for lv in rule.above)
    return bool(ok)


def _series_for(conn, rule: Rule, touched: set[int] | None):
    stmt = (select(Series.id, Series.device_id, Device.name, Device.village_id, Device.kind)
            .join(Device, Device.id == Series.device_id).where(Series.parameter == rule.parameter))
    if rule.device_kinds:
        stmt = stmt.where(Device.kind.in_(rule.device_kinds))
    if touched is not None:
        stmt = stmt.where(Series.id.in_(touched))
    return conn.execute(stmt).all()


# --- rule kinds -------------------------------------------------------------------------------------

def _eval_threshold(conn, rule: Rule, now: int, touched) -> None:
    for sid, dev, name, village, _ in _series_for(conn, rule, touched):
        end = _latest_t(conn, sid)
        if end is None:
            continue
        active = _window(conn, sid, end - int(rule.duration_min * 60), end)
        hold = _window(conn, sid, end - int(rule.hold_min * 60), end)
        sev = _severity_threshold(rule, active)
        apply(conn, rule, dev, severity=sev, cleared=sev is None and _clear_threshold(rule, hold), now=now, name=name,
              device_id=dev, village_id=village, value=active[-1] if active else None)


def _eval_level(conn, rule: Rule, now: int, touched) -> None:
    for sid, dev, name, village, _ in _series_for(conn, rule, touched):
        d = find_device(dev)
        if d is None or d.flood_levels is None:
            continue
        levels = flood.Levels(d.flood_levels.alarm_1, d.flood_levels.alarm_2, d.flood_levels.alarm_3)
        end = _latest_t(conn, sid)
        if end is None:
            continue
        latest = _window(conn, sid, end, end)
        level = flood.alarm_level(latest[-1], levels) if latest else None
        sev = rule.severities.get(level) if level else None
        hold = _window(conn, sid, end - int(rule.hold_min * 60), end)
        cleared = bool(hold) and all(v < levels.alarm_1 - rule.clear_margin_m for v in hold)
        apply(conn, rule, dev, severity=sev, cleared=cleared, now=now, name=name, device_id=dev, village_id=village,
              value=latest[-1] if latest else None)


def _eval_rate(conn, rule: Rule, now: int, touched) -> None:
    for sid, dev, name, village, _ in _series_for(conn, rule, touched):
        end = _latest_t(conn, sid)
        if end is None:
            continue
        slope = flood.trend_m_per_h(_points(conn, sid, end - int(rule.window_min * 60), end))
        hold = flood.trend_m_per_h(_points(conn, sid, end - int(rule.hold_min * 60), end))
        sev = rule.severity if slope is not None and slope >= rule.rise_m_per_h else None
        cleared = hold is not None and hold < rule.rise_m_per_h / 2
        apply(conn, rule, dev, severity=sev, cleared=sev is None and cleared, now=now, name=name, device_id=dev,
              village_id=village, value=slope)


def _hourly(conn, device: str, parameter: str, start: int, end: int) -> dict[int, float]:
    return dict(conn.execute(select(HourlyRollup.t, HourlyRollup.mean).join(Series, Series.id == HourlyRollup.series_id)
                             .where(Series.device_id == device, Series.parameter == parameter,
                                    HourlyRollup.t >= start, HourlyRollup.t <= end)).all())


def _eval_aqi(conn, rule: Rule, now: int, touched) -> None:
    devs = conn.execute(select(Device.id, Device.name, Device.village_id).where(
        Device.kind.in_(rule.device_kinds or ["air_station"]))).all()
    for dev, name, village in devs:
        newest = conn.scalar(select(func.max(HourlyRollup.t)).join(Series, Series.id == HourlyRollup.series_id)
                             .where(Series.device_id == dev))
        if newest is None:
            continue

        def aqi_at(hour: int) -> int | None:
            series = {p: _hourly(conn, dev, p, hour - 11 * 3600, hour) for p in ("pm25", "pm10", "o3", "co", "so2", "no2")}
            pm = lambda p: [series[p].get(hour - i * 3600) for i in range(12)]  # noqa: E731
            r = aqi_domain.hourly_aqi(pm("pm25"), pm("pm10"), series["o3"].get(hour), series["co"].get(hour),
                                      series["so2"].get(hour), series["no2"].get(hour))
            return r.value
        hours = int(max(rule.hold_min, 60) // 60)
        values = [aqi_at(newest - i * 3600) for i in range(hours)]
        current = values[0]
        sev = None
        for lvl in rule.above:
            if current is not None and current > lvl.value and (sev is None or SEVERITY_RANK[lvl.severity] > SEVERITY_RANK[sev]):
                sev = lvl.severity
        cleared = all(v is not None and v <= (rule.clear_below or 100) for v in values)
        apply(conn, rule, dev, severity=sev, cleared=sev is None and cleared, now=now, name=name, device_id=dev,
              village_id=village, value=current)


def _in_hours(t: int, hours: tuple[int, int] | None) -> bool:
    if hours is None:
        return True
    h = ((t + LOCAL_OFFSET_S) % 86400) // 3600
    start, end = hours
    return start <= h or h < end if start > end else start <= h < end


def _eval_camera(conn, rule: Rule, now: int, touched) -> None:
    stmt = select(Device.id, Device.name, Device.village_id).where(Device.kind == "camera")
    if rule.roles:
        stmt = stmt.where(Device.role.in_(rule.roles))
    for dev, name, village in conn.execute(stmt).all():
        since = now - int(rule.hold_min * 60)
        q = select(CameraEvent.start_t, CameraEvent.zones, CameraEvent.top_score, CameraEvent.label).where(
            CameraEvent.device_id == dev, CameraEvent.start_t >= since)
        if rule.labels:
            q = q.where(CameraEvent.label.in_(rule.labels))
        hits = [r for r in conn.execute(q) if _in_hours(r[0], rule.hours)
                and (not rule.zones or set(r[1] or ()) & set(rule.zones)) and (r[2] or 0) >= rule.min_score]
        apply(conn, rule, dev, severity=rule.severity if hits else None, cleared=not hits, now=now, name=name,
              device_id=dev, village_id=village, value=float(len(hits)) if hits else None)


def _eval_source_silence(conn, rule: Rule, now: int) -> None:
    """A source is silent when its freshness (domain.freshness, the same judgement the cards, the map
    and `status` use) is down or stale; it clears once the source is fresh again."""
    table = SourceHealth.__table__
    for row in conn.execute(select(table)).all():
        state = freshness.source_state(now, last_success_t=row.last_success_t, last_attempt_t=row.last_attempt_t,
                                       consecutive_failures=row.consecutive_failures, last_data_t=row.last_data_t,
                                       cadence=freshness.cadence(row.source))
        silent = state in ("down", "stale")
        apply(conn, rule, row.source, severity=rule.severity if silent else None,
              cleared=state in ("ok", "late"), now=now, name=row.source)


def _eval_device_silence(conn, rule: Rule, now: int) -> None:
    stmt = (select(Device.id, Device.name, Device.village_id, func.max(LatestReading.t))
            .join(Series, Series.device_id == Device.id)
            .outerjoin(LatestReading, LatestReading.series_id == Series.id)
            .group_by(Device.id, Device.name, Device.village_id))
    if rule.device_kinds:
        stmt = stmt.where(Device.kind.in_(rule.device_kinds))
    for dev, name, village, last in conn.execute(stmt).all():
        silent = last is not None and now - last >= rule.after_min * 60
        apply(conn, rule, dev, severity=rule.severity if silent else None, cleared=not silent and last is not None,
              now=now, name=name, device_id=dev, village_id=village)


def _eval_deadline(conn, rule: Rule, now: int) -> None:
    overdue = conn.execute(select(Report.id, Report.village_id, Report.deadline_t).where(
        Report.stage != "resolved", Report.deadline_t < now)).all()
    for rid, village, deadline in overdue:   # overdue since its deadline, not since this evaluation
        apply(conn, rule, rid, severity=rule.severity, cleared=False, now=now, name=rid, village_id=village,
              since=deadline)
    open_ids = [s for (s,) in conn.execute(select(Alert.subject).where(Alert.rule_id == rule.id,
                                                                        Alert.state != "resolved"))]
    if open_ids:
        still = {rid for rid, _, _ in overdue}
        for rid in open_ids:
            if rid not in still:
                apply(conn, rule, rid, severity=None, cleared=True, now=now, name=rid)


EVALUATORS = {"threshold": _eval_threshold, "level": _eval_level, "rate": _eval_rate, "aqi": _eval_aqi,
              "camera": _eval_camera}
PERIODIC = {"source_silence": _eval_source_silence, "device_silence": _eval_device_silence,
            "deadline": _eval_deadline}


def evaluate_after_ingest(engine: Engine, source: str, touched_series: set[int], now: int, rules=None) -> dict:
    """Only the rules that this source's new data can change, and for readings only the touched series."""
    rules = rules or get_rules()
    kinds = SOURCE_RULE_KINDS.get(source, ())
    done = {}
    with engine.begin() as conn:
        for rule in rules.rules:
            if not rule.enabled or rule.kind not in kinds:
                continue
            if rule.kind in EVALUATORS:
                touched = touched_series if rule.kind in ("threshold", "level", "rate") else None
                if touched is not None and not touched:
                    continue
                EVALUATORS[rule.kind](conn, rule, now, touched)
            else:
                PERIODIC[rule.kind](conn, rule, now)
            done[rule.id] = True
    _deliver_now(engine)
    _invalidate()
    return done


def evaluate_all(engine: Engine, now: int | None = None, rules=None) -> dict:
    rules = rules or get_rules()
    now = int(now or time.time())
    with engine.begin() as conn:
        for rule in rules.rules:
            if not rule.enabled:
                continue
            if rule.kind in EVALUATORS:
                EVALUATORS[rule.kind](conn, rule, now, None)
            else:
                PERIODIC[rule.kind](conn, rule, now)
    _deliver_now(engine)
    _invalidate()
    return {"rules": len(rules.rules)}


def _invalidate() -> None:
    try:
        invalidate("alerts")
    except Exception:  # noqa: BLE001 - a cache problem never stops alerting
        log.exception("cache invalidation failed")

