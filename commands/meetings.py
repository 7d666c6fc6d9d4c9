"""The weekly meeting's writes: freeze the week's figures, keep notes, record decisions (who, what, by
when) and their follow-up. Each takes the acting user as an argument (the page passes whoever is signed
in), refuses bad input with a translated reason (MeetingError), writes an audit row in the same
transaction, and invalidates the cached meeting answers.

Each commune holds its own meeting: the writes take the commune (None: the default one), checked against
the store; a follow-up is refused for a decision of another commune's meeting. Whether the acting user
may write for that commune is the caller's check (auth.communes.resolve_commune in the page's callbacks),
as the acting user is."""
from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from core.errors import AppError
from core.formatting import fmt_datetime
from core.text import source_text
from domain.weeks import local_today, week_label, week_window
from queries.cache import invalidate
from queries.site import check_commune
from store.models import Meeting, MeetingDecision, MeetingEvent

MAX_USER = 100
MAX_WHO = 100
MAX_WHAT = 500
MAX_NOTES = 10_000
MAX_FOLLOW_NOTE = 500
MAX_SNAPSHOT_BYTES = 1_000_000
MAX_DUE_DAYS = 2 * 366          # a decision due more than two years ahead is a typing error
STATES = ("open", "done")

log = logging.getLogger(__name__)


class MeetingError(AppError):
    """A meeting write refused: no user, a field too long or of the wrong type, a bad date, already frozen."""


def _text(value, field: str, limit: int, required: bool = True) -> str | None:
    if value is not None and not isinstance(value, str):
        raise MeetingError("meeting.error_type", field=field)
    # NUL cannot be stored in PostgreSQL text; other text is kept as typed (it is rendered as text)
    text = source_text(value, missing="", limit=None).replace("\x00", "").strip() if value is not None else ""
    if len(text) > limit:
        raise MeetingError("meeting.error_too_long", field=field, limit=limit)
    if required and not text:
        raise MeetingError("meeting.error_required", field=field)
    return text or None


def _user(user) -> str:
    return _text(user, "user", MAX_USER)


def _monday(monday) -> date:
    if not isinstance(monday, date) or isinstance(monday, datetime) or monday.weekday() != 0:
        raise MeetingError("meeting.error_type", field="week")
    return monday


def _due(value, today: date) -> date:
    if isinstance(value, datetime):
        raise MeetingError("meeting.error_type", field="due")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise MeetingError("meeting.error_due", value=value[:20]) from None
    if not isinstance(value, date):
        raise MeetingError("meeting.error_type", field="due")
    if value > today + timedelta(days=MAX_DUE_DAYS) or value.year < 2000:
        raise MeetingError("meeting.error_due", value=value.isoformat())
    return value


def _commune(commune) -> str | None:
    if commune is not None and not isinstance(commune, str):
        raise MeetingError("meeting.error_type", field="commune")
    return check_commune(commune)


def _meeting_id(conn, monday: date, commune: str | None, user: str, now: int) -> int:
    """The commune's record of the week, created on the first write."""
    week = week_label(monday)
    found = conn.scalar(select(Meeting.id).where(Meeting.week == week, Meeting.commune_id == commune))
    if found is not None:
        return int(found)
    return int(conn.execute(insert(Meeting).values(
        commune_id=commune, week=week, week_start_t=int(week_window(monday)[0].timestamp()), created_by=user, created_t=now,
        updated_by=user, updated_t=now)).inserted_primary_key[0])


def _audit(conn, meeting_id: int, user: str, now: int, action: str, detail: dict | None = None,
           decision_id: int | None = None) -> None:
    conn.execute(insert(MeetingEvent).values(meeting_id=meeting_id, decision_id=decision_id, t=now, actor=user,
                                             action=action, detail=detail))


def _touch(conn, meeting_id: int, user: str, now: int) -> None:
    conn.execute(update(Meeting).where(Meeting.id == meeting_id).values(updated_by=user, updated_t=now))


def _invalidate() -> None:
    try:
        invalidate("meetings")
    except Exception:  # noqa: BLE001 - a cache problem never blocks a leader's record
        log.exception("cache invalidation failed")


def freeze(engine: Engine, monday: date, user: str, snapshot: dict, now: int | None = None,
           commune: str | None = None) -> dict:
    """Keep the week's figures as they were shown: once frozen, the record shows this snapshot whatever
    the data does later. Freezing twice is refused (the first snapshot is what was decided on)."""
    user, monday, commune = _user(user), _monday(monday), _commune(commune)
    if not isinstance(snapshot, dict):
        raise MeetingError("meeting.error_type", field="snapshot")
    try:
        size = len(json.dumps(snapshot, allow_nan=False))
    except (TypeError, ValueError):
        raise MeetingError("meeting.error_type", field="snapshot") from None
    if size > MAX_SNAPSHOT_BYTES:
        raise MeetingError("meeting.error_too_long", field="snapshot", limit=MAX_SNAPSHOT_BYTES)
    now = int(now or time.time())
    with engine.begin() as conn:
        meeting_id = _meeting_id(conn, monday, commune, user, now)
        done = conn.execute(update(Meeting).where(Meeting.id == meeting_id, Meeting.frozen_t.is_(None)).values(
            snapshot=snapshot, frozen_by=user, frozen_t=now, updated_by=user, updated_t=now)).rowcount
        if not done:
            row = conn.execute(select(Meeting.frozen_by, Meeting.frozen_t).where(Meeting.id == meeting_id)).first()
            raise MeetingError("meeting.error_frozen", user=row[0], time=fmt_datetime(row[1]))
        _audit(conn, meeting_id, user, now, "freeze", {"bytes": size})
    _invalidate()
    return {"meeting_id": meeting_id, "frozen_t": now}


def save_notes(engine: Engine, monday: date, user: str, notes, now: int | None = None,
               commune: str | None = None) -> dict:
    user, monday, commune = _user(user), _monday(monday), _commune(commune)
    text = _text(notes, "notes", MAX_NOTES, required=False)
    now = int(now or time.time())
    with engine.begin() as conn:
        meeting_id = _meeting_id(conn, monday, commune, user, now)
        conn.execute(update(Meeting).where(Meeting.id == meeting_id).values(notes=text, updated_by=user, updated_t=now))
        _audit(conn, meeting_id, user, now, "notes", {"chars": len(text or "")})
    _invalidate()
    return {"meeting_id": meeting_id}


def add_decision(engine: Engine, monday: date, user: str, who, what, due, now: int | None = None,
                 commune: str | None = None) -> dict:
    """Who does what by when; it opens the commune's next meeting with its follow-up state."""
    user, monday, commune = _user(user), _monday(monday), _commune(commune)
    who = _text(who, "who", MAX_WHO)
    what = _text(what, "what", MAX_WHAT)
    due_day = _due(due, local_today())
    now = int(now or time.time())
    with engine.begin() as conn:
        meeting_id = _meeting_id(conn, monday, commune, user, now)
        decision_id = int(conn.execute(insert(MeetingDecision).values(
            meeting_id=meeting_id, who=who, what=what, due=due_day.isoformat(), state="open", created_by=user,
            created_t=now, updated_by=user, updated_t=now)).inserted_primary_key[0])
        _audit(conn, meeting_id, user, now, "decide", {"who": who, "what": what, "due": due_day.isoformat()},
               decision_id)
        _touch(conn, meeting_id, user, now)
    _invalidate()
    return {"meeting_id": meeting_id, "decision_id": decision_id}


def follow_up(engine: Engine, decision_id, user: str, state, note=None, now: int | None = None,
              commune: str | None = None) -> dict:
    """Mark a decision of the commune's meeting done (or open again) at a later meeting, with an optional
    note. A decision of another commune's meeting is refused as unknown (its id says nothing more)."""
    user, commune = _user(user), _commune(commune)
    if isinstance(decision_id, bool) or not isinstance(decision_id, int) or not 0 < decision_id < 2**31:
        raise MeetingError("meeting.error_type", field="decision")
    if state not in STATES:
        raise MeetingError("meeting.error_type", field="state")
    note = _text(note, "note", MAX_FOLLOW_NOTE, required=False)
    now = int(now or time.time())
    with engine.begin() as conn:
        row = conn.execute(select(MeetingDecision.meeting_id, MeetingDecision.state)
                           .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
                           .where(MeetingDecision.id == decision_id, Meeting.commune_id == commune)).first()
        if row is None:
            raise MeetingError("meeting.error_unknown_decision", id=decision_id)
        values = {"state": state, "updated_by": user, "updated_t": now}
        if note is not None:
            values["follow_note"] = note
        conn.execute(update(MeetingDecision).where(MeetingDecision.id == decision_id).values(**values))
        _audit(conn, int(row[0]), user, now, "follow_up", {"from": row[1], "to": state, "note": note}, decision_id)
    _invalidate()
    return {"decision_id": decision_id, "state": state}
