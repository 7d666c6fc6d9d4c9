"""Dash 4.4.1's renderer with upstream's fix for a first render that costs O(components²).

Since Dash 4.2.0 (plotly/dash#3570) every component mounted with its parent's new children dispatches
RESET_COMPONENT_STATE from an effect, including on its very first mount, when it has no state to reset.
A first layout of ~370 components (the overview) then dispatched ~370 actions in a row before it was
drawn, and each dispatch made every mounted component's store selector run again: on this machine ~0.5 s
of the browser's main thread in react-redux's subscriptions (V8 profile of a first visit, 30/11/2026),
the largest single part of the overview's first render. Upstream fixed it in plotly/dash#3934 (not in a
stable release as of 4.4.1; 4.5.0rc2 carries it): the reset is skipped on a component's first render with
new children. The same one-condition change is applied here to the renderer Dash serves, at its own URL:
the component's render counter (`freshRenders`, minified `h`, incremented once per new-children render
before the effect runs) must be above 1.

The patch is an exact text replacement checked at start: with another Dash version it does not apply, the
renderer is served unchanged and tests/unit/test_renderer_backport.py fails, asking for this module to be
removed (Dash >= the release carrying #3934) or the patch found again."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import dash
from flask import Flask, Response, request

log = logging.getLogger(__name__)

RENDERER = Path(dash.__file__).resolve().parent / "dash-renderer" / "build" / "dash_renderer.min.js"
# Dash's fingerprinted URL of the production renderer (dash/_utils.py: the version and the file's mtime)
RENDERER_PATH = re.compile(r"^/_dash-component-suites/dash/dash-renderer/build/dash_renderer\.v[0-9a-z_]+\.min\.js$")
# DashWrapper in Dash 4.4.1's dash_renderer.min.js: the counter of new-children renders, then the effect
COUNTER = "(0,t.useMemo)(function(){l?(d.current=!0,w=0,h.current+=1,w in y.current&&delete y.current[w]):d.current=!1,v.current=a},[l])"
EFFECT = "(0,t.useEffect)(function(){l&&p(ia({itempath:a}))},[l])"
PATCHED_EFFECT = "(0,t.useEffect)(function(){l&&h.current>1&&p(ia({itempath:a}))},[l])"


def patched(source: str) -> str | None:
    """The renderer with the first-render reset skipped, or None when this is not the renderer the patch
    was written for (each piece must be there exactly once)."""
    if source.count(COUNTER) != 1 or source.count(EFFECT) != 1:
        return None
    return source.replace(EFFECT, PATCHED_EFFECT)


def install(server: Flask) -> None:
    body = patched(RENDERER.read_text(encoding="utf-8"))
    if body is None:
        log.warning("dash %s: the renderer backport of plotly/dash#3934 does not apply; served unchanged",
                    dash.__version__)
        return
    data = body.encode("utf-8")

    @server.before_request
    def backported_renderer():
        """Dash's renderer URL answered with the patched bytes; the URL is fingerprinted, so cached for a
        year like Dash's own (compressed once per worker by flask-compress's static cache)."""
        if not RENDERER_PATH.match(request.path):
            return None
        resp = Response(data, mimetype="application/javascript")
        resp.cache_control.public = True
        resp.cache_control.max_age = 31536000
        resp.cache_control.immutable = True
        return resp
