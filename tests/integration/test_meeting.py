"""The weekly meeting's record on both engines: a frozen snapshot survives a restart and later data
changes; decisions open the next week's meeting with their follow-up state; writes refuse bad input;
"needs a decision" finds what was planted; the page's callbacks, called as functions, show all of it."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select


USER = "Nguyễn Văn A <b>Chủ tịch</b>"


def _report(i: int, requested_t: int, expected_t: int | None = None, status: str = "open"):
    from ingest.records import ReportRecord
    return ReportRecord("open311", f"mtg-{i}", status, requested_t, service_name="Môi trường",
                        expected_t=expected_t)


@pytest.fixture
def meeting_store(store_url, use_store, engine_for):
    """A migrated store on each engine with the site and a few reports around the last full week."""
    from domain.weeks import last_full_week, week_window
    from ingest.site_sync import sync_site
    from ingest.writer import Writer
    from queries.cache import clear
    use_store(store_url)
    engine = engine_for(store_url)
    sync_site(engine)
    monday = last_full_week()
    start, _ = week_window(monday)
    s = int(start.timestamp())
    now = int(time.time())
    recs = [_report(0, s - 40 * 86400, expected_t=s - 39 * 86400)]                      # history begins here
    recs += [_report(10 + i, s - 7 * 86400 + 3600 * (i + 1)) for i in range(2)]           # last week: 2
    recs += [_report(20 + i, s + 3600 * (i + 1)) for i in range(3)]                       # this week: 3
    Writer(engine, now=now).write(recs)
    clear()
    return {"url": store_url, "engine": engine, "monday": monday, "week_start_t": s}


def _page():
    """pages.meeting registers itself with Dash: the app must exist first."""
    import app  # noqa: F401
    from pages import meeting
    return meeting


def _figure(figures: dict, panel_id: str) -> dict:
    return next(f for p in figures["pillars"] for f in p["figures"] if f["panel"] == panel_id)


def test_week_figures_count_the_week_against_last_week_and_say_what_is_now(meeting_store):
    from panels.week import week_figures
    figures = week_figures(meeting_store["monday"])
    reports = _figure(figures, "fb.reports_week")
    assert reports["kind"] == "week" and reports["value"] == 3 and reports["previous"] == 2
    # the 4 weeks before: last week 2, then three weeks with none (the history covers them): a real 0
    assert reports["average_weeks"] == 4 and reports["average"] == pytest.approx(0.5)
    assert _figure(figures, "env.aqi_now")["kind"] == "now"            # a state of now, not a weekly value
    assert _figure(figures, "env.aqi_now")["value"] is None            # no readings: no data, never 0
    assert _figure(figures, "gov.dossier_on_time")["kind"] == "period"
    assert _figure(figures, "env.pond_do_share")["value"] is None       # no pond readings at all


def test_a_frozen_snapshot_survives_a_restart_and_later_data(meeting_store, engine_for):
    from commands import meetings as commands
    from ingest.writer import Writer
    from panels.week import week_figures
    from queries import meetings
    from queries.cache import clear
    from store.engine import get_engine
    monday = meeting_store["monday"]
    shown = week_figures(monday)
    commands.freeze(meeting_store["engine"], monday, USER, shown)
    with pytest.raises(commands.MeetingError) as err:            # the first snapshot is what was decided on
        commands.freeze(meeting_store["engine"], monday, "Người khác", shown)
    assert err.value.key == "meeting.error_frozen"
    # later, more reports arrive for that week
    Writer(meeting_store["engine"]).write([_report(30 + i, meeting_store["week_start_t"] + 7200 * (i + 1)) for i in range(4)])
    # a restart: new engines, empty cache
    meeting_store["engine"].dispose()
    get_engine.cache_clear()
    clear()
    assert _figure(week_figures(monday), "fb.reports_week")["value"] == 7          # live data changed
    record = meetings.meeting_record(monday)
    assert record["frozen_by"] == USER and record["frozen_t"] is not None
    assert _figure(record["snapshot"], "fb.reports_week")["value"] == 3            # the record did not
    assert record["snapshot"] == shown
    assert _figure(_page().shown_figures(monday)[0], "fb.reports_week")["value"] == 3
    engine = engine_for(meeting_store["url"])
    from store.models import MeetingEvent
    with engine.connect() as conn:
        rows = conn.execute(select(MeetingEvent.action, MeetingEvent.actor)).all()
    assert [tuple(r) for r in rows] == [("freeze", USER)]


def test_decisions_open_the_next_week_with_their_follow_up_state(meeting_store, engine_for):
    from commands import meetings as commands
    from domain.weeks import local_today, week_label
    from queries import meetings
    from queries.cache import clear
    from store.engine import get_engine
    engine, monday = meeting_store["engine"], meeting_store["monday"]
    today = local_today()
    ids = [commands.add_decision(engine, monday, USER, "Trưởng thôn 2", "Khơi thông cống <script>", today + timedelta(days=5)),
           commands.add_decision(engine, monday, USER, "Công an xã", "Lắp thêm camera ngã ba", (today - timedelta(days=1)).isoformat()),
           commands.add_decision(engine, monday, USER, "Văn phòng", "Gửi báo cáo tuần", today - timedelta(days=2))]
    commands.follow_up(engine, ids[2]["decision_id"], "Phó chủ tịch", "done", "Đã gửi")
    engine.dispose()
    get_engine.cache_clear()
    clear()                                           # restart
    got = meetings.decisions_for_week(monday)
    assert list(got.columns) == ["who", "what", "due", "state"]
    by_who = {r["who"]: r for r in got.to_dict("records")}
    assert by_who["Trưởng thôn 2"]["state"] == "open" and by_who["Trưởng thôn 2"]["due"] == today + timedelta(days=5)
    assert by_who["Công an xã"]["state"] == "late"    # open after its due date
    assert by_who["Văn phòng"]["state"] == "done"
    assert by_who["Trưởng thôn 2"]["what"] == "Khơi thông cống <script>"   # stored as typed, rendered as text
    # next week's meeting opens with them, and marks one done in the meeting
    from flask import Flask

    page = _page()
    next_week = week_label(monday + timedelta(days=7))
    with Flask(__name__).test_request_context("/"):
        table = str(page.update_followup(next_week, 0).to_plotly_json())
    assert "Khơi thông cống <script>" in table and "Quá hạn" in table and "Đã xong" in table
    assert "dangerously" not in table
    commands.follow_up(engine_for(meeting_store["url"]), ids[1]["decision_id"], "Chủ tịch", "done")
    assert meetings.decisions(monday).set_index("who").loc["Công an xã", "state"] == "done"
    # and the week after has nothing carried over from that meeting
    assert meetings.decisions_for_week(monday + timedelta(days=7)).empty


@pytest.mark.parametrize("call, key", [
    (lambda c, e, m: c.add_decision(e, m, "", "Ai", "Việc", date.today()), "meeting.error_required"),
    (lambda c, e, m: c.add_decision(e, m, "   ", "Ai", "Việc", date.today()), "meeting.error_required"),
    (lambda c, e, m: c.add_decision(e, m, "A" * 101, "Ai", "Việc", date.today()), "meeting.error_too_long"),
    (lambda c, e, m: c.add_decision(e, m, "Chủ tịch", "Ai", "V" * 501, date.today()), "meeting.error_too_long"),
    (lambda c, e, m: c.add_decision(e, m, "Chủ tịch", ["Ai"], "Việc", date.today()), "meeting.error_type"),
    (lambda c, e, m: c.add_decision(e, m, "Chủ tịch", "Ai", "", date.today()), "meeting.error_required"),
    (lambda c, e, m: c.add_decision(e, m, "Chủ tịch", "Ai", "Việc", "31/02/2026"), "meeting.error_due"),
    (lambda c, e, m: c.add_decision(e, m, "Chủ tịch", "Ai", "Việc", "2099-01-01"), "meeting.error_due"),
    (lambda c, e, m: c.add_decision(e, m, "Chủ tịch", "Ai", "Việc", 20261204), "meeting.error_type"),
    (lambda c, e, m: c.add_decision(e, m + timedelta(days=1), "Chủ tịch", "Ai", "Việc", date.today()), "meeting.error_type"),
    (lambda c, e, m: c.save_notes(e, m, "Chủ tịch", "x" * 10_001), "meeting.error_too_long"),
    (lambda c, e, m: c.save_notes(e, m, "Chủ tịch", 42), "meeting.error_type"),
    (lambda c, e, m: c.follow_up(e, 999, "Chủ tịch", "done"), "meeting.error_unknown_decision"),
    (lambda c, e, m: c.follow_up(e, "1", "Chủ tịch", "done"), "meeting.error_type"),
    (lambda c, e, m: c.follow_up(e, 1, "Chủ tịch", "late"), "meeting.error_type"),
    (lambda c, e, m: c.freeze(e, m, "Chủ tịch", {"x": float("nan")}), "meeting.error_type"),
    (lambda c, e, m: c.freeze(e, m, "Chủ tịch", {"x": "y" * 1_000_001}), "meeting.error_too_long"),
])
def test_writes_refuse_bad_input_and_store_nothing(meeting_store, call, key):
    from commands import meetings as commands
    from store.models import Meeting, MeetingDecision, MeetingEvent
    engine = meeting_store["engine"]
    with pytest.raises(commands.MeetingError) as err:
        call(commands, engine, meeting_store["monday"])
    assert err.value.key == key
    with engine.connect() as conn:
        for table in (Meeting, MeetingDecision, MeetingEvent):
            assert conn.scalar(select(func.count()).select_from(table)) == 0


def test_notes_are_kept_with_who_wrote_them(meeting_store):
    from commands import meetings as commands
    from queries import meetings
    commands.save_notes(meeting_store["engine"], meeting_store["monday"], USER, "Họp lúc 8:00\x00; <i>đủ</i> thành phần")
    record = meetings.meeting_record(meeting_store["monday"])
    assert record["notes"] == "Họp lúc 8:00; <i>đủ</i> thành phần" and record["updated_by"] == USER
    assert record["snapshot"] is None                                  # notes do not freeze anything


def test_needs_a_decision_finds_what_was_planted(meeting_store):
    from domain.weeks import week_window
    from queries import meetings
    from queries.cache import clear
    from store.models import Alert, IndicatorValue, SourceHealth
    engine, monday = meeting_store["engine"], meeting_store["monday"]
    start, _ = week_window(monday)
    s, now = int(start.timestamp()), int(time.time())
    with engine.begin() as conn:
        for i, state in enumerate(("resolved", "resolved", "open")):    # the same rule and subject, three times
            conn.execute(insert(Alert).values(rule_id="device_silent", kind="device_silence", subject="water_3",
                                              device_id="water_3", severity="high", state=state,
                                              title_vi="Trạm nước ao 3 không gửi dữ liệu", title_en="Pond station 3 silent",
                                              opened_t=s + 3600 * (i + 1), updated_t=s + 3600 * (i + 1)))
        conn.execute(insert(Alert).values(rule_id="device_silent", kind="device_silence", subject="water_1",
                                          severity="high", state="open", title_vi="Một lần", title_en="Once",
                                          opened_t=s + 100, updated_t=s + 100))
        conn.execute(insert(SourceHealth).values(source="frigate", protocol="frigate", url="http://127.0.0.1:9/",
                                                 simulated=False, consecutive_failures=40, down_since_t=now - 10 * 3600,
                                                 last_attempt_t=now - 30, stored_total=0, rejected_total=0,
                                                 last_poll_stored=0, last_poll_rejected=0))
        conn.execute(insert(SourceHealth).values(source="open311", protocol="open311", url="http://127.0.0.1:9/",
                                                 simulated=False, consecutive_failures=5, down_since_t=now - 600,
                                                 last_attempt_t=now - 30, stored_total=0, rejected_total=0,
                                                 last_poll_stored=0, last_poll_rejected=0))
        conn.execute(insert(IndicatorValue).values(indicator="edoc_signed_rate", scope="commune:quang_tho", period="2026-10",
                                                   period_kind="month", period_start_t=s - 60 * 86400, value=82.5,
                                                   source="indicators", generated_t=now, simulated=False))
        conn.execute(insert(IndicatorValue).values(indicator="online_service_rate", scope="commune:quang_tho",
                                                   period="2026-10", period_kind="month", period_start_t=s - 60 * 86400,
                                                   value=100.0, source="indicators", generated_t=now, simulated=False))
    clear()
    lists = meetings.needs_decision(monday, now=now)
    assert list(lists["overdue"]["id"]) == ["mtg-0"]                  # past its deadline, unresolved
    assert lists["overdue"]["days_over"].iloc[0] > 0
    repeated = lists["repeated"].to_dict("records")
    assert [(r["subject"], r["times"]) for r in repeated] == [("water_3", 3)]
    down = lists["down"].to_dict("records")
    assert [(r["kind"], r["id"]) for r in down if r["kind"] == "source"] == [("source", "frigate")]   # open311: 10 min only
    below = lists["below_target"].to_dict("records")
    assert [(r["indicator"], r["value"], r["target"]) for r in below] == [("edoc_signed_rate", 82.5, 100.0)]
    from flask import Flask

    from domain.weeks import week_label
    page = _page()
    with Flask(__name__).test_request_context("/"):
        text = str(page.update_needs(week_label(monday)).to_plotly_json())
    assert "/alerts?alert=" in text and "/feedback?stage=overdue" in text and "/data" in text and "/services" in text
    assert "Văn bản điện tử có ký số" in text


def test_meeting_writes_take_the_signed_in_operator_never_a_typed_name(sqlite_url, use_store):
    from flask import Flask, g

    from commands.base import Actor, PermissionDenied
    from components.acting_user import acting_user
    use_store(sqlite_url)
    with Flask(__name__).test_request_context("/"):
        g.brain_actor = Actor("chutich", "viewer", display_name="Chủ tịch UBND")
        with pytest.raises(PermissionDenied):
            acting_user("Chủ tịch UBND")                    # a viewer records nothing, whatever it types
        g.brain_actor = Actor("an", "operator", display_name="Nguyễn Văn An")
        assert acting_user("Chủ tịch UBND") == "Nguyễn Văn An"
