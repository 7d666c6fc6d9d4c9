"""The mode bar every chart shares. Plotly.js 4 offers "Share chart…" to Plotly's cloud by default
(`showSendToCloud`, `plotlyServerURL` = cloud.plotly.com): a government system must not send its data
there, so that button, the logo link and the editing links are off. What is left is what an officer
uses: zoom, zoom in/out, reset, and a PNG download. Tooltips follow the viewer's language through
the `vi` locale vendored in assets/40_plotly-locale-vi.js."""
from __future__ import annotations

# Buttons Plotly adds for 2D cartesian charts that nobody on a commune's dashboard needs.
REMOVED_BUTTONS = ["select2d", "lasso2d", "pan2d", "autoScale2d", "hoverClosestCartesian", "hoverCompareCartesian",
                   "toggleSpikelines", "toggleHover", "sendDataToCloud", "editInChartStudio"]
PLOTLY_LOCALES = {"vi": "vi", "en": "en-US"}


def graph_config(lang: str, filename: str = "bieu-do") -> dict:
    """dcc.Graph `config` for one chart: no cloud, no logo, the viewer's locale, PNG at 2x."""
    return {"displaylogo": False, "showSendToCloud": False, "showEditInChartStudio": False, "showLink": False,
            "sendData": False, "plotlyServerURL": "", "responsive": True, "displayModeBar": "hover",
            "modeBarButtonsToRemove": list(REMOVED_BUTTONS), "locale": PLOTLY_LOCALES.get(lang, "vi"),
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": filename}}
