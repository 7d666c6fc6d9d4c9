"""A chart of one bar per day has one tick per day (or per whole k days), at the day's midnight: Plotly's own
ticks on a 24-hour slide (two or three days of bars) fell every 12 hours and printed each date twice."""
import pandas as pd
import pytest

DAY_MS = 86_400_000


def _days(n: int) -> pd.DataFrame:
    # readings.daily: `time` is the UTC instant of local (UTC+7) midnight
    times = pd.date_range("2026-11-28 17:00", periods=n, freq="D", tz="UTC")
    return pd.DataFrame({"time": times, "mean": [1.0] * n, "count": [24] * n, "total": [24.0] * n,
                         "aqi": [50.0] * n, "dominant": ["pm25"] * n})


def _tick_labels(axis, n_days: int) -> list[str]:
    """The labels Plotly draws for a linear date axis over the bars' days (what the screen shows)."""
    start = pd.Timestamp(axis.tick0)
    end = pd.Timestamp("2026-11-29") + pd.Timedelta(days=n_days)
    ticks = pd.date_range(start, end, freq=pd.Timedelta(milliseconds=axis.dtick))
    return [t.strftime("%d/%m") for t in ticks]


@pytest.mark.parametrize("panel_id", ["env.rain_daily", "env.aqi_daily"])
@pytest.mark.parametrize("n_days", [2, 3, 7, 30, 90, 365])
def test_a_daily_bar_chart_has_one_tick_per_day_at_any_period(panel_id, n_days):
    from panels import PanelData, get_panel
    fig = get_panel(panel_id).figure(PanelData(panel=panel_id, frame=_days(n_days)), "vi", "dark")
    axis = fig.layout.xaxis
    assert axis.tickmode == "linear" and axis.dtick and axis.dtick % DAY_MS == 0, axis
    assert pd.Timestamp(axis.tick0) == pd.Timestamp("2026-11-29"), "the first tick is the first day's local midnight"
    labels = _tick_labels(axis, n_days)
    assert len(labels) == len(set(labels)), labels             # no date printed twice
    assert 1 <= len(labels) <= 13
    assert axis.tickformat == "%d/%m"
    if n_days <= 12:
        assert axis.dtick == DAY_MS                            # every day has its own label
