"""The browser gets plotly.js's cartesian bundle (layouts/plotly_bundle.py): every trace the code that
draws for the browser builds must be one of its trace types, or the chart would not draw at all."""
from __future__ import annotations

import ast
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from layouts.plotly_bundle import BUNDLE, TRACE_TYPES

ROOT = Path(__file__).resolve().parents[2]
# what reaches the browser; reports/ draws its images on the server, with the full plotly.js (kaleido)
BROWSER_CODE = ("components", "panels", "pages", "layouts", "app.py")


TRACE_CLASSES = {name: cls().type for name, cls in ((n, getattr(go, n)) for n in dir(go) if n[:1].isupper())
                 if isinstance(cls, type) and issubclass(cls, BaseTraceType) and cls is not BaseTraceType}
ALL_TYPES = set(TRACE_CLASSES.values())


def traces_built(paths) -> set[str]:
    """The plotly.js type of every trace the code builds: `go.<Trace>(...)`, `fig.add_<trace>(...)` and a
    trace written as a dict (`{"type": "<trace>", ...}`, components/figures/base.py `figure`)."""
    found: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if (isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant)
                            and value.value in ALL_TYPES):
                        found.add(value.value)
                continue
            if not isinstance(node, ast.Attribute):
                continue
            if isinstance(node.value, ast.Name) and node.value.id == "go" and node.attr in TRACE_CLASSES:
                found.add(TRACE_CLASSES[node.attr])
            elif node.attr.startswith("add_") and node.attr[4:] in ALL_TYPES:
                found.add(node.attr[4:])
    return found


def browser_files():
    for name in BROWSER_CODE:
        p = ROOT / name
        yield from (sorted(p.rglob("*.py")) if p.is_dir() else [p])


def test_every_trace_the_app_draws_is_in_the_cartesian_bundle():
    built = traces_built(browser_files())
    assert {"scatter", "bar", "heatmap"} <= built        # the scan finds what the charts are made of
    assert built <= TRACE_TYPES, f"not in the browser's plotly.js bundle: {sorted(built - TRACE_TYPES)}"


def test_the_scan_would_see_a_trace_outside_the_bundle(tmp_path):
    code = tmp_path / "chart.py"
    code.write_text("import plotly.graph_objects as go\nfig = go.Figure(go.Scattermap(lat=[1], lon=[2]))\n"
                    "fig.add_choropleth(z=[1])\nfig.add_hline(y=1)\n"
                    "trace = {'type': 'densitymap', 'z': [1]}\nshape = {'type': 'line', 'x0': 0}\n")
    assert traces_built([code]) == {"scattermap", "choropleth", "densitymap"}
    assert not traces_built([code]) <= TRACE_TYPES


def test_the_vendored_bundle_is_the_cartesian_one_of_the_installed_plotly_js():
    from plotly.offline import get_plotlyjs_version
    head = BUNDLE.read_text(encoding="utf-8")[:200]
    assert "plotly.js (cartesian - minified)" in head
    assert f"v{get_plotlyjs_version()}" in head          # the same version as the figures are built for
