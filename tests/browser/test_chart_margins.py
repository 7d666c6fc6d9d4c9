"""Charts are drawn once: the base margins fitted server-side (components.figures.base.fit_margins) already
hold the tick labels, units, legends and colorbars, so plotly.js's auto-margin pass finds nothing to widen
(a widened margin means the whole chart was drawn a second time)."""
import pytest

pytestmark = pytest.mark.browser

WIDENED = """() => [...document.querySelectorAll('.dash-graph .js-plotly-plot')].flatMap(g => {
    const asked = g.layout.margin, drawn = g._fullLayout._size;
    return ['l', 'r', 't', 'b'].filter(k => drawn[k] > asked[k] + 1)
        .map(k => `${g.parentElement.id} ${k}: ${asked[k]} -> ${drawn[k]}`);
})"""


@pytest.mark.parametrize("path", ["/services", "/security"])
def test_a_chart_pages_margins_are_not_widened_after_drawing(page_for, path):
    page, watch = page_for(path, width=1366, height=768)
    page.wait_for_function("() => document.querySelectorAll('.dash-graph .main-svg').length > 0", timeout=60_000)
    assert page.evaluate("document.querySelectorAll('.dash-graph .js-plotly-plot').length") >= 2
    assert page.evaluate(WIDENED) == []
    assert not watch.errors, watch.errors
