"""The browser gets a plotly.js bundle with only the trace types the app draws (layouts/plotly_bundle.py):
every trace the code that draws for the browser builds must be one of `TRACE_TYPES`, or the chart would not
draw at all; the vendored bundle must register exactly those, be of the plotly.js version the figures are
built for, and be the file the recipe in assets/VENDORED.md builds. It also leaves out the components no
chart uses (vendor/plotly-build/build.mjs): a figure key needing one of them would be ignored without a
word, so the code must set none."""
from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from layouts.plotly_bundle import BUNDLE, TRACE_TYPES

ROOT = Path(__file__).resolve().parents[2]
# what reaches the browser; reports/ draws its images on the server, with the full plotly.js (kaleido)
BROWSER_CODE = ("components", "panels", "pages", "layouts", "app.py")
BUILD_DIR = ROOT / "vendor" / "plotly-build"


TRACE_CLASSES = {name: cls().type for name, cls in ((n, getattr(go, n)) for n in dir(go) if n[:1].isupper())
                 if isinstance(cls, type) and issubclass(cls, BaseTraceType) and cls is not BaseTraceType}
ALL_TYPES = set(TRACE_CLASSES.values())
EXPRESS = "plotly.express"          # px.* builds traces of its own choosing: not allowed unseen
# the components build.mjs leaves out, with the figure keys (and plotly.py methods) that would need each
LEFT_OUT_KEYS = {"calendars": {"calendar", "xcalendar", "ycalendar", "zcalendar"},
                 "images": {"images", "add_layout_image"}, "updatemenus": {"updatemenus"}, "sliders": {"sliders"},
                 "rangeslider": {"rangeslider"}, "rangeselector": {"rangeselector"},
                 "errorbars": {"error_x", "error_y"},
                 "annotations3d": set()}    # they live in a 3-D scene, which no trace of the bundle draws


def traces_built(paths) -> set[str]:
    """The plotly.js type of every trace the code builds: `go.<Trace>(...)`, `fig.add_<trace>(...)`, a
    trace written as a dict (`{"type": "<trace>", ...}`), and `EXPRESS` where plotly.express is imported."""
    found: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                if isinstance(node.value, ast.Name) and node.value.id == "go" and node.attr in TRACE_CLASSES:
                    found.add(TRACE_CLASSES[node.attr])
                elif node.attr.startswith("add_") and node.attr[4:] in ALL_TYPES:
                    found.add(node.attr[4:])
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if (isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant)
                            and value.value in ALL_TYPES):
                        found.add(value.value)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(n == EXPRESS or n.startswith(EXPRESS + ".") for n in names) or (
                        isinstance(node, ast.ImportFrom) and node.module == "plotly"
                        and any(a.name == "express" for a in node.names)):
                    found.add(EXPRESS)
    return found


def left_out_keys_set(paths) -> set[str]:
    """The keys of `LEFT_OUT_KEYS` the code names: as a keyword (`error_y=`, plotly.py's
    `xaxis_rangeslider_visible=`), a dict key (`{"images": ...}`, `{"xaxis.rangeslider.visible": ...}`) or a
    method (`fig.add_layout_image`), alone or as a part between `_` or `.`."""
    keys = set().union(*LEFT_OUT_KEYS.values())
    pattern = re.compile(r"(?:^|[_.])(%s)(?=$|[_.])" % "|".join(sorted(keys, key=len, reverse=True)))
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.keyword) and node.arg:
                names.append(node.arg)
            elif isinstance(node, ast.Dict):
                names += [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            elif isinstance(node, ast.Attribute):
                names.append(node.attr)
            for name in names:
                found |= {m.group(1) for m in pattern.finditer(name)}
    return found


def browser_files():
    for name in BROWSER_CODE:
        p = ROOT / name
        yield from (sorted(p.rglob("*.py")) if p.is_dir() else [p])


def bundle_traces(text: str) -> set[str]:
    """The trace modules a plotly.js bundle defines: each is `{moduleType: "trace", name: "<type>", ...}`
    (attribute descriptions are stripped from bundles, the module objects are not)."""
    return set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', text))


def test_every_trace_the_app_draws_is_in_the_browser_bundle():
    built = traces_built(browser_files())
    assert {"scatter", "bar", "heatmap"} <= built        # the scan finds what the charts are made of
    assert built <= TRACE_TYPES, f"not in the browser's plotly.js bundle: {sorted(built - TRACE_TYPES)}"


def test_the_scan_would_see_a_trace_outside_the_bundle(tmp_path):
    code = tmp_path / "chart.py"
    code.write_text("import plotly.graph_objects as go\nfig = go.Figure(go.Scattermap(lat=[1], lon=[2]))\n"
                    "fig.add_choropleth(z=[1])\nfig.add_hline(y=1)\nfig.add_trace(go.Pie(values=[1]))\n"
                    "fig.add_shape({'type': 'rect', 'x0': 0})\n"
                    "other = go.Figure(data=[{'type': 'histogram', 'x': [1]}])\n")
    assert traces_built([code]) == {"scattermap", "choropleth", "pie", "histogram"}
    assert not traces_built([code]) <= TRACE_TYPES
    express = tmp_path / "express.py"
    express.write_text("import plotly.express as px\nfig = px.line(x=[1], y=[2])\n")
    assert traces_built([express]) == {EXPRESS} and not traces_built([express]) <= TRACE_TYPES
    express.write_text("from plotly import express\n")
    assert traces_built([express]) == {EXPRESS}


def test_the_vendored_bundle_registers_exactly_the_trace_types():
    text = BUNDLE.read_text(encoding="utf-8")
    assert bundle_traces(text) == set(TRACE_TYPES)
    # the pattern finds trace modules in any bundle of this build, not only the three expected here
    assert bundle_traces('x={moduleType:"trace",name:"pie",basePlotModule:y}') == {"pie"}


def test_the_vendored_bundle_is_a_custom_bundle_of_the_installed_plotly_js():
    from plotly.offline import get_plotlyjs_version
    text = BUNDLE.read_text(encoding="utf-8")
    assert text.startswith(f"/**\n* plotly.js (custom - minified) v{get_plotlyjs_version()}\n")
    # the UMD assigns window.Plotly: assets/40_plotly-locale-vi.js registers the vi locale in that assignment
    assert text.rstrip().endswith("window.Plotly = Plotly;\nreturn Plotly;\n}));")
    assert 'version="{}"'.format(get_plotlyjs_version()) in text                    # Plotly.version


def test_the_build_recipe_makes_these_traces_and_this_file():
    """build.sh's default trace list is `TRACE_TYPES`, its versions are pinned, and the vendored file is the
    one whose checksum assets/VENDORED.md gives for that recipe (a rebuild prints it)."""
    import json
    script = (BUILD_DIR / "build.sh").read_text(encoding="utf-8")
    default = re.search(r"traces=\$\{1:-([a-z0-9,]+)\}", script).group(1)
    assert set(default.split(",")) == set(TRACE_TYPES)
    deps = json.loads((BUILD_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert deps["plotly.js"] == BUNDLE.name.removeprefix("plotly-custom-").removesuffix(".min.js")
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in deps.values()), deps
    lock = json.loads((BUILD_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["dependencies"] == deps
    digest = hashlib.sha256(BUNDLE.read_bytes()).hexdigest()
    assert digest in (ROOT / "assets" / "VENDORED.md").read_text(encoding="utf-8")


def test_no_chart_needs_a_component_the_bundle_leaves_out():
    assert not left_out_keys_set(browser_files())


def test_the_scan_would_see_a_key_of_a_component_left_out(tmp_path):
    code = tmp_path / "chart.py"
    code.write_text("fig.update_layout(xaxis_rangeslider_visible=True)\nfig.add_layout_image(source='x')\n"
                    "trace = {'type': 'bar', 'error_y': {'array': [1]}}\nfig.relayout({'xaxis.rangeselector.x': 0})\n"
                    "go.Scatter(x=[1], xcalendar='nepali')\n"
                    "fine = {'gridcolor': 1, 'data-images': 2, 'isocalendar': 3}\nd.isocalendar()\n")
    assert left_out_keys_set([code]) == {"rangeslider", "add_layout_image", "error_y", "rangeselector", "xcalendar"}


def test_the_bundle_registers_no_component_left_out():
    """The vendored bundle defines none of the components build.mjs leaves out (each would be
    `{moduleType:"component",name:"<name>",...}`), and build.mjs leaves out exactly those of `LEFT_OUT_KEYS`."""
    text = BUNDLE.read_text(encoding="utf-8")
    components = set(re.findall(r'moduleType:"component",name:"([a-z0-9]+)"', text))
    assert {"fx", "legend", "shapes", "annotations", "modebar"} <= components      # the ones the charts use
    assert not components & set(LEFT_OUT_KEYS), components & set(LEFT_OUT_KEYS)
    recipe = (BUILD_DIR / "build.mjs").read_text(encoding="utf-8")
    core_left_out = set(re.findall(r"'([a-z0-9]+)'", re.search(r"const CORE_LEFT_OUT = \[([^\]]*)\]", recipe).group(1)))
    assert core_left_out | {"calendars"} == set(LEFT_OUT_KEYS)
