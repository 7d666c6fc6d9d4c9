"""plotly.js for the browser: the cartesian bundle (1.5 MB) in place of the full one (4.8 MB).

Dash loads plotly.js when a page first draws a chart, from one URL (`PLOTLY_PATH`, the copy inside the
plotly package). A new visitor's browser then fetches and compiles all 4.8 MB of it, maps, 3-D and
WebGL included, although the app's charts are only scatter, bar and heatmap traces; compiling it was
most of the main thread's time on a first visit (README "Benchmarks", first render). The same URL is
answered here with plotly.js's own cartesian distribution of the same version (npm
`plotly.js-cartesian-dist-min`, vendored in vendor/, see assets/VENDORED.md), which has the trace types
below. Chart images drawn on the server (reports/images.py, kaleido) still use the full bundle.

tests/unit/test_plotly_bundle.py checks that every trace the code builds is one of `TRACE_TYPES`: a new
kind of chart outside them needs the full bundle back (remove `install`) or another distribution."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request

PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
BUNDLE = Path(__file__).resolve().parent.parent / "vendor" / "plotly-cartesian-4.1.1.min.js"
# the trace modules of plotly.js-cartesian-dist-min 4.1.1 (its README)
TRACE_TYPES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image",
                         "pie", "scatter", "scatterternary", "violin"})


def install(server: Flask) -> None:
    body = BUNDLE.read_bytes()
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()

    @server.before_request
    def cartesian_plotly():
        """Dash's plotly.js URL answered with the cartesian bundle (compressed once per worker by
        flask-compress's static cache, like every other bundle; revalidated by ETag since the URL carries
        no version)."""
        if request.path != PLOTLY_PATH:
            return None
        resp = Response(body, mimetype="application/javascript")
        resp.set_etag(etag)
        resp.cache_control.no_cache = True
        return resp.make_conditional(request)
