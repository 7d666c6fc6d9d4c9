"""The benchmark's floor page (bench/floor.py): a Dash layout as static HTML, strings escaped, figures kept
for plotly.js with their config, the boxes the bench's DRAWN check looks for in place."""
import json
import re

from dash import dcc, html
from plotly.utils import PlotlyJSONEncoder

from bench.floor import StaticPage, page_document

HOSTILE = "<img src=x onerror=alert(1)>"


def as_json(component) -> dict:
    """The layout as `/_dash-layout` answers it."""
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))


def test_the_layout_becomes_html_with_every_string_escaped():
    layout = as_json(html.Div(id="_pages_content", className="page", style={"marginTop": 4, "zIndex": 2}, children=[
        html.Div(HOSTILE, className="panel-body", title=HOSTILE),
        dcc.Link("Môi trường", href="/environment"),
        dcc.Store(id="kept", data={"x": 1}),
        html.Hr(),
    ]))
    out = StaticPage().html(layout)
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert 'title="&lt;img src=x onerror=alert(1)&gt;"' in out
    assert '<div id="_pages_content" class="page" style="margin-top:4px;z-index:2">' in out
    assert '<a href="/environment">Môi trường</a>' in out
    assert "kept" not in out and out.count("<hr") == 1 and "</hr>" not in out


def test_graphs_become_boxes_drawn_from_their_figure_and_config():
    figure = {"data": [{"type": "bar", "x": [1], "y": [2], "name": "</script><script>alert(1)</script>"}],
              "layout": {"separators": ",."}}
    layout = as_json(html.Div(dcc.Graph(figure=figure, config={"locale": "vi"}, className="chart",
                                        style={"height": "23rem"})))
    page = StaticPage()
    out = page.html(layout)
    assert re.search(r'<div class="dash-graph chart" style="height:23rem" data-floor-figure="0">', out)
    assert page.figures == [{"figure": figure, "config": {"locale": "vi"}}]
    document = page_document(layout, ["/assets/10_app.css"])
    data = re.search(r'<script id="floor-figures" type="application/json">(.*?)</script>', document).group(1)
    assert "</script><script>" not in data and json.loads(data)[0]["figure"] == figure
    assert document.index("/plotly.js") < document.index("/draw.js")


def test_a_page_without_charts_loads_no_script():
    document = page_document(as_json(html.Div("Cảnh báo", className="panel-body")), ["/assets/10_app.css"])
    assert "<script" not in document and '<link rel="stylesheet" href="/assets/10_app.css">' in document
