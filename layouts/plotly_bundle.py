"""plotly.js for the browser: a custom bundle of plotly.js 4.1.1 with only the trace types the app draws.

Dash loads plotly.js when a page first draws a chart, from one URL (`PLOTLY_PATH`, the copy inside the
plotly package). A new visitor's browser then fetches and compiles all 4.8 MB of it, maps, 3-D and
WebGL included, although the app's charts are only scatter, bar and heatmap traces. The same URL is
answered here with a bundle of plotly.js's core (which holds scatter) plus the bar and heatmap traces, without
the components no chart uses (world calendars, range sliders, menus, ...), built from the npm package of the
same version the way plotly.js builds its own partial bundles (vendor/plotly-build/, recipe and checksum in
assets/VENDORED.md): 0.97 MB (324 KB as served, brotli), against 1.5 MB (454 KB) for plotly's cartesian
distribution served before. On a first
visit its EvaluateScript took 105-122 ms of main-thread CPU instead of 310-334 ms (Chromium trace, medians
of 5-6 alternating runs per page on /services and /environment, 30/11/2026). Most of that is not the
nine traces left out (the same recipe with the cartesian list evaluates in ~135 ms): the modules in which
plotly's cartesian dist differs from that build are its `image` trace's older probe-image-size and the
Node stream, buffer, util and assert polyfills it pulls in. Leaving the unused components out took another
~12% off (the modules' set-up and the merging of their attributes into plotly's schema). Charts draw pixel
for pixel as before. Chart
images drawn on the server (reports/images.py, kaleido) still use the full bundle.

tests/unit/test_plotly_bundle.py checks that every trace the code builds is one of `TRACE_TYPES` and that
the vendored bundle registers exactly those: a new kind of chart needs its trace added to `TRACE_TYPES`
and the bundle rebuilt with it (vendor/plotly-build/build.sh, assets/VENDORED.md)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request

PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
BUNDLE = Path(__file__).resolve().parent.parent / "vendor" / "plotly-custom-4.1.1.min.js"
# the trace modules the bundle registers (vendor/plotly-build/build.sh's default list)
TRACE_TYPES = frozenset({"scatter", "bar", "heatmap"})


def install(server: Flask) -> None:
    body = BUNDLE.read_bytes()
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()

    @server.before_request
    def custom_plotly():
        """Dash's plotly.js URL answered with the custom bundle (compressed once per worker by
        flask-compress's static cache, like every other bundle; revalidated by ETag since the URL carries
        no version)."""
        if request.path != PLOTLY_PATH:
            return None
        resp = Response(body, mimetype="application/javascript")
        resp.set_etag(etag)
        resp.cache_control.no_cache = True
        return resp.make_conditional(request)
