"""queries.indicators.summary_of: the one rule behind every period card, the 766 estimate and the city page
(a rate reported with numerator and denominator is summed; anything else is its newest reported month;
nothing reported is "no data", never 0)."""
import pytest

from queries.indicators import summary_of


def test_a_rate_is_the_sum_of_numerators_over_the_sum_of_denominators():
    rows = [("2026-01", 90.0, 9.0, 10.0), ("2026-02", 50.0, 45.0, 90.0)]
    got = summary_of(rows)
    assert got == {"value": pytest.approx(54.0), "how": "sum", "first": "2026-01", "last": "2026-02"}
    assert got["value"] != pytest.approx((90.0 + 50.0) / 2)       # never an average of percentages


def test_a_month_without_its_numerator_makes_it_the_newest_reported_value():
    rows = [("2026-01", 90.0, 9.0, 10.0), ("2026-02", 70.0, None, None), ("2026-03", None, None, None)]
    assert summary_of(rows) == {"value": 70.0, "how": "latest", "first": "2026-02", "last": "2026-02"}


def test_nothing_reported_is_no_value_not_zero():
    assert summary_of([]) == {"value": None, "how": None, "first": None, "last": None}
    assert summary_of([("2026-03", None, None, None)]) == {"value": None, "how": "latest", "first": None,
                                                           "last": "2026-03"}
    assert summary_of([("2026-03", 0.0, 0.0, 0.0)])["value"] is None       # nothing asked: no rate
