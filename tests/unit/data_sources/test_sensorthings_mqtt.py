"""The MQTT extension's topics and payloads, parsed without a broker: the same record as the HTTP path
makes of the same Observation, and a reason for everything else."""
import json

import pytest

from data_sources.sensorthings import SensorThingsAdapter
from data_sources.sensorthings_mqtt import (MAX_PAYLOAD_BYTES, datastream_of, observations_topics, parse_broker_url,
                                            parse_message)
from ingest.records import Observation, Rejected

HORIZON = 2_000_000_000


@pytest.fixture
def adapter():
    return SensorThingsAdapter("http://127.0.0.1:9/sta/v1.1")


def test_broker_url_gives_host_port_root_and_credentials_but_shows_none():
    b = parse_broker_url("mqtts://ops:p%40ss@broker.example/xa-quang-tho/v1.1")
    assert (b.host, b.port, b.root, b.tls, b.username, b.password) == \
        ("broker.example", 8883, "xa-quang-tho/v1.1", True, "ops", "p@ss")
    assert "p@ss" not in b.display and "ops" not in b.display
    assert parse_broker_url("mqtt://10.0.0.5").root == "v1.1" and parse_broker_url("mqtt://10.0.0.5").port == 1883
    with pytest.raises(ValueError):
        parse_broker_url("http://broker.example/v1.1")


@pytest.mark.parametrize("ds", ["7", "river-7", "it's", "Trạm 4 · pH"])
def test_every_topic_subscribed_for_a_datastream_leads_back_to_it(ds):
    topics = observations_topics("v1.1", ds)
    assert topics and all(datastream_of(t, "v1.1") == ds for t in topics)
    assert all(datastream_of(t + "?$select=result,phenomenonTime", "v1.1") == ds for t in topics)


def test_a_number_id_is_subscribed_both_ways_a_text_id_quoted():
    assert observations_topics("v1.1", "7") == ["v1.1/Datastreams(7)/Observations", "v1.1/Datastreams('7')/Observations"]
    assert observations_topics("v1.1", "a'b") == ["v1.1/Datastreams('a''b')/Observations"]


def test_an_id_with_a_wildcard_is_left_to_the_poll():
    assert observations_topics("v1.1", "a+b") == [] and observations_topics("v1.1", "#") == []


@pytest.mark.parametrize("topic", ["v1.1/Datastreams(7)/Thing", "v1.1/Observations", "v1.1/Datastreams",
                                   "other/v1.1/Datastreams(7)/Observations", "v1.1/Datastreams(7)/Observations/x",
                                   "v1.1/Datastreams('unclosed)/Observations"])
def test_other_topics_are_no_datastream(topic):
    assert datastream_of(topic, "v1.1") is None


def test_a_pushed_observation_is_the_record_the_poll_makes_of_it(adapter):
    entity = {"@iot.id": "9000000123", "@iot.selfLink": "http://x/Observations(9000000123)",
              "phenomenonTime": "2025-11-05T11:50:00+07:00/2025-11-05T12:00:00+07:00", "resultTime": None,
              "result": "2,5", "Datastream@iot.navigationLink": "http://x/Observations(9000000123)/Datastream"}
    pushed = parse_message(adapter, "v1.1", "v1.1/Datastreams('9')/Observations", json.dumps(entity).encode(), HORIZON)
    polled = adapter.parse_observation("9", entity, HORIZON)
    assert isinstance(pushed, Observation) and pushed == polled
    assert pushed.t == 1762318800 and pushed.value == 2.5       # an interval keyed on its end; text decimal comma


@pytest.mark.parametrize("payload, reason", [
    (b'{"phenomenonTime": "2025-11-05T05:00:00Z", "result": 7', "bad_json"),
    (b"\xff\xfe", "bad_json"),
    (b'{"phenomenonTime": "2025-11-05T05:00:00Z", "result": null}', "null_result"),
    (b'{"phenomenonTime": "2025-11-05T05:00:00Z", "result": -9999}', "no_data_value"),
    (b'["not", "an", "object"]', "wrong_type"),
    (b" " * (MAX_PAYLOAD_BYTES + 1), "too_large"),
])
def test_what_is_not_a_reading_is_rejected_with_its_reason(adapter, payload, reason):
    rec = parse_message(adapter, "v1.1", "v1.1/Datastreams(3)/Observations", payload, HORIZON)
    assert isinstance(rec, Rejected) and rec.reason == reason and rec.source == "sensorthings"
    assert len(rec.excerpt) <= 2000


def test_a_message_on_a_foreign_topic_is_rejected_not_guessed(adapter):
    rec = parse_message(adapter, "v1.1", "v1.1/Things(3)", b'{"result": 1}', HORIZON)
    assert isinstance(rec, Rejected) and rec.reason == "unknown_topic"
