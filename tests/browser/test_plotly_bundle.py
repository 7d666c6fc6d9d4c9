"""The plotly.js the browser runs (layouts/plotly_bundle.py, a custom bundle): it has exactly the app's trace
types, is the version the figures are built for, takes the `vi` locale registered before it loaded
(assets/40_plotly-locale-vi.js) and draws a chart with it, and the mode bar's PNG download still works."""
import pytest
from plotly.offline import get_plotlyjs_version

from layouts.plotly_bundle import TRACE_TYPES

pytestmark = pytest.mark.browser

# a chart of each trace type drawn with the vi locale and the app's separators, hovered on its first point
DRAW_EACH = """async () => {
    const out = {};
    for (const type of ['scatter', 'bar', 'heatmap']) {
        const div = document.createElement('div');
        div.style.cssText = 'width:600px;height:300px';
        document.body.appendChild(div);
        const trace = type === 'heatmap'
            ? {type, x: ['2026-03-05', '2026-04-05'], y: ['a', 'b'], z: [[1234.5, 2], [3, 4]]}
            : {type, x: ['2026-03-05', '2026-04-05', '2026-05-05'], y: [1234.5, 2, 3]};
        const layout = {separators: ',.', xaxis: {hoverformat: '%d/%m/%Y'}, hovermode: 'closest'};
        await Plotly.newPlot(div, [trace], layout, {locale: 'vi'});
        // a heatmap is hovered at a place (its first cell), the others at their first point
        Plotly.Fx.hover(div, type === 'heatmap' ? {xval: Date.UTC(2026, 2, 5), yval: 0}
                                                : [{curveNumber: 0, pointNumber: 0}]);
        const marks = {heatmap: '.hm image', bar: '.point', scatter: '.scatterlayer .trace'}[type];
        out[type] = {drawn: div.querySelectorAll('.main-svg').length > 0,
                     points: div.querySelectorAll(marks).length,
                     ticks: [...div.querySelectorAll('.xtick text')].map(t => t.textContent),
                     hover: [...div.querySelectorAll('.hoverlayer text')].map(t => t.textContent).join(' | '),
                     modebar: [...div.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))};
        Plotly.purge(div); div.remove();
    }
    return out;
}"""


def test_the_plotly_bundle_has_the_apps_traces_and_draws_them_in_vietnamese(page_for):
    page, watch = page_for("/services")
    page.wait_for_function("() => document.querySelectorAll('.dash-graph .main-svg').length > 0", timeout=60_000)
    assert page.evaluate("Plotly.version") == get_plotlyjs_version()
    assert sorted(page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)")) == sorted(TRACE_TYPES)
    charts = page.evaluate(DRAW_EACH)
    for type_, chart in charts.items():
        assert chart["drawn"] and chart["points"] >= 1, (type_, chart)
        assert "Tải biểu đồ về (PNG)" in chart["modebar"], (type_, chart["modebar"])    # the locale's words
        assert any(t.startswith("Tháng") for t in chart["ticks"]), (type_, chart["ticks"])  # its month names
        assert "05/03/2026" in chart["hover"] and "1.234,5" in chart["hover"], (type_, chart["hover"])
    assert not watch.errors, watch.errors


def test_the_mode_bar_downloads_a_chart_as_png(page_for):
    page, watch = page_for("/services")
    graph = page.locator(".dash-graph .js-plotly-plot").first
    graph.wait_for(state="visible", timeout=60_000)
    graph.hover()
    button = graph.locator(".modebar-btn[data-title='Tải biểu đồ về (PNG)']")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    body = open(download.path(), "rb").read()
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and len(body) > 5_000
    assert not watch.errors, watch.errors
