"""The walls file saved from /admin/walls (commands/walls.py): administrators only (refused and audited
otherwise, on the server too), an invalid file refused with every reason in words and nothing written,
a valid one written atomically with the previous kept and an audit row saying what changed, a stale
editor refused, and the walls (every worker's get_walls, an open wall's configuration poll) using the
new file without a restart."""
from __future__ import annotations

import shutil

import pytest
import yaml
from dash import no_update

from core.settings import ROOT
from tests.integration.test_access import audit_rows, dash_post, signed_in, web  # noqa: F401 - the app fixture


@pytest.fixture
def walls_file(tmp_path, monkeypatch):
    """A copy of the shipped walls file, as WALLS_FILE."""
    path = tmp_path / "walls" / "walls.yaml"
    path.parent.mkdir()
    shutil.copy(ROOT / "sites" / "walls.yaml", path)
    monkeypatch.setenv("WALLS_FILE", str(path))
    from core.settings import get_settings
    from core.walls import forget_walls
    get_settings.cache_clear()
    forget_walls()
    yield path
    get_settings.cache_clear()
    forget_walls()


@pytest.fixture
def store(sqlite_url, use_store, engine_for, walls_file):
    use_store(sqlite_url)
    from core.settings import get_settings
    get_settings.cache_clear()
    return engine_for(sqlite_url)


def _admin():
    from commands.base import Actor
    return Actor("admin", "administrator", "10.0.0.7")


def _draft(path, **change):
    """The editor's draft of the file with slide 1 of main/day changed."""
    from core.wall_draft import for_saving, from_text
    draft = from_text(path.read_text(encoding="utf-8"))
    slide = draft["walls"][0]["playlists"][1]["slides"][0]
    slide.update(change)
    return for_saving(draft)


def test_viewers_and_operators_are_refused_and_audited(store, walls_file):
    from commands.base import Actor, PermissionDenied
    from commands.walls import save_walls_data, save_walls_text
    before = walls_file.read_bytes()
    for role in ("viewer", "operator"):
        with pytest.raises(PermissionDenied):
            save_walls_data(Actor(role, role, "10.0.0.8"), _draft(walls_file, duration_s=40))
        with pytest.raises(PermissionDenied):
            save_walls_text(Actor(role, role), walls_file.read_text(encoding="utf-8"))
    assert walls_file.read_bytes() == before
    assert not list(walls_file.parent.glob("*.bak"))
    denied = audit_rows(store, action="walls.save", outcome="denied")
    assert {r["actor"] for r in denied} == {"viewer", "operator"} and len(denied) == 4


def test_an_invalid_file_is_refused_with_every_reason_in_words_and_nothing_is_written(store, walls_file):
    from commands.walls import save_walls_data, save_walls_text
    from core.walls import WallsInvalid
    before = walls_file.read_bytes()
    with pytest.raises(WallsInvalid) as err:
        save_walls_data(_admin(), _draft(walls_file, duration_s=1, panels=["env.aqi_now", "env.no_such_panel"]))
    vi = [p.text("vi") for p in err.value.problems]
    en = [p.text("en") for p in err.value.problems]
    assert vi == ["Màn hình “main” › danh sách “day” › trang chiếu 1 › Thời lượng (giây): phải từ 3 trở lên"], vi
    assert en == ["Wall “main” › playlist “day” › slide 1 › Duration (s): must be at least 3"], en
    with pytest.raises(WallsInvalid) as err:          # the shape is right: what it names must exist
        save_walls_data(_admin(), _draft(walls_file, panels=["env.aqi_now", "env.no_such_panel"]))
    assert [p.text("vi") for p in err.value.problems] == [
        "Màn hình “main” › danh sách “day” › trang chiếu 1 › Ô số liệu › mục 2: không có ô số liệu “env.no_such_panel”"]
    with pytest.raises(WallsInvalid) as err:
        save_walls_text(_admin(), "walls:\n  - name: main\n    playlists: [\n")
    assert "dòng" in err.value.problems[0].text("vi") and "line" in err.value.problems[0].text("en")
    with pytest.raises(WallsInvalid) as err:
        save_walls_text(_admin(), "walls:\n  - name: Main Wall\n    playlists:\n      - name: day\n        slides:\n"
                                  "          - {page: /environment, panels: [env.aqi_now]}\n", pages={"/environment"})
    texts = [p.text("en") for p in err.value.problems]
    assert any("lower-case letters" in x for x in texts) and any("a page (not both)" in x for x in texts), texts
    with pytest.raises(WallsInvalid) as err:
        save_walls_text(_admin(), "x" * 300_000)
    assert "200 kB" in err.value.problems[0].text("en")
    assert walls_file.read_bytes() == before
    assert not list(walls_file.parent.glob("*.bak")) and not list(walls_file.parent.glob(".*.tmp"))
    failed = audit_rows(store, action="walls.save", outcome="failed")
    assert len(failed) == 5 and all(r["actor"] == "admin" for r in failed)


def test_a_valid_save_round_trips_is_backed_up_and_audited(store, walls_file):
    from commands.walls import read_walls_text, save_walls_data, save_walls_text
    from core.walls import get_walls, header_of, parse_walls
    original = walls_file.read_text(encoding="utf-8")
    _text, version = read_walls_text(_admin())
    walls, new_version, summary = save_walls_data(_admin(), _draft(walls_file, duration_s=40), version,
                                                  pages={"/environment"})
    assert summary == "main/day #1: duration_s 25→40"
    saved = walls_file.read_text(encoding="utf-8")
    assert header_of(saved) == header_of(original) and header_of(saved).startswith("# Wall displays")
    again = parse_walls(saved)
    assert again == walls and again.walls[0].playlists[1].slides[0].duration_s == 40
    before = parse_walls(original)     # nothing else changed: the same walls but for that one value
    assert again.model_dump()["walls"][1] == before.model_dump()["walls"][1]
    backups = list(walls_file.parent.glob("walls.yaml.*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == original
    assert get_walls() == walls
    ok = audit_rows(store, action="walls.save", outcome="ok")
    assert len(ok) == 1 and ok[0]["actor"] == "admin" and ok[0]["ip"] == "10.0.0.7"
    assert "duration_s 25→40" in ok[0]["detail"] and backups[0].name in ok[0]["detail"]
    # the advanced view saves the text as typed, comments included
    typed = saved.replace("walls:\n", "# sửa tay\nwalls:\n", 1)
    save_walls_text(_admin(), typed, new_version)
    assert walls_file.read_text(encoding="utf-8") == typed
    assert len(list(walls_file.parent.glob("walls.yaml.*.bak"))) == 2


def test_a_save_from_a_stale_editor_is_refused(store, walls_file):
    from commands.walls import WallsConflict, read_walls_text, save_walls_data
    _text, version = read_walls_text(_admin())
    save_walls_data(_admin(), _draft(walls_file, duration_s=40), version)
    before = walls_file.read_bytes()
    with pytest.raises(WallsConflict):                 # someone saved in between
        save_walls_data(_admin(), _draft(walls_file, duration_s=50), version)
    assert walls_file.read_bytes() == before
    assert audit_rows(store, action="walls.save", outcome="failed")[0]["detail"] == "changed on disk since it was opened"


def test_running_walls_pick_the_change_up_without_a_restart(store, walls_file):
    from commands.walls import read_walls_text, save_walls_data
    from core.walls import get_walls
    import app  # noqa: F401 - pages register on the app
    from pages import wall as wall_page
    assert get_walls().walls[0].playlists[1].slides[0].duration_s == 25
    config = wall_page.wall_config(get_walls().wall("main"))
    assert wall_page.refresh_config(1, config) is no_update          # unchanged file: nothing sent
    _text, version = read_walls_text(_admin())
    save_walls_data(_admin(), _draft(walls_file, duration_s=40), version)
    assert get_walls().walls[0].playlists[1].slides[0].duration_s == 40   # this process reads the new file
    fresh = wall_page.refresh_config(2, config)                      # an open wall's next poll
    day = next(p for p in fresh["playlists"] if p["name"] == "day")
    assert day["steps"][0]["duration"] == 40 and fresh["version"] != config["version"]
    assert wall_page.refresh_config(3, fresh) is no_update
    # another worker, whose cache still holds the old file, sees the new one by its stamp on disk
    from core import walls as core_walls
    stale = {path: (entry[0][:1] + (-1,) + entry[0][2:], *entry[1:]) for path, entry in core_walls._cache.items()}
    core_walls._cache.update(stale)
    assert get_walls().walls[0].playlists[1].slides[0].duration_s == 40


# --- through the web app -------------------------------------------------------------------------------------

def _save_body(app, draft: dict, version: str) -> dict:
    key = next(k for k in app.callback_map if "adm-wall-draft.data" in k)
    cb = app.callback_map[key]
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in key.strip(".").split("...")]
    state_values = {"adm-wall-draft": draft, "adm-wall-sel": {"w": 0, "p": 0}, "adm-wall-version": version,
                    "adm-wall-yaml": ""}
    inputs = []
    for d in cb["inputs"]:
        if isinstance(d["id"], dict) or "ALL" in str(d["id"]):
            inputs.append([])
        else:
            inputs.append({"id": d["id"], "property": d["property"],
                           "value": 1 if d["id"] == "adm-wall-save" else ("editor" if d["id"] == "adm-wall-tabs" else None)})
    state = [[] if isinstance(d["id"], dict) or "ALL" in str(d["id"])
             else {"id": d["id"], "property": d["property"], "value": state_values.get(d["id"])} for d in cb["state"]]
    return {"output": key, "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": ["adm-wall-save.n_clicks"]}


def test_the_page_and_its_callback_refuse_non_administrators_on_the_server(web, walls_file):
    app, engine = web
    from flask import g
    from commands.base import Actor
    from pages import admin_walls
    with app.server.test_request_context("/admin/walls"):
        for role in ("viewer", "operator"):
            g.brain_actor = Actor(role, role)
            page = str(admin_walls.layout())
            assert "adm-wall-forbidden" in page and "adm-wall-save" not in page
        g.brain_actor = Actor("admin", "administrator")
        page = str(admin_walls.layout())
        assert "adm-wall-save" in page and "env.river_now" in page
    from commands.walls import read_walls_text
    text, version = read_walls_text(_admin())
    body = _save_body(app, _draft(walls_file, duration_s=40), version)
    before = walls_file.read_bytes()
    for user in ("viewer", "operator"):
        assert dash_post(signed_in(app, user), body).status_code == 403
    assert walls_file.read_bytes() == before
    assert {r["actor"] for r in audit_rows(engine, action="walls.edit", outcome="denied")} == {"viewer", "operator"}
    r = dash_post(signed_in(app, "admin"), body)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert "Đã lưu" in r.get_data(as_text=True)
    assert yaml.safe_load(walls_file.read_text(encoding="utf-8"))["walls"][0]["playlists"][1]["slides"][0]["duration_s"] == 40
    # a visitor's text is data, never markup: a title with HTML is saved and drawn as text
    draft = _draft(walls_file, title_vi="<img src=x onerror=alert(1)>")
    r = dash_post(signed_in(app, "admin"), _save_body(app, draft, read_walls_text(_admin())[1]))
    assert r.status_code == 200
    with app.server.test_request_context("/admin/walls"):
        g.brain_actor = Actor("admin", "administrator")
        from dash.development.base_component import Component
        tree = admin_walls.layout()
        assert isinstance(tree, Component)
        assert not any(getattr(c, "dangerously_allow_html", False) for c in tree._traverse())


def test_hostile_values_at_the_editor_never_give_a_500_nor_write_the_file(web, walls_file):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from tests.integration.test_access import _forged, hostile
    app, _engine = web
    before = walls_file.read_bytes()
    admin = signed_in(app, "admin")
    seen: list[int] = []
    drafts = st.one_of(hostile, st.fixed_dictionaries({"walls": st.lists(st.dictionaries(
        st.sampled_from(["name", "playlists", "title_vi", "sound"]), hostile, max_size=4), max_size=3)}))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(values=st.lists(st.one_of(hostile, drafts), min_size=1, max_size=6))
    def check(values):
        r = dash_post(admin, _forged(app, "adm-wall-draft.data", values))
        seen.append(r.status_code)
        assert r.status_code in (200, 204, 400), (r.status_code, r.get_data(as_text=True)[:300])
    check()
    assert walls_file.read_bytes() == before
    assert 200 in seen or 204 in seen, seen           # some reached the callback, not only the guards
