"""The map popup's alert buttons: what they offer per state, escaped HTML, and the request the page's
JavaScript writes taken with no trust."""
import pytest

from components.alert_actions import _request, popup_actions
from components.map import popup_html


def test_an_open_alert_offers_both_actions_an_acknowledged_one_only_resolve():
    assert [a for a, _, _ in popup_actions({"id": 7, "state": "open"}, "vi")] == ["acknowledge", "resolve"]
    assert [a for a, _, _ in popup_actions({"id": 7, "state": "acknowledged"}, "en")] == ["resolve"]
    assert popup_actions({"id": 7, "state": "open"}, "vi")[0][2] == "Xác nhận"


def test_popup_buttons_carry_the_alert_and_escape_text():
    html = popup_html("<script>x</script>", ["a & b"], actions=[("acknowledge", 12, "Xác <b>nhận</b>")])
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &amp; b" in html
    assert 'data-alert-act="acknowledge"' in html and 'data-alert-id="12"' in html
    assert "Xác &lt;b&gt;nhận&lt;/b&gt;" in html
    assert "popup-acts" not in popup_html("t", ["x"])


@pytest.mark.parametrize("data", [None, "12", [], {}, {"id": 12}, {"id": 12, "action": "delete"},
                                  {"id": "abc", "action": "resolve"}, {"id": "-3", "action": "resolve"},
                                  {"id": 0, "action": "resolve"}, {"id": "9" * 40, "action": "resolve"},
                                  {"id": "1; DROP TABLE alerts", "action": "acknowledge"}])
def test_hostile_or_malformed_requests_are_refused(data):
    assert _request(data) is None


def test_a_well_formed_request_is_taken():
    assert _request({"id": "12", "action": "acknowledge", "at": 1}) == (12, "acknowledge")
    assert _request({"id": 5, "action": "resolve"}) == (5, "resolve")
