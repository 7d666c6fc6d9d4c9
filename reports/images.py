"""Chart images on the server: a panel's own figure (or, for a KPI or a table, a simple figure of the
number or the rows) with its metadata written inside the image, rendered by kaleido 1.x driving Debian's
Chromium.

One persistent browser per process (`ChartBrowser`), started on the first export and kept: starting
Chromium costs ~3-4 s, a warm render ~0.1-0.3 s. Each gunicorn worker has its own.

Fonts: Chromium draws with the system fonts (fontconfig), so the figures name DejaVu Sans first
(fonts-dejavu-core, installed with chromium by `make`; it has every Vietnamese glyph) and PDFs embed the
subset Chromium used. An SVG is drawn by whoever opens it, so the SVG carries its font: vendored subsets
of DejaVu Sans (regular and bold: Latin, Vietnamese, punctuation; reports/fonts/) as WOFF2 in an
@font-face, ~80 KB of base64."""
from __future__ import annotations

import asyncio
import atexit
import base64
import logging
import os
import re
import threading
from functools import lru_cache

import plotly.graph_objects as go

from components.figures.base import style
from core.text import chart_text
from core.formatting import fmt_number, is_missing
from core.i18n import t
from core.settings import ROOT, get_settings
from panels import Panel, PanelData
from reports.meta import ExportMeta

log = logging.getLogger(__name__)

EXPORT_FONT = "DejaVu Sans, Be Vietnam Pro, sans-serif"
SIZE = {"width": 1200, "height": 700}
PNG_SCALE = 1.5                       # 1800 x 1050 px: sharp in a printed A4 report, ~100-200 KB
SIMULATED_COLOUR = "#d93025"
SVG_FONTS = ROOT / "reports" / "fonts"
# What the embedded SVG font must cover: ASCII, Latin-1, Latin Extended-A/B (Đ đ Ơ ơ Ư ư), the
# combining marks, Latin Extended Additional (ạ … ỹ), general punctuation, ₫ and a few signs.
SVG_GLYPHS = "U+0020-007E,U+00A0-017F,U+01A0-01B0,U+0300-0303,U+0309,U+0323,U+1EA0-1EF9,U+2013-2014,U+2018-201E,U+2022,U+2026,U+20AB,U+2103,U+2190-2193,U+25A0,U+25B2,U+25BC"

class RenderError(Exception):
    """The browser failed to draw a figure (crashed, timed out)."""


class ChartBrowser:
    """One Chromium with one kaleido tab, kept for the life of the process, driven from its own asyncio
    loop in a daemon thread; callers from any thread wait on a future.

    Why not `kaleido.start_sync_server`: it does the same with one shared task/result queue pair (two
    threads calling at once can swap answers), and kaleido reloads the tab (plotly.js, 4.6 MB, parsed
    again) before handing back each image. Here the reload runs after the image is returned: the next
    export waits for it only if it comes within the ~0.1 s the reload takes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None

    def _open(self) -> None:
        from kaleido import Kaleido, PageGenerator

        class _DeferredReload(Kaleido):
            async def _return_kaleido_tab(self, tab):   # kaleido 1.5 (pinned): reload after, not before
                async def reload_then_return():
                    try:
                        await tab.reload()
                    finally:
                        await self.tabs_ready.put(tab)
                self._pending_reload = asyncio.ensure_future(reload_then_return())

        async def opened():
            # mathjax=False: kaleido's default MathJax is a CDN URL, and this machine may be offline;
            # plotly.js comes from the installed plotly package (a local file)
            k = _DeferredReload(n=1, timeout=60, page_generator=PageGenerator(mathjax=False),
                                path=str(get_settings().chromium_path))
            await k.open()
            return k

        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="chart-browser", daemon=True).start()
        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(opened(), loop).result(timeout=120)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            raise
        self._loop = loop

    def started(self) -> bool:
        return self._kaleido is not None

    def stop(self) -> None:
        with self._lock:
            if self._loop is None:
                return
            loop, k = self._loop, self._kaleido
            self._loop = self._kaleido = None
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(timeout=30)
        except Exception:  # noqa: BLE001 - closing a browser that already died
            log.warning("chart browser did not close cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)

    def render(self, fig, opts: dict) -> bytes:
        with self._lock:
            if self._loop is None:
                self._open()
            loop, k = self._loop, self._kaleido
        return asyncio.run_coroutine_threadsafe(k.calc_fig(fig, opts=opts), loop).result(timeout=90)


    def forget(self) -> None:
        """In a forked child (a background callback's process): the parent's browser thread is not
        here, so start afresh on the first render instead of waiting on a loop nobody runs."""
        self._lock = threading.Lock()
        self._loop = self._kaleido = None


BROWSER = ChartBrowser()
atexit.register(BROWSER.stop)
os.register_at_fork(after_in_child=BROWSER.forget)


def stop() -> None:
    """Close the browser (tests, shutdown); the next render starts a new one."""
    BROWSER.stop()


def render(fig: go.Figure, fmt: str, *, width: int = SIZE["width"], height: int = SIZE["height"],
           scale: float | None = None) -> bytes:
    """PNG, SVG or PDF bytes of a figure, drawn by the process's one browser."""
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(fmt)
    opts = {"format": fmt, "width": width, "height": height,
            "scale": scale if scale is not None else (PNG_SCALE if fmt == "png" else 1)}
    try:
        body = BROWSER.render(fig, opts)
    except Exception as first:  # noqa: BLE001 - a crashed or hung browser: start a fresh one, once
        log.warning("chart render failed (%s); restarting the browser", first)
        BROWSER.stop()
        try:
            body = BROWSER.render(fig, opts)
        except Exception as err:  # noqa: BLE001
            raise RenderError(str(err)) from err
    return embed_svg_font(body) if fmt == "svg" else body


# --- the font inside an SVG ------------------------------------------------------------------------

@lru_cache(maxsize=1)
def svg_font_css() -> str:
    """@font-face rules for an SVG: the vendored DejaVu Sans subsets (reports/fonts/README.md)."""
    return "".join(_face("DejaVu Sans", weight, (SVG_FONTS / f"dejavu-sans-vi-{weight}.woff2").read_bytes())
                   for weight in (400, 700))


def _unicodes(ranges: str) -> list[int]:
    """"U+0020-007E,U+20AB" -> the code points (what the vendored subsets were cut to)."""
    out: list[int] = []
    for part in ranges.split(","):
        lo, _, hi = part.replace("U+", "").partition("-")
        out.extend(range(int(lo, 16), int(hi or lo, 16) + 1))
    return out


def _face(family: str, weight: int, woff2: bytes) -> str:
    data = base64.b64encode(woff2).decode("ascii")
    return (f"@font-face{{font-family:'{family}';font-weight:{weight};"
            f"src:url(data:font/woff2;base64,{data}) format('woff2');}}")


_SVG_OPEN = re.compile(rb"<svg\b[^>]*>")


def embed_svg_font(svg: bytes) -> bytes:
    """Put the @font-face block right after the opening <svg> tag, so any viewer draws the Vietnamese
    text with the font the layout was measured with."""
    match = _SVG_OPEN.search(svg)
    if match is None:
        return svg
    style_block = f"<defs><style type=\"text/css\">{svg_font_css()}</style></defs>".encode()
    return svg[:match.end()] + style_block + svg[match.end():]


# --- figures with their metadata inside ---------------------------------------------------------------

def _simple_figure(lang: str) -> go.Figure:
    fig = go.Figure()
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, lang, legend=False)


def kpi_figure(panel: Panel, data: PanelData, lang: str) -> go.Figure:
    """A KPI as an image: the big number with its unit, the previous value and the target."""
    fields = panel.kpi(data, lang) if panel.kpi is not None else {"value": data.value}
    value, decimals = fields.get("value"), fields.get("decimals", 1)
    unit = fields.get("unit") or ""
    fig = _simple_figure(lang)
    big = t("common.no_data", lang) if is_missing(value) else f"{fmt_number(value, lang, decimals)} {unit}".strip()
    fig.add_annotation(text=f"<b>{_escape(big)}</b>", x=0.5, y=0.58, xref="paper", yref="paper", showarrow=False,
                       font={"size": 96, "color": fields.get("accent") or "#0b5cad"})
    lines = []
    previous = fields.get("previous")
    if not is_missing(previous):
        lines.append(t("kpi.previous_value", lang, value=fmt_number(previous, lang, decimals)))
    target = fields.get("target")
    if not is_missing(target):
        lines.append(t("kpi.target", lang, value=fmt_number(target, lang, decimals)))
    if fields.get("note"):
        lines.append(str(fields["note"]))
    if lines:
        fig.add_annotation(text=_escape(" · ".join(lines)), x=0.5, y=0.22, xref="paper", yref="paper",
                           showarrow=False, font={"size": 26, "color": "#3c4043"})
    return fig


def table_figure(panel: Panel, data: PanelData, lang: str) -> go.Figure:
    head, rows = panel.table(data, lang)
    more = panel.more(data, lang, len(rows)) if panel.more else None
    if more and rows:      # a cut list says so in the image too ("và 7 cảnh báo khác")
        rows = [*rows, [more] + [""] * (len(head) - 1)]
    columns = list(zip(*rows)) if rows else [[t("common.no_data", lang)]] + [[""] for _ in head[1:]]
    fig = go.Figure(go.Table(
        header={"values": [f"<b>{_escape(h)}</b>" for h in head], "fill_color": "#e8eef7", "align": "left",
                "font": {"size": 15}},
        cells={"values": [[_escape(c) for c in col] for col in columns], "align": "left", "height": 30,
               "font": {"size": 14}}))
    return style(fig, lang, legend=False)


def _escape(text: object) -> str:
    """Plotly reads a small HTML subset in text (<b>, <br>): a source's string must not add tags."""
    return chart_text(text, missing="")


def export_figure(panel: Panel, data: PanelData, meta: ExportMeta, lang: str) -> go.Figure:
    """The panel's figure, light theme, with title, unit, period and scope on top and source, commune,
    generation time and "Dữ liệu mô phỏng" underneath: all inside the image."""
    if panel.kind == "chart":
        fig = panel.figure(data, lang, "light")          # a new figure each call: changed in place
    elif panel.kind == "kpi":
        fig = kpi_figure(panel, data, lang)
    else:
        fig = table_figure(panel, data, lang)
    title = _escape(meta.title) + (f" ({_escape(meta.unit)})" if meta.unit else "")
    subtitle = _escape(f"{meta.period} · {meta.scope}")
    fig.update_layout(
        title={"text": f"<b>{title}</b><br><span style='font-size:15px;color:#5f6368'>{subtitle}</span>",
               "x": 0.02, "xanchor": "left", "y": 0.96, "yanchor": "top", "yref": "container",
               "font": {"size": 22}},
        font={"family": EXPORT_FONT, "color": "#202124"},
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        margin={"l": 80, "r": 40, "t": 130, "b": 130}, autosize=False, **SIZE)
    if fig.layout.showlegend is not False and panel.kind == "chart":
        fig.update_layout(legend={"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
                                  "yref": "paper"})
    fig.add_annotation(text=_escape(meta.footer()), x=0, y=0, xref="paper", yref="paper", xanchor="left",
                       yanchor="top", yshift=-88, showarrow=False, align="left",
                       font={"size": 13, "color": "#5f6368"})
    if meta.simulated:
        fig.add_annotation(text=f"<b>{t('export.simulated', lang).upper()}</b>", x=1, y=1, xref="paper",
                           yref="paper", xanchor="right", yanchor="bottom", yshift=78, showarrow=False,
                           font={"size": 15, "color": SIMULATED_COLOUR}, bordercolor=SIMULATED_COLOUR,
                           borderwidth=1.5, borderpad=4)
    return fig
