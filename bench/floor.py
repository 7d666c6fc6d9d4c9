"""The floor under a page's first render: the same page as static HTML, its charts drawn by plotly.js alone.

Issue 21 asks a chart page's first render in a new browser profile for <= 1 s. On the evenings of 30/11/2026 this
machine drew /services in 2.1-2.4 s, and no change to Dash's client moved that by more than ~15 %. This part
measures what no client of ours can go below: the page's first layout (the app's own `/_dash-layout` answer for
that page, as the benchmark's viewer sees it) turned into plain HTML, with the app's style sheets and fonts, and
its figures drawn by the app's plotly.js bundle with the page's own chart config, with no Dash, React or
component bundle at all, from a static file server that does no work per request. It ends as the page's
measure does (bench `DRAWN`: the content there, every panel filled, every chart's SVG drawn).

What is left out makes it a floor, not a rival design: the header's menus, the filter bar's pickers and the
map are boxes without behaviour, nothing is interactive until a client takes over, and the layout is
computed before the clock starts. A page whose full render is far above its floor loses its time to Dash's
client; a floor above the target says the target is out of reach with plotly.js on this machine."""
from __future__ import annotations

import html
import json
import re
import shutil
import statistics
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the plotly.js bundle the app serves at Dash's URL (layouts/plotly_bundle.py), and its Vietnamese locale
PLOTLY_BUNDLE = ROOT / "vendor" / "plotly-custom-4.1.1.min.js"
LOCALE = ROOT / "assets" / "40_plotly-locale-vi.js"
# the HTML elements that have no closing tag
VOID_TAGS = frozenset({"area", "br", "col", "hr", "img", "input", "wbr"})
# HTML attributes a dash_html_components prop carries under the same name (lower-cased)
PLAIN_ATTRIBUTES = ("href", "title", "role", "colSpan", "rowSpan", "lang", "dir", "open")
# CSS properties whose numbers carry no unit (React adds "px" to the others)
UNITLESS = frozenset({"zIndex", "opacity", "flex", "flexGrow", "flexShrink", "fontWeight", "lineHeight", "order"})
DRAW_SCRIPT = """(function () {
  var figures = JSON.parse(document.getElementById('floor-figures').textContent);
  document.querySelectorAll('[data-floor-figure]').forEach(function (box) {
    var item = figures[+box.dataset.floorFigure];
    Plotly.newPlot(box.firstChild, item.figure.data || [], item.figure.layout || {}, item.config || {});
  });
})();"""


def _css_declarations(style: dict) -> str:
    def name(prop: str) -> str:
        return re.sub("([A-Z])", lambda m: "-" + m.group(1).lower(), prop)

    def value(prop: str, v) -> str:
        return f"{v}px" if isinstance(v, (int, float)) and not isinstance(v, bool) and prop not in UNITLESS else str(v)
    return ";".join(f"{name(k)}:{value(k, v)}" for k, v in style.items())


class StaticPage:
    """A Dash layout (its JSON, as `/_dash-layout` answers) as HTML. Every string is escaped; figures are
    collected for the draw script, with each graph's config."""

    def __init__(self):
        self.figures: list[dict] = []

    def html(self, node) -> str:
        if node is None or isinstance(node, bool):
            return ""
        if isinstance(node, (str, int, float)):
            return html.escape(str(node))
        if isinstance(node, list):
            return "".join(self.html(child) for child in node)
        if not (isinstance(node, dict) and "type" in node and "props" in node):
            return ""
        namespace, kind, props = node.get("namespace"), node["type"], node["props"]
        attrs = self._attributes(props)
        children = props.get("children")
        if namespace == "dash_html_components":
            tag = kind.lower()
            attrs += "".join(f' {a.lower()}="{html.escape(str(props[a]))}"' for a in PLAIN_ATTRIBUTES if a in props)
            return f"<{tag}{attrs}>" if tag in VOID_TAGS else f"<{tag}{attrs}>{self.html(children)}</{tag}>"
        if namespace == "dash_core_components":
            if kind == "Link":
                return f'<a href="{html.escape(str(props.get("href", "")))}"{attrs}>{self.html(children)}</a>'
            if kind == "Graph":
                self.figures.append({"figure": props.get("figure") or {}, "config": props.get("config") or {}})
                attrs = self._attributes(props, extra_class="dash-graph")
                return f'<div{attrs} data-floor-figure="{len(self.figures) - 1}"><div style="height:100%"></div></div>'
            if kind in ("Dropdown", "DatePickerSingle", "DatePickerRange", "Input", "Checklist", "RadioItems"):
                return f"<div{self._attributes(props, extra_class='form-control')}>&nbsp;</div>"
            return ""                                         # Store, Location, Interval: nothing to see
        if namespace == "dash_bootstrap_components" and kind.startswith("Modal"):
            return ""                                         # closed on a first render
        return f"<div{attrs}>{self.html(children)}</div>"     # dbc and others: their box and their children

    @staticmethod
    def _attributes(props: dict, extra_class: str = "") -> str:
        out = ""
        if isinstance(props.get("id"), str):
            out += f' id="{html.escape(props["id"])}"'
        classes = " ".join(c for c in (extra_class, props.get("className") or props.get("class_name") or "") if c)
        if classes:
            out += f' class="{html.escape(classes)}"'
        if isinstance(props.get("style"), dict) and props["style"]:
            out += f' style="{html.escape(_css_declarations(props["style"]))}"'
        return out


def page_document(layout: dict, stylesheets: list[str], lang: str = "vi") -> str:
    """The static page: the app's style sheets, the layout as HTML, its figures as JSON data (not script:
    `</` cannot close the tag) and plotly.js with the draw script after it."""
    page = StaticPage()
    body = page.html(layout)
    figures = json.dumps(page.figures).replace("</", "<\\/")
    links = "".join(f'<link rel="stylesheet" href="{html.escape(s)}">' for s in stylesheets)
    if not page.figures:                  # a page without charts needs no script at all
        return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{links}</head><body>'
                f'<div id="react-entry-point">{body}</div></body></html>')
    scripts = '<script src="/plotly.js"></script>' + ('<script src="/locale.js"></script>' if LOCALE.exists() else "")
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><link rel="preload" href="/plotly.js" '
            f'as="script">{links}</head><body><div id="react-entry-point">{body}</div>'
            f'<script id="floor-figures" type="application/json">{figures}</script>{scripts}'
            '<script src="/draw.js"></script></body></html>')


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):   # noqa: ARG002 - the benchmark's output is its figures
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):   # noqa: ARG002
        """A browser profile closed with its fonts still arriving breaks the pipe: nothing to report."""


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    """A threaded static file server on a free port: no work per request beyond reading the file."""
    server = _QuietServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def build_site(directory: Path, url: str, session, paths, query: str = "") -> dict[str, str]:
    """Each page's static file in `directory`, from the app at `url` as `session` sees it (its first layout
    for that path, and the style sheets its page links), with the app's assets and plotly.js beside them.
    Returns path -> file name."""
    shutil.copytree(ROOT / "assets", directory / "assets", dirs_exist_ok=True)
    shutil.copy(PLOTLY_BUNDLE, directory / "plotly.js")
    if LOCALE.exists():
        shutil.copy(LOCALE, directory / "locale.js")
    (directory / "draw.js").write_text(DRAW_SCRIPT, encoding="utf-8")
    files = {}
    for path in paths:
        index = session.get(url + path + query, timeout=60).text
        stylesheets = [re.sub(r"\?.*$", "", href) for href in
                       re.findall(r'<link rel="stylesheet" href="(/assets/[^"]+)"', index)]
        layout = session.get(url + "/_dash-layout", headers={"Referer": url + path + query}, timeout=120).json()
        name = "page-" + (re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-") or "overview") + ".html"   # "/?xa=…" too
        (directory / name).write_text(page_document(layout, stylesheets), encoding="utf-8")
        files[path] = name
    return files


def floor_renders(url: str, session, paths, reps: int, drawn_script: str, query: str = "") -> dict:
    """path -> {floor_ms: median ms until the static page is drawn (bench `DRAWN`), each in a new browser
    profile; charts: how many plotly.js draws}."""
    import tempfile

    from playwright.sync_api import sync_playwright
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        files = build_site(Path(tmp), url, session, paths, query)
        server, static_url = serve(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=["--headless=new", "--no-sandbox"])
                for path, name in files.items():
                    times = []
                    for _ in range(reps):
                        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                        page = ctx.new_page()
                        # polled from the response on: a static page can be drawn before its load event
                        page.goto(f"{static_url}/{name}", wait_until="commit")
                        times.append(page.wait_for_function(drawn_script, arg=0, timeout=120_000,
                                                            polling="raf").json_value())
                        ctx.close()
                    out[path] = {"floor_ms": round(statistics.median(times)), "charts": _charts_in(Path(tmp) / name)}
                browser.close()
        finally:
            server.shutdown()
    return out


def _charts_in(file: Path) -> int:
    return file.read_text(encoding="utf-8").count("data-floor-figure=")
