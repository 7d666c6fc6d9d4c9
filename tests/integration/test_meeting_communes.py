"""The weekly meeting and the weekly report per commune, on both engines: migration 0011 gives the
records made before to the default commune; each commune's record is its own; a user of commune A can
neither open nor write commune B's meeting (checked in the page's callbacks, on the server); the report
job makes one file set per commune, named after it and headed by its issuer."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from commands.base import Actor

USER = "Chủ tịch xã"
A, B = "quang_tho", "demo_xa_b"


def _upgrade_from_0010(url: str, engine_for) -> None:
    """A store at 0010 with one meeting record (made before communes had meetings), then 0011."""
    from ingest.site_sync import sync_site
    from store.migrate import upgrade
    upgrade(url, "0010")
    engine = engine_for(url)
    sync_site(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO meetings (week, week_start_t, notes, created_by, created_t, updated_by, updated_t) "
                          "VALUES ('2026-W40', 1, 'cũ', 'x', 1, 'x', 1)"))
        conn.execute(text("INSERT INTO watermarks (source, key, t) VALUES ('sensorthings_mqtt', 'link:messages', 42), "
                          "('sensorthings_mqtt', 'link:lag_ms', 7), ('sensorthings_mqtt', 'link:last_message', 1700000000), "
                          "('sensorthings', 'ds:5', 1700000001)"))
    engine.dispose()
    upgrade(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    """An empty database on each engine (the migration test runs the chain itself)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    import uuid

    import psycopg

    from tests.conftest import IN_CI, PG_ADMIN_URL, _pg_available
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"brain_m_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    from store.engine import get_engine
    get_engine.cache_clear()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_0011_gives_old_meetings_to_the_default_commune_and_moves_the_push_link_state(fresh_url, engine_for):
    from store.models import Meeting
    _upgrade_from_0010(fresh_url, engine_for)
    engine = engine_for(fresh_url)
    with engine.begin() as conn:
        default = conn.scalar(text("SELECT id FROM communes ORDER BY position, id LIMIT 1"))
        assert conn.execute(select(Meeting.commune_id, Meeting.notes)).all() == [(default, "cũ")]
        other = conn.scalar(text("SELECT id FROM communes WHERE id <> :d LIMIT 1"), {"d": default})
        conn.execute(insert(Meeting).values(commune_id=other, week="2026-W40", week_start_t=1, created_by="y",
                                            created_t=1, updated_by="y", updated_t=1))    # same week, other commune
    with engine.connect() as conn:    # the push link's state moved to its own table; other watermarks stay
        assert conn.execute(text("SELECT source, connected_since_t, last_message_t, messages, lag_ms FROM push_links")).all() \
            == [("sensorthings_mqtt", None, 1700000000, 42, 7)]
        assert conn.execute(text("SELECT source, key, t FROM watermarks")).all() == [("sensorthings", "ds:5", 1700000001)]
    with pytest.raises(Exception):                                                     # same commune and week
        with engine.begin() as conn:
            conn.execute(insert(Meeting).values(commune_id=default, week="2026-W40", week_start_t=1, created_by="z",
                                                created_t=1, updated_by="z", updated_t=1))


# --- the meeting of each commune ------------------------------------------------------------------------

@pytest.fixture
def communes_store(store_url, use_store, engine_for):
    """A migrated store on each engine with both communes of sites/ synced."""
    from ingest.site_sync import sync_site
    from queries.cache import clear
    use_store(store_url)
    engine = engine_for(store_url)
    sync_site(engine)
    clear()
    from domain.weeks import last_full_week
    return {"url": store_url, "engine": engine, "monday": last_full_week()}


def test_each_commune_keeps_its_own_meeting_record(communes_store):
    from commands import meetings as commands
    from domain.weeks import local_today
    from queries import meetings
    from queries.site import default_commune
    engine, monday = communes_store["engine"], communes_store["monday"]
    due = local_today() + timedelta(days=3)
    a = commands.add_decision(engine, monday, USER, "Trưởng thôn 1", "Việc của xã A", due, commune=A)
    b = commands.add_decision(engine, monday, USER, "Trưởng thôn B", "Việc của xã B", due, commune=B)
    commands.save_notes(engine, monday, USER, "Ghi chú B", commune=B)
    commands.freeze(engine, monday, USER, {"week": "frozen-A"}, commune=A)
    commands.freeze(engine, monday, USER, {"week": "frozen-B"}, commune=B)     # B's own, not "already frozen"
    assert list(meetings.decisions_for_week(monday, A)["what"]) == ["Việc của xã A"]
    assert list(meetings.decisions_for_week(monday, B)["what"]) == ["Việc của xã B"]
    assert meetings.meeting_record(monday, A)["snapshot"] == {"week": "frozen-A"}
    assert meetings.meeting_record(monday, B)["notes"] == "Ghi chú B"
    assert meetings.meeting_record(monday, A)["notes"] is None
    assert default_commune() == A and list(meetings.decisions_for_week(monday)["what"]) == ["Việc của xã A"]
    # a decision is followed up only at its own commune's meeting
    with pytest.raises(commands.MeetingError) as err:
        commands.follow_up(engine, b["decision_id"], USER, "done", commune=A)
    assert err.value.key == "meeting.error_unknown_decision"
    commands.follow_up(engine, a["decision_id"], USER, "done", commune=A)
    assert list(meetings.decisions_for_week(monday, B)["state"]) == ["open"]
    with pytest.raises(Exception):
        commands.add_decision(engine, monday, USER, "Ai", "Việc", due, commune="nowhere")


def _operator(engine, name: str, communes: list[str]):
    from auth.cli import cli_actor
    from commands import users as user_commands
    from store.models import User
    user_commands.create_user(cli_actor(), name, "operator", "mật khẩu dài 2026", engine=engine)
    user_commands.set_communes(cli_actor(), name, communes, engine=engine)
    with engine.connect() as conn:
        user_id = conn.scalar(select(User.id).where(User.username == name))
    return Actor(name, "operator", "127.0.0.1", f"Cán bộ {name}", user_id, "s")


def _text(out) -> str:
    items = out if isinstance(out, (list, tuple)) else [out]
    return " ".join(str(o.to_plotly_json()) if hasattr(o, "to_plotly_json") else str(o) for o in items)


def test_a_user_of_commune_a_can_neither_open_nor_record_commune_bs_meeting(communes_store):
    from flask import Flask, g

    import app  # noqa: F401 - pages register with the Dash app
    from auth.communes import CommuneForbidden
    from commands import meetings as commands
    from domain.weeks import local_today, week_label
    from pages import meeting as page
    from store.models import Meeting, MeetingDecision
    engine, monday = communes_store["engine"], communes_store["monday"]
    week = week_label(monday)
    due = (local_today() + timedelta(days=3)).isoformat()
    theirs = commands.add_decision(engine, monday, USER, "Trưởng thôn B", "Bí mật của xã B", due, commune=B)
    commands.save_notes(engine, monday, USER, "Ghi chú riêng của B", commune=B)
    actor = _operator(engine, "can_bo_a", [A])
    with Flask(__name__).test_request_context("/"):
        g.brain_actor = actor
        with pytest.raises(CommuneForbidden):
            page.layout(week=week, xa=B)                                    # the page itself
        page.layout(week=week, xa=A)
        # reading with a forged store value: refused, nothing of B's shown
        shown = _text(page.update_record(week, 0, B)) + _text(page.update_followup(week_label(monday + timedelta(days=7)), 0, B))
        shown += _text(page.update_needs(week, B)) + _text(page.update_figures(week, 0, [{"pillar": "government"}], B))
        assert "Bí mật của xã B" not in shown and "Tài khoản không được xem số liệu của xã này" in shown
        assert page.load_notes(week, B) == ""
        # writing with a forged store value: refused, nothing stored for B
        out = [page.add_decision(1, week, None, "Ai", "Ghi vào xã B", due, 0, B)[0],
               page.save_notes(1, week, None, "Ghi đè ghi chú B", 0, B)[0],
               page.freeze_figures(1, week, None, 0, B)[0]]
        assert all("Tài khoản không được xem số liệu của xã này" in _text(o) for o in out), _text(out)[:400]
        # its own commune's meeting works, as the signed-in user
        assert "mtg-added" in _text(page.add_decision(1, week, None, "Ai", "Việc của xã A", due, 0, A)[0])
    with engine.connect() as conn:
        rows = conn.execute(select(Meeting.commune_id, MeetingDecision.what, MeetingDecision.created_by)
                            .join(Meeting, Meeting.id == MeetingDecision.meeting_id).order_by(MeetingDecision.id)).all()
        notes_b = conn.scalar(select(Meeting.notes).where(Meeting.commune_id == B))
        frozen_b = conn.scalar(select(Meeting.frozen_t).where(Meeting.commune_id == B))
    assert [tuple(r) for r in rows] == [(B, "Bí mật của xã B", USER), (A, "Việc của xã A", "Cán bộ can_bo_a")]
    assert notes_b == "Ghi chú riêng của B" and frozen_b is None
    assert theirs["decision_id"]


# --- the weekly report of each commune --------------------------------------------------------------------

@pytest.fixture
def report_dir(communes_store, monkeypatch, tmp_path):
    """Reports into a folder of the test's; charts drawn as a tiny PNG (what is tested here is whose
    report it is, not the drawing, which tests/integration/test_exports.py covers with the browser)."""
    import io

    from PIL import Image

    from core.settings import get_settings
    from reports import weekly
    monkeypatch.setenv("REPORTS_DIR", str(tmp_path / "reports"))
    get_settings.cache_clear()
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(png, "PNG")
    monkeypatch.setattr(weekly.images, "render", lambda *a, **k: png.getvalue())
    yield tmp_path / "reports"
    get_settings.cache_clear()


def _pdf_text(path) -> str:
    import re

    from pypdf import PdfReader
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(str(path)).pages))


def test_the_report_job_makes_one_file_set_per_commune_under_its_own_name_and_header(communes_store, report_dir):
    from openpyxl import load_workbook

    from commands import meetings as commands
    from core.errors import BadParam
    from domain.weeks import local_today
    from reports import archive
    from reports.jobs import run_weekly
    engine, monday = communes_store["engine"], communes_store["monday"]
    due = local_today() + timedelta(days=3)
    commands.add_decision(engine, monday, USER, "Trưởng thôn 1", "Nạo vét kênh của xã A", due, commune=A)
    commands.add_decision(engine, monday, USER, "Trưởng thôn B", "Sửa cầu của xã B", due, commune=B)
    week = archive.week_key(monday)
    paths = run_weekly(monday, mail=False)
    assert sorted(p.name for p in paths) == sorted(f"bao-cao-tuan-{c}-{week}.{f}" for c in (A, B) for f in ("pdf", "xlsx"))
    assert {p.parent for p in paths} == {report_dir}
    texts = {c: _pdf_text(report_dir / f"bao-cao-tuan-{c}-{week}.pdf") for c in (A, B)}
    assert "UBND XÃ QUẢNG ĐIỀN" in texts[A] and "Nạo vét kênh của xã A" in texts[A]
    assert "UBND XÃ MÔ PHỎNG B" not in texts[A] and "Sửa cầu của xã B" not in texts[A]
    assert "UBND XÃ MÔ PHỎNG B" in texts[B] and "Sửa cầu của xã B" in texts[B]
    assert "UBND XÃ QUẢNG ĐIỀN" not in texts[B] and "Nạo vét kênh của xã A" not in texts[B]
    assert "Xã mô phỏng B, ngày" in texts[B]                                # the Decree 30 date line's place
    cover = [c for row in load_workbook(report_dir / f"bao-cao-tuan-{B}-{week}.xlsx")["Bìa"].iter_rows(values_only=True)
             for c in row if c]
    assert "UBND XÃ MÔ PHỎNG B · BÁO CÁO" in cover
    assert {(f.commune, f.week) for f in archive.files()} == {(A, week), (B, week)}
    # one commune asked for: its files only; an unknown commune is refused before anything is made
    for p in paths:
        p.unlink()
    assert [p.name for p in run_weekly(monday, mail=False, commune=B)] == [f"bao-cao-tuan-{B}-{week}.pdf",
                                                                           f"bao-cao-tuan-{B}-{week}.xlsx"]
    with pytest.raises(BadParam):
        run_weekly(monday, mail=False, commune="nowhere")
    assert sorted(p.name for p in report_dir.iterdir() if p.is_file()) == [f"bao-cao-tuan-{B}-{week}.pdf",
                                                                         f"bao-cao-tuan-{B}-{week}.xlsx"]


def test_a_user_downloads_and_lists_only_the_reports_of_their_communes(communes_store, report_dir):
    from flask import Flask, g

    import app  # noqa: F401 - pages register with the Dash app
    from pages.reports import read_scope, sign_scope, visible_files
    from reports import archive
    from reports.routes import may_download
    monday = communes_store["monday"]
    for commune in (A, B, None):
        archive.save(monday, "pdf", b"%PDF-", commune)
    week = archive.week_key(monday)
    actor = _operator(communes_store["engine"], "chi_b", [B])
    with Flask(__name__).test_request_context("/"):
        g.brain_actor = actor
        assert may_download(f"bao-cao-tuan-{B}-{week}.pdf")
        assert not may_download(f"bao-cao-tuan-{A}-{week}.pdf")
        assert not may_download(f"bao-cao-tuan-{week}.pdf")            # named before communes: the default's (A)
    assert [f.commune for f in visible_files([B])] == [B]
    assert sorted(f.commune or "" for f in visible_files([A])) == ["", A]
    assert read_scope(sign_scope(B, [B])) == (B, [B])
    forged = sign_scope(B, [B])[:-2] + "xx"
    from core.errors import BadParam
    with pytest.raises(BadParam):
        read_scope(forged)
    with pytest.raises(BadParam):
        read_scope({"commune": A, "allowed": [A]})


# --- the weekly job of every commune: one failing, the others made; run again, nothing doubled ---------------

def _block(report_dir, commune: str, week: str) -> None:
    """Make a commune's report fail for real: a folder where its PDF must go, so the archive's move of
    the finished file onto that name is refused by the file system (no code of the job is replaced)."""
    (report_dir / f"bao-cao-tuan-{commune}-{week}.pdf").mkdir(parents=True)
    (report_dir / f"bao-cao-tuan-{commune}-{week}.pdf" / "keep").write_text("x")


def test_the_all_communes_job_makes_the_others_when_one_fails_and_says_which(communes_store, report_dir, caplog,
                                                                              monkeypatch, capsys):
    import logging

    import manage
    from reports import archive, jobs
    monday = communes_store["monday"]
    week = archive.week_key(monday)
    _block(report_dir, B, week)
    mailed = []
    monkeypatch.setattr(jobs, "mail_configured", lambda: True)
    monkeypatch.setattr(jobs, "mail_report", lambda m, paths, commune: mailed.append((commune, [p.name for p in paths])))
    with caplog.at_level(logging.INFO, logger="reports.jobs"):
        with pytest.raises(jobs.WeeklyFailed) as err:
            jobs.run_weekly(monday)
    ref = err.value.failed[B]
    assert list(err.value.failed) == [B] and len(ref) == 8
    assert sorted(p.name for p in err.value.paths) == [f"bao-cao-tuan-{A}-{week}.pdf", f"bao-cao-tuan-{A}-{week}.xlsx"]
    assert (report_dir / f"bao-cao-tuan-{A}-{week}.pdf").read_bytes()[:5] == b"%PDF-"
    assert mailed == [(A, [f"bao-cao-tuan-{A}-{week}.pdf", f"bao-cao-tuan-{A}-{week}.xlsx"])]   # B's not mailed
    failure = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failure) == 1 and B in failure[0].getMessage() and ref in failure[0].getMessage() and failure[0].exc_info
    assert archive.run_record(monday, A).state == "made" and archive.run_record(monday, A).mailed
    assert (archive.run_record(monday, B).state, archive.run_record(monday, B).ref) == ("failed", ref)
    # the scheduled run (in this process: no broker) never raises; the CLI's exit code says a commune failed
    from reports import tasks
    monkeypatch.setattr(tasks, "CELERY_APP", None)
    assert tasks.scheduled_weekly() is None
    capsys.readouterr()
    assert manage.main(["report", "--all-communes", "--week", week, "--no-mail"]) == 1
    out, errors = capsys.readouterr()
    assert out.split() == [str(report_dir / f"bao-cao-tuan-{A}-{week}.pdf"), str(report_dir / f"bao-cao-tuan-{A}-{week}.xlsx")]
    assert f"failed: {B}" in errors and A not in errors
    assert manage.main(["report", "--all-communes", "--commune", A, "--week", week]) == 2
    # the cause removed, the same week again: every commune's pair once, B's failure gone, nobody mailed twice
    for p in (report_dir / f"bao-cao-tuan-{B}-{week}.pdf").iterdir():
        p.unlink()
    (report_dir / f"bao-cao-tuan-{B}-{week}.pdf").rmdir()
    mailed.clear()
    paths = jobs.run_weekly(monday)
    paths += jobs.run_weekly(monday)
    expected = sorted(f"bao-cao-tuan-{c}-{week}.{f}" for c in (A, B) for f in ("pdf", "xlsx"))
    assert sorted(p.name for p in report_dir.iterdir() if p.is_file()) == expected          # nothing doubled
    assert sorted(f.name for f in archive.files()) == expected
    assert [c for c, _ in mailed] == [B]                        # A was mailed on the first run, B now, once
    assert {r.commune: r.state for r in archive.runs()} == {A: "made", B: "made"}
    jobs.run_weekly(monday, commune=A, mail_again=True)
    assert [c for c, _ in mailed] == [B, A]


def test_the_reports_page_names_each_reports_commune_filters_and_shows_only_the_users_failures(communes_store,
                                                                                             report_dir):
    from flask import Flask, g

    import app  # noqa: F401 - pages register with the Dash app
    from pages import reports as page
    from reports import archive
    monday = communes_store["monday"]
    week = archive.week_key(monday)
    for commune in (A, B):
        archive.save(monday, "pdf", b"%PDF-", commune)
    archive.save(monday - timedelta(days=7), "pdf", b"%PDF-", B)
    archive.record_run(monday - timedelta(days=7), A, "failed", ref="abcd1234", error="OSError")
    archive.record_run(monday - timedelta(days=14), B, "mail_failed", ref="feed5678", error="SMTPException")
    both = _text(page.archive_table("vi", [A, B]))
    assert "Quảng Thọ (cũ)" in both and "Xã mô phỏng B (demo)" in both and "abcd1234" in both and "feed5678" in both
    assert "Demo commune B (simulated)" in _text(page.archive_table("en", [A, B]))
    only_b = _text(page.archive_table("vi", [A, B], only=B))
    assert f"bao-cao-tuan-{A}-" not in only_b and "abcd1234" not in only_b and "Quảng Thọ (cũ)" not in only_b
    assert only_b.count(f"/reports/files/bao-cao-tuan-{B}-") == 2 and "feed5678" in only_b       # its two files
    user_b = _operator(communes_store["engine"], "bao_cao_b", [B])
    with Flask(__name__).test_request_context("/"):
        g.brain_actor = user_b
        shown = _text(page.layout(xa=B))
        assert f"bao-cao-tuan-{A}-{week}" not in shown and "abcd1234" not in shown and "Quảng Thọ (cũ)" not in shown
        assert f"bao-cao-tuan-{B}-{week}.pdf" in shown and "feed5678" in shown
        # the filter asks the server who is signed in: another commune asked for is refused, nothing listed
        forged = _text(page.filter_archive(A, "vi"))
        assert "Tài khoản không được xem số liệu của xã này" in forged and f"bao-cao-tuan-{A}-" not in forged
        assert f"bao-cao-tuan-{B}-{week}.pdf" in _text(page.filter_archive("", "vi"))


# --- the Data page's rejects and unmapped datastreams per commune ------------------------------------------

def test_rejects_and_unmapped_datastreams_are_a_communes_own_plus_the_city_wide_ones(communes_store):
    from flask import Flask, g

    import app  # noqa: F401 - pages register with the Dash app
    from pages import data as page
    from queries import health
    from queries.cache import clear
    from store.models import Reject, SourceHealth, UnmappedDatastream
    engine = communes_store["engine"]
    with engine.begin() as conn:
        for source, commune in (("sensorthings", None), ("sta_b", B)):
            conn.execute(insert(SourceHealth).values(source=source, commune_id=commune, protocol="sensorthings",
                                                     url="http://127.0.0.1:9/", simulated=False, consecutive_failures=0,
                                                     stored_total=0, rejected_total=0, last_poll_stored=0,
                                                     last_poll_rejected=0))
        for i, source in enumerate(("sensorthings", "sta_b", "upload")):      # upload: no health row, city-wide
            conn.execute(insert(Reject).values(source=source, kind="reading", reason=f"bad_{source}",
                                               detail="x", received_t=1_700_000_000 + i))
        for ds_id, device in (("ds-a", "air_1"), ("ds-b", "demo_b_air_1"), ("ds-none", None), ("ds-ghost", "no_such")):
            conn.execute(insert(UnmappedDatastream).values(source="sensorthings", datastream_id=ds_id, thing_id="1",
                                                           thing_name=f"Thing {ds_id}", reason="unknown_parameter",
                                                           device_id=device, first_seen_t=1, last_seen_t=2))
        conn.execute(insert(UnmappedDatastream).values(source="sta_b", datastream_id="ds-b-own", thing_id="1",
                                                       thing_name="B's own", reason="unknown_parameter",
                                                       first_seen_t=1, last_seen_t=2))
    clear()
    assert set(health.rejects_by_reason(commune=A)["source"]) == {"sensorthings", "upload"}
    assert set(health.rejects_by_reason(commune=B)["source"]) == {"sensorthings", "sta_b", "upload"}
    assert set(health.recent_rejects(commune=A)["source"]) == {"sensorthings", "upload"}
    assert set(health.rejects_by_reason()["source"]) == {"sensorthings", "sta_b", "upload"}      # no commune: all
    assert set(health.unmapped_datastreams(commune=A)["datastream_id"]) == {"ds-a", "ds-none", "ds-ghost"}
    assert set(health.unmapped_datastreams(commune=B)["datastream_id"]) == {"ds-b", "ds-none", "ds-ghost"}
    assert set(health.unmapped_datastreams("sta_b", commune=A)["datastream_id"]) == set()
    assert set(health.unmapped_datastreams("sta_b", commune=B)["datastream_id"]) == {"ds-b-own"}
    # the page, for a user of commune A: its view, and nothing of B's even when the store is forged to B
    actor = _operator(engine, "xem_a", [A])
    with Flask(__name__).test_request_context("/"):
        g.brain_actor = actor
        own = _text(page.update_health(0, None, A)) + _text(page.update_unmapped(0, A))
        assert "sta_b" not in own and "Thing ds-a" in own and "Thing ds-b" not in own
        forged = _text(page.update_health(0, None, B)) + _text(page.update_unmapped(0, B))
        assert "sta_b" not in forged and "Thing ds-b" not in forged
        assert "Tài khoản không được xem số liệu của xã này" in forged


def test_migration_0011_goes_back_to_0010_and_forward_again(fresh_url, engine_for):
    from alembic import command

    from store.migrate import alembic_config, upgrade
    _upgrade_from_0010(fresh_url, engine_for)
    engine = engine_for(fresh_url)
    cfg = alembic_config(fresh_url)
    cfg.attributes["engine"] = engine
    command.downgrade(cfg, "0010")
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT key, t FROM watermarks WHERE source = 'sensorthings_mqtt'")).all()) == \
            [("link:lag_ms", 7), ("link:last_message", 1700000000), ("link:messages", 42)]
        assert conn.execute(text("SELECT week, notes FROM meetings")).all() == [("2026-W40", "cũ")]
    engine.dispose()
    upgrade(fresh_url)
    with engine_for(fresh_url).connect() as conn:
        assert conn.execute(text("SELECT messages FROM push_links")).scalar() == 42
