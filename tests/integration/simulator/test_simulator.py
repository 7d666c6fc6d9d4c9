"""The simulator as real servers behave: deterministic, paged by nextLink without gaps or duplicates,
late records held back until their resultTime, Open311's 90-day limit, and chaos at its rate."""
import requests

from core.timeutil import to_epoch
from simulator.server import start_in_thread
from simulator.sta import MAX_TOP

NOW = to_epoch("2025-11-05T12:00:00+07:00")
DAY_FILTER = "phenomenonTime ge 2025-11-04T00:00:00%2B07:00 and phenomenonTime lt 2025-11-05T00:00:00%2B07:00"


def serve(now_fn=lambda: NOW, chaos=0.0):
    return start_in_thread(port=0, seed=766, site_file="sites/quang_tho.yaml", now_fn=now_fn, chaos=chaos)


def pages(url):
    out, n = [], 0
    while url:
        page = requests.get(url, timeout=10).json()
        out += page["value"]
        url = page.get("@iot.nextLink")
        n += 1
    return out, n


def test_paging_covers_a_day_without_gaps_or_duplicates_and_is_deterministic():
    server, base = serve()
    try:
        url = f"{base}/sta/v1.1/Datastreams(3)/Observations?$filter={DAY_FILTER}&$orderby=phenomenonTime%20asc&$top=50"
        first, n = pages(url)
        again, _ = pages(url)
        ids = [o["@iot.id"] for o in first]
        assert n > 2 and len(ids) == len(set(ids)) and first == again
        assert all(o["phenomenonTime"][:10] in ("2025-11-03", "2025-11-04") for o in first)
        capped = requests.get(f"{base}/sta/v1.1/Datastreams(3)/Observations?$top=100000").json()
        assert len(capped["value"]) == MAX_TOP < 100000 and "@iot.nextLink" in capped   # a server-side page cap
        bad = requests.get(f"{base}/sta/v1.1/Datastreams(3)/Observations?$filter=result gt 5")
        assert bad.status_code == 400 and "filter" in bad.json()["message"]
        assert requests.get(f"{base}/sta/v1.1/Things(999)").status_code == 404
    finally:
        server.shutdown()


def test_late_records_appear_only_after_their_result_time():
    clock = {"now": NOW}
    server, base = serve(lambda: clock["now"])
    try:
        flt = "phenomenonTime ge 2025-11-05T06:00:00%2B07:00 and phenomenonTime lt 2025-11-05T12:00:00%2B07:00"
        counts = []
        for later in (0, 6 * 3600):
            clock["now"] = NOW + later
            total = 0
            for ds in range(1, 54):
                got, _ = pages(f"{base}/sta/v1.1/Datastreams({ds})/Observations?$filter={flt}&$top=1000")
                total += len(got)
            counts.append(total)
        assert counts[1] > counts[0]        # the same window holds more once the late records have arrived
    finally:
        server.shutdown()


def test_open311_span_limit_and_feed_labels():
    server, base = serve()
    try:
        r = requests.get(f"{base}/open311/v2/requests.json",
                         params={"start_date": "2025-01-01T00:00:00+07:00", "end_date": "2025-11-01T00:00:00+07:00"})
        assert r.status_code == 400 and "90 days" in r.json()[0]["description"]
        ok = requests.get(f"{base}/open311/v2/requests.json", params={"start_date": "2025-10-01T00:00:00+07:00"}).json()
        assert ok and all(x["requested_datetime"].endswith("+07:00") for x in ok)
        assert requests.get(f"{base}/feeds/indicators.json").json()["simulated"] is True
        assert requests.get(f"{base}/open311/v2/requests.json", params={"service_code": "nope"}).status_code == 404
    finally:
        server.shutdown()


def test_chaos_fails_requests_at_about_its_rate_like_a_real_server():
    server, base = serve(chaos=0.3)
    try:
        codes = [requests.get(f"{base}/frigate/api/version", timeout=10).status_code for _ in range(60)]
    finally:
        server.shutdown()
    failed = [c for c in codes if c >= 400]
    assert 6 <= len(failed) <= 30 and set(failed) <= {429, 500, 503}
