"""Every panel on both a store filled by the simulator and a degraded one (a source down, every optional
field missing): data comes back as PanelData with its period, scope and freshness, draws in both
languages at page and wall size, and exports a frame; a bad filter is a message, never an exception."""
import pandas as pd
import pytest

from tests.stores import degraded_store


@pytest.fixture(scope="module")
def filled(tmp_path_factory, simulator_url):
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    base = tmp_path_factory.mktemp("panels")
    db = f"sqlite:///{base / 'brain.db'}"
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine)
    urls = {"sensorthings": f"{simulator_url}/sta/v1.1", "frigate": f"{simulator_url}/frigate",
            "open311": f"{simulator_url}/open311/v2", "indicators": f"{simulator_url}/feeds"}
    backfill(3, engine=engine, urls=urls, progress=False)
    engine.dispose()
    return db


def _every_panel_draws(lang="vi"):
    from flask import Flask

    from layouts.panel_view import render
    from panels import REGISTRY, Filters, PanelData, data_for
    out = {}
    with Flask(__name__).test_request_context("/"):
        for panel_id, panel in REGISTRY.items():
            data = data_for(panel_id, Filters())
            assert isinstance(data, PanelData) and data.error is None, (panel_id, data.error)
            for size in ("page", "wall"):
                for language in ("vi", "en"):
                    text = str(render(panel_id, data, language, "dark", size).to_plotly_json())
                    assert "nan" not in text.replace("nanh", "").split("'") and "NaT" not in text, panel_id
            assert isinstance(panel.export_frame(data), pd.DataFrame), panel_id
            out[panel_id] = data
    return out


def test_every_panel_on_simulated_data(filled, use_store):
    use_store(filled)
    datas = _every_panel_draws()
    assert datas["env.aqi_now"].value is not None and datas["env.aqi_now"].simulated
    assert datas["env.aqi_now"].now and datas["env.aqi_now"].scope.startswith("device:")
    assert datas["env.pond_series"].frame is not None and not datas["env.pond_series"].frame.empty
    assert datas["fb.reports_week"].extra.get("this_week")
    assert datas["env.pond_series"].start < datas["env.pond_series"].end
    # the categories chart names each category in the viewer's language, never by its code
    from panels import get_panel
    from queries import site
    cats = datas["fb.categories"]
    assert cats.frame is not None and not cats.frame.empty
    for lang in ("vi", "en"):
        shown = list(get_panel("fb.categories").figure(cats, lang, "light").data[0].y)
        names = site.service_names(lang)
        assert shown and all(label in names.values() for label in shown), (lang, shown)
        assert not set(shown) & set(cats.frame["service_code"]) - set(names.values())


def test_every_panel_on_a_degraded_store(tmp_path, use_store):
    db = f"sqlite:///{tmp_path / 'brain.db'}"
    degraded_store(db)
    use_store(db)
    datas = _every_panel_draws()
    assert datas["soc.cameras_online"].freshness["state"] == "down"     # Frigate is down: its panels say so
    assert datas["soc.cameras_online"].value is None                     # and invent no share
    assert datas["env.aqi_now"].freshness["state"] in ("ok", "late")     # the other sources stay healthy
    assert datas["soc.smartphones"].value is None                        # a reported null is no data, not 0


def test_a_bad_filter_is_a_message_and_an_unknown_panel_is_refused(filled, use_store):
    from flask import Flask

    from core.errors import BadParam
    from layouts.panel_view import render
    from panels import Filters, data_for
    use_store(filled)
    with Flask(__name__).test_request_context("/"):
        for hostile in ({"period": "<script>"}, {"village": "thon_99"}, {"period": "custom", "start": "2025-13-45"},
                        {"device": "\\ud800" * 3}, {"period": "x" * 10_000}):
            data = data_for("env.pond_series", Filters.from_mapping(hostile))
            assert data.error is not None, hostile
            assert "alert" in str(render("env.pond_series", data, "vi", "light").to_plotly_json()).lower()
        with pytest.raises(BadParam):
            data_for("no.such.panel")


def test_filters_a_panel_ignores_do_not_split_its_cache():
    from panels import Filters
    from panels.base import restrict
    a = restrict(Filters(period="7d", village="thon_1", parameter="ph"), ())
    b = restrict(Filters(period="7d", village="thon_2"), ())
    assert a == b and hash(a) == hash(b)
    assert restrict(Filters(village="thon_1"), ("village",)).village == "thon_1"
