"""Parsing what real servers send, one record at a time: good records become records, bad ones become
Rejected with a reason, and nothing raises."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_sources.frigate import FrigateAdapter, _Parsed
from data_sources.indicators import parse_indicator_file, period_bounds, validate_indicator_row, BadPeriod
from data_sources.open311 import Open311Adapter
from data_sources.sensorthings import SensorThingsAdapter, parameter_code
from ingest.records import IndicatorRecord, Observation, Rejected, ReportRecord

STA = SensorThingsAdapter("http://sta.invalid/v1.1")
HORIZON = 2_000_000_000


@pytest.mark.parametrize("raw,t,value", [
    ({"phenomenonTime": "2025-06-11T17:00:00Z", "result": 4.6}, 1749661200, 4.6),
    ({"phenomenonTime": "2025-06-12T00:00:00+07:00", "result": "4.6"}, 1749661200, 4.6),
    ({"phenomenonTime": "2025-06-11T17:00:00Z/2025-06-11T18:00:00Z", "result": 12}, 1749664800, 12.0),  # its end
    ({"phenomenonTime": "2025-06-11T17:00:00.000Z", "result": 0}, 1749661200, 0.0),
])
def test_observations_parse(raw, t, value):
    obs = STA.parse_observation("5", raw, HORIZON)
    assert isinstance(obs, Observation) and obs.t == t and obs.value == value


@pytest.mark.parametrize("raw,reason", [
    ({"phenomenonTime": "2025-06-11T17:00:00Z", "result": None}, "null_result"),
    ({"phenomenonTime": "2025-06-11T17:00:00Z", "result": "NaN"}, "nan_result"),
    ({"phenomenonTime": "2025-06-11T17:00:00Z", "result": {"v": 1}}, "wrong_type"),
    ({"phenomenonTime": "2025-06-11T17:00:00Z", "result": True}, "wrong_type"),
    ({"phenomenonTime": "2025-06-11T17:00:00Z", "result": "abc"}, "wrong_type"),
    ({"phenomenonTime": "yesterday", "result": 1}, "bad_time"),
    ({"result": 1}, "bad_time"),
    ({"phenomenonTime": "2099-01-01T00:00:00Z", "result": 1}, "far_future"),
    ("not an object", "wrong_type"),
])
def test_bad_observations_are_rejected_with_a_reason(raw, reason):
    r = STA.parse_observation("5", raw, HORIZON)
    assert isinstance(r, Rejected) and r.reason == reason and r.excerpt


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=3), max_leaves=8))
def test_any_json_is_parsed_or_rejected_never_raises(raw):
    r = STA.parse_observation("5", raw if not isinstance(raw, dict) else {**raw}, HORIZON)
    assert isinstance(r, (Observation, Rejected))
    e = FrigateAdapter("http://f.invalid").parse_event(raw)
    assert isinstance(e, (_Parsed, Rejected))
    o = Open311Adapter("http://o.invalid").parse_request(raw)
    assert isinstance(o, (ReportRecord, Rejected))


def test_parameter_names_from_other_servers():
    assert parameter_code("PM2.5") == "pm25" and parameter_code("Dissolved Oxygen") == "do"
    assert parameter_code("do") == "do" and parameter_code("Mực nước") == "water_level"
    assert parameter_code("radiation") is None


def test_frigate_scores_new_and_old_layout_and_in_progress():
    fa = FrigateAdapter("http://f.invalid")
    new = fa.parse_event({"id": "1.5-a", "camera": "cam_01", "label": "person", "start_time": 1.5, "end_time": None,
                          "data": {"score": 0.8, "top_score": 0.86}, "has_snapshot": True, "zones": ["san"]})
    assert new.record.top_score == 0.86 and new.record.end_t is None
    assert new.record.snapshot_url == "http://f.invalid/api/events/1.5-a/snapshot.jpg"
    old = fa.parse_event({"id": "2-b", "camera": "cam_01", "label": "car", "start_time": 2, "end_time": 9,
                          "top_score": 0.7})
    assert old.record.top_score == 0.7 and old.record.end_t == 9
    assert fa.parse_event({"id": "x", "camera": "c", "label": "l", "start_time": 9, "end_time": 3}).reason == "bad_time"


def test_open311_requests_with_offsets_missing_coordinates_and_bad_status():
    oa = Open311Adapter("http://o.invalid")
    r = oa.parse_request({"service_request_id": "QT-1", "status": "open", "requested_datetime": "2025-06-10T08:15:00+07:00",
                          "lat": None, "long": "abc", "description": "Ổ gà đường liên thôn"})
    assert isinstance(r, ReportRecord) and r.requested_t == 1749518100 and r.lat is None and r.lon is None
    assert oa.parse_request({"service_request_id": "QT-2", "status": "pending",
                             "requested_datetime": "2025-06-10T08:15:00+07:00"}).reason == "bad_status"
    assert oa.parse_request({"status": "open"}).reason == "missing_field"


@pytest.mark.parametrize("period,kind", [("2025", "year"), ("2025-Q2", "quarter"), ("2025-06", "month"),
                                         ("2025-W24", "week"), ("2025-06-12", "day")])
def test_periods(period, kind):
    assert period_bounds(period)[0] == kind


@pytest.mark.parametrize("period", ["2025-13", "2025-W60", "2025-Q5", "25-06", "", "2025-02-30"])
def test_bad_periods(period):
    with pytest.raises(BadPeriod):
        period_bounds(period)


@pytest.mark.parametrize("row,reason", [
    ({"indicator": "nope", "scope": "commune:quang_tho", "period": "2025-06", "value": 1}, "unknown_indicator"),
    ({"indicator": "cashless_rate", "scope": "district:x", "period": "2025-06", "value": 1}, "bad_scope"),
    ({"indicator": "cashless_rate", "scope": "commune:quang_tho", "period": "2025-6", "value": 1}, "bad_period"),
    ({"indicator": "cashless_rate", "scope": "commune:quang_tho", "period": "2025-06", "value": 101}, "out_of_range"),
    ({"indicator": "cashless_rate", "scope": "commune:quang_tho", "period": "2025-06", "value": 50,
      "numerator": 9, "denominator": 4}, "bad_ratio"),
    ({"indicator": "cashless_rate", "scope": "commune:quang_tho", "period": "2025-06", "value": "năm mươi"}, "wrong_type"),
])
def test_indicator_rows_rejected(row, reason):
    r = validate_indicator_row(row, "t", 0, False)
    assert isinstance(r, Rejected) and r.reason == reason


def test_indicator_null_is_kept_as_not_reported():
    r = validate_indicator_row({"indicator": "cashless_rate", "scope": "commune:quang_tho", "period": "2025-06",
                                "value": None}, "t", 0, False)
    assert isinstance(r, IndicatorRecord) and r.value is None


def test_csv_with_bom_semicolons_and_decimal_commas_and_row_numbers():
    content = ("\ufeffindicator;scope;period;value;numerator;denominator;note\n"
               "cashless_rate;commune:quang_tho;2025-06;71,5;;;\n"
               "bogus;commune:quang_tho;2025-06;1;;;\n").encode("utf-8")
    items = list(parse_indicator_file(content, "x.csv"))
    assert isinstance(items[0], IndicatorRecord) and items[0].value == 71.5
    assert isinstance(items[1], Rejected) and items[1].detail.startswith("row 3:")


def test_unreadable_files_are_refused_clearly():
    with pytest.raises(ValueError, match="missing columns"):
        list(parse_indicator_file(b"a,b\n1,2\n", "x.csv"))
    with pytest.raises(ValueError, match="XLSX"):
        list(parse_indicator_file(b"PK\x03\x04garbage", "x.xlsx"))
    with pytest.raises(ValueError, match="only .csv and .xlsx"):
        list(parse_indicator_file(b"x", "x.pdf"))
