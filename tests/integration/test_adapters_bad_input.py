"""Adapters against servers that misbehave the way real ones do: every kind of bad input gives a clear
error or a Rejected with its reason, good records before a failure are still yielded, nothing raises
anything but SourceUnavailable."""
import pytest

from core.errors import SourceUnavailable
from data_sources.frigate import FrigateAdapter
from data_sources.http import HttpClient
from data_sources.open311 import Open311Adapter
from data_sources.sensorthings import SensorThingsAdapter
from ingest.records import DatastreamInfo, Observation, Rejected
from tests.fakeserver import Answer, FakeServer

THINGS = {"value": [{"@iot.id": 1, "name": "Trạm nước ao 1", "properties": {"village": "thon_2"},
                     "Locations": [{"location": {"type": "Point", "coordinates": [107.54, 16.55]}}],
                     "Datastreams": [{"@iot.id": 7, "unitOfMeasurement": {"symbol": "mg/L"},
                                      "ObservedProperty": {"name": "Dissolved Oxygen"}},
                                     {"@iot.id": 8, "unitOfMeasurement": {"symbol": "mg/L"},
                                      "ObservedProperty": {"name": "radiation"}}]}]}


_DEFAULT = object()


def obs(i, t="2025-06-11T17:{:02d}:00Z", result=_DEFAULT):
    return {"@iot.id": i, "phenomenonTime": t.format(i), "result": 4.0 + i / 10 if result is _DEFAULT else result}


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


def client(**kw):
    return HttpClient(timeout_s=kw.pop("timeout_s", 2), retries=kw.pop("retries", 2), backoff_s=0.01,
                      sleep=lambda s: None, **kw)


def sta(fake, **kw):
    return SensorThingsAdapter(f"{fake.url}/v1.1", client(**kw))


def test_discovery_reads_longitude_first_and_reports_unknown_parameters_with_samples(fake):
    fake.on("/v1.1/Things", Answer(THINGS))
    fake.on("/v1.1/Datastreams(7)/Observations", Answer({"value": []}))
    fake.on("/v1.1/Datastreams(8)/Observations", Answer({"value": [obs(3), obs(2, result=None)]}))
    items = list(sta(fake).poll(0, 1749700000))
    mapped, unmapped = [i for i in items if isinstance(i, DatastreamInfo)]
    assert mapped.parameter == "do" and (mapped.lat, mapped.lon) == (16.55, 107.54)
    assert unmapped.parameter is None and unmapped.unmapped_reason == "unknown_parameter"
    assert unmapped.property_name == "radiation" and unmapped.samples == (("2025-06-11T17:03:00Z", "4.3"),
                                                                          ("2025-06-11T17:02:00Z", "null"))
    # the unmapped one is sampled (newest first), never polled for a window
    assert sum("Datastreams(8)" in r for r in fake.requests) == 1 and "desc" in next(
        r for r in fake.requests if "Datastreams(8)" in r)


def test_paging_follows_relative_and_absolute_next_links_and_drops_in_page_duplicates(fake):
    fake.on("/v1.1/Things", Answer(THINGS))
    fake.on("/v1.1/Datastreams(7)/Observations",
            Answer({"value": [obs(1), obs(2)], "@iot.nextLink": "Observations?$skip=2"}),
            Answer({"value": [obs(2), obs(3)], "@iot.nextLink": f"{fake.url}/v1.1/Datastreams(7)/Observations?$skip=4"}),
            Answer({"value": [obs(5)]}))
    items = list(sta(fake).observations("7", 0, 1749700000))
    got = [i.t for i in items if isinstance(i, Observation)]
    assert len(got) == 4 and len(set(got)) == 4
    assert [r.reason for r in items if isinstance(r, Rejected)] == ["duplicate"]


def test_retry_after_500_and_429_then_success(fake):
    fake.on("/v1.1/Datastreams(7)/Observations", Answer({"m": 1}, status=500),
            Answer({"m": 1}, status=429, headers={"Retry-After": "0"}), Answer({"value": [obs(1)]}))
    items = list(sta(fake).observations("7", 0, 1749700000))
    assert len(items) == 1 and fake.hits["/v1.1/Datastreams(7)/Observations"] == 3


@pytest.mark.parametrize("answer,message", [
    (Answer("<html><h1>502 Bad Gateway</h1></html>", status=200, ctype="text/html"), "HTML instead of JSON"),
    (Answer('{"value": [', status=200), "malformed JSON"),
    (Answer({"m": 1}, status=503), "HTTP 503"),
    (Answer({"error": "nope"}, status=404), "HTTP 404"),
    (Answer({"value": "not a list"}), "not a SensorThings collection"),
])
def test_broken_pages_raise_source_unavailable_after_good_ones(fake, answer, message):
    fake.on("/v1.1/Datastreams(7)/Observations",
            Answer({"value": [obs(1), obs(2)], "@iot.nextLink": "Observations?$skip=2"}), answer)
    got = []
    with pytest.raises(SourceUnavailable, match=message):
        for item in sta(fake).observations("7", 0, 1749700000):
            got.append(item)
    assert [g.t for g in got] == [1749661260, 1749661320]   # the good page is not lost


def test_truncated_body_and_timeout_are_source_unavailable(fake):
    fake.on("/v1.1/Datastreams(7)/Observations", Answer({"value": [obs(1)] * 50}, truncate=True))
    with pytest.raises(SourceUnavailable):
        list(sta(fake).observations("7", 0, 1749700000))
    fake.on("/v1.1/Datastreams(8)/Observations", Answer({"value": []}, delay=1.5))
    with pytest.raises(SourceUnavailable, match="Timeout"):
        list(sta(fake, timeout_s=0.3, retries=0).observations("8", 0, 1749700000))


def test_next_link_loop_and_huge_bodies_are_refused(fake):
    fake.on("/v1.1/Datastreams(7)/Observations", Answer({"value": [obs(1)], "@iot.nextLink": "Observations?$skip=1"}))
    with pytest.raises(SourceUnavailable, match="loops"):
        list(sta(fake).observations("7", 0, 1749700000))
    fake.on("/v1.1/Datastreams(8)/Observations", Answer({"value": [obs(1)] * 5000}))
    with pytest.raises(SourceUnavailable, match="over 1000 bytes"):
        list(sta(fake, max_bytes=1000).observations("8", 0, 1749700000))


def test_out_of_order_far_future_and_wrong_types_are_sorted_out(fake):
    fake.on("/v1.1/Datastreams(7)/Observations", Answer({"value": [
        obs(5), obs(1), obs(9, t="2099-01-01T00:00:00Z"), obs(2, result="x"), obs(3, result=[1]), obs(4, result=None)]}))
    items = list(sta(fake).observations("7", 0, 1749700000))
    assert sorted(i.t for i in items if isinstance(i, Observation)) == [1749661260, 1749661500]
    assert sorted(r.reason for r in items if isinstance(r, Rejected)) == ["far_future", "null_result", "wrong_type",
                                                                         "wrong_type"]


def test_frigate_pages_back_without_offset_and_dedupes(fake):
    page1 = [{"id": f"{t}-x", "camera": "cam_01", "label": "person", "start_time": t, "end_time": t + 5,
              "data": {"top_score": 0.8}} for t in (110, 109, 108)]
    page2 = [{"id": "108-x", "camera": "cam_01", "label": "person", "start_time": 108, "end_time": 113},
             {"id": "107-x", "camera": "cam_01", "label": "person", "start_time": 107, "end_time": None}]
    fake.on("/api/events", Answer(page1), Answer(page2))
    import data_sources.frigate as fr
    old = fr.PAGE_LIMIT
    fr.PAGE_LIMIT = 3
    try:
        items = list(FrigateAdapter(fake.url, client()).poll(100, 200))
    finally:
        fr.PAGE_LIMIT = old
    assert [i.id for i in items] == ["110-x", "109-x", "108-x", "107-x"]
    assert items[-1].end_t is None
    assert "before=108.000000" in fake.requests[1]


def test_open311_error_list_and_missing_updates_endpoint(fake):
    fake.on("/services.json", Answer([{"service_code": "giao_thong", "service_name": "Giao thông"}]))
    fake.on("/requests.json", Answer([{"code": 400, "description": "start_date and end_date span more than 90 days"}],
                                     status=400))
    with pytest.raises(SourceUnavailable, match="90 days"):
        list(Open311Adapter(fake.url, client()).poll(0, 100))
    fake.on("/requests.json", Answer([{"service_request_id": "QT-1", "status": "open",
                                       "requested_datetime": "2025-06-10T08:15:00+07:00"}]))
    items = list(Open311Adapter(fake.url, client()).poll(0, 100))   # no servicerequestupdates.json: carry on
    assert [type(i).__name__ for i in items] == ["ServiceRecord", "ReportRecord"]


def test_open311_fetches_older_requests_whose_updates_arrive_now(fake):
    old = {"service_request_id": "QT-OLD", "status": "closed", "requested_datetime": "2025-05-01T08:00:00+07:00",
           "updated_datetime": "2025-06-10T09:00:00+07:00"}
    fake.on("/services.json", Answer([]))
    fake.on("/requests.json", lambda path: Answer([old] if "service_request_id" in path else []))
    fake.on("/servicerequestupdates.json", Answer([{"update_id": "u1", "service_request_id": "QT-OLD",
                                                    "status": "FIXED", "updated_datetime": "2025-06-10T09:00:00+07:00"}]))
    items = list(Open311Adapter(fake.url, client()).poll(1749400000, 1749600000))
    assert [type(i).__name__ for i in items] == ["ReportRecord", "ReportUpdateRecord"]
    assert items[0].id == "QT-OLD" and any("service_request_id=QT-OLD" in r for r in fake.requests)


def test_next_link_is_followed_only_within_the_configured_origin(fake):
    elsewhere = FakeServer()   # another port on the same host: another origin
    try:
        elsewhere.on("*", Answer({"value": [obs(9)], "secret": "internal service"}))
        fake.on("/v1.1/Datastreams(7)/Observations",
                Answer({"value": [obs(1)], "@iot.nextLink": f"{elsewhere.url}/v1.1/Datastreams(7)/Observations?$skip=1"}))
        got = []
        with pytest.raises(SourceUnavailable, match="leaves http://127.0.0.1:.*paging stopped") as err:
            got.extend(sta(fake).observations("7", 0, 1749700000))
        assert [g.t for g in got] == [1749661260] and elsewhere.requests == []
        assert "secret" not in str(err.value) and "internal" not in str(err.value)
        for link in ("https://127.0.0.1:{port}/v1.1/x", "//evil.example/v1.1/x", "http://user@evil.example/x"):
            fake.on("/v1.1/Datastreams(8)/Observations",
                    Answer({"value": [obs(1)], "@iot.nextLink": link.format(port=fake.url.rsplit(":", 1)[1])}))
            with pytest.raises(SourceUnavailable, match="paging stopped"):
                list(sta(fake).observations("8", 0, 1749700000))
    finally:
        elsewhere.close()


@pytest.mark.parametrize("answer,kept,never", [
    (Answer("<html><script>steal()</script>db password=hunter2</html>", status=404, ctype="text/html"),
     "HTTP 404", ("script", "hunter2", "<")),
    (Answer({"message": "<img src=x onerror=alert(1)> Nothing found."}, status=400), "HTTP 400",
     ("<", "=", ">")),
    (Answer("<!doctype html><title>login</title>token=abc", status=200, ctype="text/html"), "HTML instead of JSON",
     ("token", "abc", "login")),
    (Answer({"value": "<svg onload=alert(1)>"}), "not a SensorThings collection", ("svg", "onload")),
])
def test_errors_are_of_our_making_never_a_copy_of_the_body(fake, answer, kept, never):
    fake.on("/v1.1/Datastreams(7)/Observations", answer)
    with pytest.raises(SourceUnavailable) as err:
        list(sta(fake).observations("7", 0, 1749700000))
    text = str(err.value)
    assert kept in text and "filter" not in text and len(text) < 400   # no query string either
    assert not any(bad in text for bad in never), text


def test_two_observations_at_one_time_are_never_merged(fake):
    fake.on("/v1.1/Datastreams(7)/Observations", Answer({"value": [
        {"@iot.id": 1, "phenomenonTime": "2025-06-11T17:00:00Z", "result": 4.0},
        {"@iot.id": 1, "phenomenonTime": "2025-06-11T17:00:00Z", "result": 4.0},     # the same one twice
        {"@iot.id": 2, "phenomenonTime": "2025-06-11T17:00:00Z", "result": 4.5},     # another one, same time
        {"@iot.id": 3, "phenomenonTime": "2025-06-11T16:50:00Z/2025-06-11T17:00:00Z", "result": 4.0},
        {"@iot.id": 4, "phenomenonTime": "2025-06-11T17:00:00Z/2025-06-11T17:10:00Z", "result": 4.2}]}))
    items = list(sta(fake).observations("7", 0, 1749700000))
    kept = [(i.t, i.value) for i in items if isinstance(i, Observation)]
    assert kept == [(1749661200, 4.0), (1749661800, 4.2)]
    rejected = [(r.reason, r.detail) for r in items if isinstance(r, Rejected)]
    assert [r for r, _ in rejected] == ["duplicate", "time_conflict", "time_conflict"]
    assert "4.5" in rejected[1][1] and "kept" in rejected[1][1]
