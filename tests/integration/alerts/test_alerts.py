"""Alert rules on both engines: fire once, escalate, hold, clear by themselves, no flapping on noise;
the lifecycle with who did what; notifications retried, sent once, logged."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from alerts.engine import evaluate_after_ingest, evaluate_all
from alerts.lifecycle import TransitionError, acknowledge, resolve
from alerts.notify import backoff_s, deliver_due, enqueue
from alerts.rules import Channel, RulesFile, load_rules
from core.errors import SiteConfigError
from core.timeutil import to_epoch
from ingest.records import CameraEventRecord, DatastreamInfo, Observation, ReportRecord
from ingest.site_sync import sync_site
from ingest.writer import Writer
from store.models import Alert, AlertEvent, Notification, Report

T0 = to_epoch("2025-06-12T02:00:00+07:00")
RULES = RulesFile.model_validate({"rules": [
    {"id": "do_low", "kind": "threshold", "parameter": "do", "device_kinds": ["water_station"],
     "below": [{"value": 3.5, "severity": "high"}, {"value": 2.0, "severity": "critical"}],
     "duration_min": 30, "clear_above": 4.0, "hold_min": 30, "title_vi": "DO thấp {device}", "title_en": "Low DO {device}"},
    {"id": "flood", "kind": "level", "parameter": "water_level", "device_kinds": ["water_gauge"],
     "severities": {1: "medium", 2: "high", 3: "critical"}, "hold_min": 60, "title_vi": "Lũ {device}", "title_en": "Flood {device}"},
    {"id": "night", "kind": "camera", "roles": ["security"], "labels": ["person"], "zones": ["cong_truong"],
     "hours": [22, 5], "min_score": 0.7, "severity": "medium", "hold_min": 30, "title_vi": "Người {device}",
     "title_en": "Person {device}"},
    {"id": "overdue", "kind": "deadline", "severity": "medium", "title_vi": "Quá hạn {device}", "title_en": "Overdue {device}"},
]})


@pytest.fixture
def engine(store_url, engine_for, site):
    e = engine_for(store_url)
    sync_site(e, site)
    return e


def feed(engine, values, start=T0, step=600, ds="1", thing="1", parameter="do", unit="mg/L"):
    info = DatastreamInfo("sensorthings", ds, thing, "Trạm", parameter, unit)
    stats = Writer(engine, start + len(values) * step + 3600).write(
        [info] + [Observation("sensorthings", ds, start + i * step, v) for i, v in enumerate(values)])
    return stats.touched_series, start + (len(values) - 1) * step


def alerts(engine):
    with engine.connect() as c:
        return c.execute(select(Alert.__table__).order_by(Alert.id)).all()


def events(engine, alert_id):
    with engine.connect() as c:
        return [r.action for r in c.execute(select(AlertEvent.action).where(AlertEvent.alert_id == alert_id)
                                            .order_by(AlertEvent.id))]


def test_threshold_fires_once_escalates_holds_and_clears(engine):
    touched, end = feed(engine, [5.0, 4.5, 3.2, 3.1, 3.0, 3.2])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)      # again: still one alert
    (a,) = alerts(engine)
    assert (a.rule_id, a.subject, a.severity, a.state) == ("do_low", "water_1", "high", "open")
    touched, end = feed(engine, [1.8, 1.7, 1.9, 1.6], start=end + 600)
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    (a,) = alerts(engine)
    assert a.severity == "critical" and events(engine, a.id) == ["opened", "escalated"]
    # recovering to 3.8 is between the threshold and the clear level: hysteresis holds the alert
    touched, end = feed(engine, [3.8, 3.9, 3.8, 3.9], start=end + 600)
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    assert alerts(engine)[0].state == "open" and alerts(engine)[0].severity == "critical"   # never silently drops
    touched, end = feed(engine, [4.5, 4.6, 4.8, 5.0], start=end + 600)
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    (a,) = alerts(engine)
    assert a.state == "resolved" and a.resolved_by == "rule" and "30" in a.resolve_note
    assert events(engine, a.id) == ["opened", "escalated", "cleared"]


def test_noise_around_the_threshold_does_not_flap(engine):
    touched, end = feed(engine, [3.6, 3.4, 3.6, 3.4, 3.6, 3.4, 3.6, 3.4])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    assert alerts(engine) == []          # never 30 minutes below 3.5 in a row


def test_flood_levels_from_the_site_file_raise_severity(engine):
    touched, end = feed(engine, [1.2, 1.6], ds="60", thing="6", parameter="water_level", unit="m")
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    assert alerts(engine)[0].severity == "medium"       # Phú Ốc above BĐ I (1.5 m)
    touched, end = feed(engine, [3.4], start=end + 600, ds="60", thing="6", parameter="water_level", unit="m")
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    assert alerts(engine)[0].severity == "high" and len(alerts(engine)) == 1


def test_camera_person_at_night_in_a_restricted_zone(engine):
    night = to_epoch("2025-06-12T23:30:00+07:00")
    day = to_epoch("2025-06-12T14:00:00+07:00")
    Writer(engine, night + 60).write([
        CameraEventRecord("frigate", "d1", "cam_01", "person", day, day + 5, 0.9, 0.9, zones=("cong_truong",)),
        CameraEventRecord("frigate", "n1", "cam_01", "person", night, night + 5, 0.9, 0.9, zones=("cong_truong",)),
        CameraEventRecord("frigate", "n2", "cam_02", "person", night, night + 5, 0.5, 0.5, zones=("cong_truong",))])
    evaluate_after_ingest(engine, "frigate", set(), night + 60, rules=RULES)
    assert [(a.subject, a.severity) for a in alerts(engine)] == [("cam_01", "medium")]
    evaluate_after_ingest(engine, "frigate", set(), night + 3600, rules=RULES)   # quiet for the hold time
    assert alerts(engine)[0].state == "resolved"


def test_overdue_report_alert_clears_when_the_report_is_resolved(engine):
    t = to_epoch("2025-06-02T08:00:00+07:00")
    Writer(engine, t).write([ReportRecord("open311", "QT-9", "open", t, "an_ninh_trat_tu")])
    with engine.connect() as c:
        deadline = c.scalar(select(Report.deadline_t))
    evaluate_all(engine, deadline + 60, rules=RULES)
    assert alerts(engine)[0].subject == "QT-9" and alerts(engine)[0].state == "open"
    Writer(engine, deadline + 120).write([ReportRecord("open311", "QT-9", "closed", t, "an_ninh_trat_tu",
                                                       updated_t=deadline + 100)])
    evaluate_all(engine, deadline + 180, rules=RULES)
    assert alerts(engine)[0].state == "resolved"


def test_overdue_report_alerts_carry_when_each_report_became_overdue(engine):
    t1, t2 = to_epoch("2025-06-02T08:00:00+07:00"), to_epoch("2025-06-04T09:00:00+07:00")
    Writer(engine, t2).write([ReportRecord("open311", "QT-1", "open", t1, "an_ninh_trat_tu"),
                              ReportRecord("open311", "QT-2", "open", t2, "an_ninh_trat_tu")])
    with engine.connect() as c:
        deadlines = dict(c.execute(select(Report.id, Report.deadline_t)).all())
    late_look = max(deadlines.values()) + 30 * 86400          # the engine starts long after both deadlines
    evaluate_all(engine, late_look, rules=RULES)
    opened = {a.subject: a.opened_t for a in alerts(engine)}
    assert opened == {"QT-1": deadlines["QT-1"], "QT-2": deadlines["QT-2"]} and len(set(opened.values())) == 2


def test_lifecycle_records_who_and_refuses_wrong_transitions(engine):
    touched, end = feed(engine, [3.0, 3.0, 3.0, 3.0])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    (a,) = alerts(engine)
    with pytest.raises(TransitionError):
        acknowledge(engine, a.id, "  ")
    acknowledge(engine, a.id, "Nguyễn Văn An", "Đã gọi chủ ao", now=end + 60)
    with pytest.raises(TransitionError):
        acknowledge(engine, a.id, "Trần Thị Bình")
    resolve(engine, a.id, "Trần Thị Bình", "Đã bật máy sục khí", now=end + 120)
    with pytest.raises(TransitionError):
        resolve(engine, a.id, "x")
    with pytest.raises(TransitionError):
        acknowledge(engine, 99999, "x")
    (a,) = alerts(engine)
    assert (a.acknowledged_by, a.ack_note, a.resolved_by, a.state) == ("Nguyễn Văn An", "Đã gọi chủ ao", "Trần Thị Bình",
                                                                       "resolved")
    assert events(engine, a.id) == ["opened", "acknowledged", "resolved"]
    # the condition is still there: a new alert opens, the resolved one stays in the history
    touched, end = feed(engine, [3.0, 3.0, 3.0, 3.0], start=end + 600)
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    assert [x.state for x in alerts(engine)] == ["resolved", "open"]


class Receiver:
    def __init__(self, fail_first: int):
        self.got, self.fail_first = [], fail_first
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.got.append(body)
                self.send_response(500 if len(outer.got) <= outer.fail_first else 200)
                self.end_headers()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/hook"


@pytest.fixture
def inbox():
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"
    box = Inbox()
    box.port = free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=box.port)
    smtp.start()
    yield box
    smtp.stop()


@pytest.fixture
def receiver():
    made = []

    def _make(fail_first: int) -> Receiver:
        made.append(Receiver(fail_first))
        return made[-1]
    yield _make
    for r in made:
        r.httpd.shutdown()


def use_channels(monkeypatch, channels):
    """The channels the engine queues for (they come from the rules file in production)."""
    monkeypatch.setattr("alerts.notify.get_rules", lambda: RulesFile(rules=[], channels=channels))


def outbox(engine):
    with engine.connect() as c:
        return sorted((r.channel, r.status, r.attempts) for r in
                      c.execute(select(Notification.channel, Notification.status, Notification.attempts)))


def test_outbox_is_written_with_the_alert_retried_with_backoff_and_sent_once(engine, inbox, receiver, monkeypatch):
    hook = receiver(fail_first=2)
    use_channels(monkeypatch, [Channel(name="zalo", type="webhook", url=hook.url, severities=["high", "critical"]),
                               Channel(name="mail", type="smtp", host="127.0.0.1", port=inbox.port,
                                       to=["truc-ban@xa.example"], severities=["high"]),
                               Channel(name="quiet", type="webhook", url=hook.url, severities=["low"])])
    touched, end = feed(engine, [3.0, 3.0, 3.0, 3.0])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)   # queues, then tries once at once
    (a,) = alerts(engine)
    assert outbox(engine) == [("mail", "sent", 1), ("zalo", "retry", 1)]       # "quiet" wants only low
    with engine.connect() as c:
        due = c.scalar(select(Notification.next_attempt_t).where(Notification.channel == "zalo"))
    assert deliver_due(engine, now=due - 1) == []                              # not before its backoff
    assert [o["status"] for o in deliver_due(engine, now=due)] == ["retry"]     # second failure
    with engine.connect() as c:
        due2 = c.scalar(select(Notification.next_attempt_t).where(Notification.channel == "zalo"))
    assert due2 - due == backoff_s(2) > backoff_s(1)                           # the wait grows
    assert [o["status"] for o in deliver_due(engine, now=due2)] == ["sent"]
    assert deliver_due(engine, now=due2 + 10**6) == []                         # sent once, never again
    assert outbox(engine) == [("mail", "sent", 1), ("zalo", "sent", 3)]
    assert len(hook.got) == 3 and hook.got[-1]["severity"] == "high" and hook.got[-1]["alert_id"] == a.id
    assert len(inbox.messages) == 1 and "DO" in inbox.messages[0]


def test_a_crash_between_commit_and_delivery_loses_nothing_and_sends_nothing_twice(engine, receiver, monkeypatch):
    hook = receiver(fail_first=0)
    use_channels(monkeypatch, [Channel(name="zalo", type="webhook", url=hook.url, severities=["high", "critical"])])
    # the process dies right after the alert's transaction commits: delivery never runs in it
    monkeypatch.setattr("alerts.engine.deliver_due", lambda engine: (_ for _ in ()).throw(SystemError("killed")))
    touched, end = feed(engine, [3.0, 3.0, 3.0, 3.0])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    assert outbox(engine) == [("zalo", "pending", 0)] and hook.got == []
    # a rolled-back alert change leaves nothing to send
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            enqueue(conn, alerts(engine)[0].id, 999, "high", end)
            raise RuntimeError("transaction fails after queueing")
    assert outbox(engine) == [("zalo", "pending", 0)]
    # the next process's job delivers it, once
    later = int(time.time()) + 1
    assert [o["status"] for o in deliver_due(engine, now=later)] == ["sent"]
    assert deliver_due(engine, now=later + 3600) == [] and len(hook.got) == 1


def test_a_sender_that_dies_mid_send_gives_the_row_back_after_its_lease(engine, receiver, monkeypatch):
    from alerts.notify import LEASE_S, _claim
    hook = receiver(fail_first=0)
    channels = [Channel(name="zalo", type="webhook", url=hook.url, severities=["high"])]
    use_channels(monkeypatch, channels)
    monkeypatch.setattr("alerts.engine.deliver_due", lambda engine: [])
    touched, end = feed(engine, [3.0, 3.0, 3.0, 3.0])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    now = int(time.time())
    assert len(_claim(engine, now, 10)) == 1          # taken... and the sender dies before sending
    assert _claim(engine, now, 10) == []              # nobody else may take it meanwhile
    assert deliver_due(engine, now=now + LEASE_S - 1, channels=channels) == []
    assert [o["status"] for o in deliver_due(engine, now=now + LEASE_S + 1, channels=channels)] == ["sent"]
    assert len(hook.got) == 1 and hook.got[0]["alert_id"] == alerts(engine)[0].id


def test_a_channel_that_keeps_failing_is_marked_failed_after_its_retries(engine, receiver, monkeypatch):
    hook = receiver(fail_first=100)
    channels = [Channel(name="zalo", type="webhook", url=hook.url, severities=["high"], retries=2)]
    use_channels(monkeypatch, channels)
    touched, end = feed(engine, [3.0, 3.0, 3.0, 3.0])
    evaluate_after_ingest(engine, "sensorthings", touched, end, rules=RULES)
    deliver_due(engine, now=int(time.time()) + 10**5)
    assert outbox(engine) == [("zalo", "failed", 2)] and len(hook.got) == 2
    with engine.connect() as c:
        assert c.scalar(select(Notification.error)) == "RuntimeError: HTTP 500"   # our words, not the receiver's body
    assert deliver_due(engine, now=int(time.time()) + 10**6) == []


def test_a_broken_rules_file_names_the_rule(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - {id: r1, kind: threshold, parameter: do, title_vi: a, title_en: b}\n", encoding="utf-8")
    with pytest.raises(SiteConfigError) as err:
        load_rules(bad)
    assert "r1" in err.value.values["detail"]


def test_the_shipped_rules_file_loads():
    rules = load_rules("sites/alert_rules.yaml")
    assert {r.kind for r in rules.rules} >= {"threshold", "level", "rate", "camera", "source_silence", "deadline"}
