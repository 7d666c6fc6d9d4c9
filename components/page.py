"""What every page repeats: its header, its cards, the villages for its filter, a source's freshness, charts
of a fixed height, and live answers that send only what changed."""
from __future__ import annotations

from dash import html

from queries import site
from queries.health import freshness


def village_options(commune: str | None = None) -> list[tuple[str, str]]:
    """The commune's villages (every commune's: None) for a village filter."""
    v = site.villages(commune)
    return list(zip(v["id"], v["name"]))


def page_header(title: str, subtitle: str | None = None) -> html.Div:
    return html.Div([html.H1(title, className="page-title"),
                     html.Div(subtitle, className="muted mb-2") if subtitle else None])


def fresh(source: str) -> dict:
    try:
        return freshness(source)
    except Exception:  # noqa: BLE001 - a card without health still renders, marked "never"
        return {"state": "never", "simulated": False}


def card(title, body, *, extra=None, id=None, className: str = "") -> html.Div:
    kw = {"id": id} if id else {}
    return html.Div([html.H3([title, *(extra or [])]), body], className=f"card-box {className}".strip(), **kw)


def only_changed(values: list, seen: list | None) -> list:
    """A live callback's outputs with `no_update` in place of every value the browser already shows, plus
    the new fingerprints for its `-seen` store: a refresh that brings nothing new redraws nothing (no map
    flicker, no chart re-layout on the wall), and one that does redraws only the part that changed."""
    from dash import no_update
    new = [fingerprint(v) for v in values]
    seen = seen if isinstance(seen, list) and len(seen) == len(values) else [None] * len(values)
    out = [no_update if old == h else v for v, h, old in zip(values, new, seen)]
    return out + [no_update if new == seen else new]


def _plain(obj):
    """orjson's `default`: components and figures as the JSON Dash sends, anything else as plotly's encoder
    writes it."""
    if hasattr(obj, "to_plotly_json"):
        return obj.to_plotly_json()
    import plotly.utils
    return plotly.utils.PlotlyJSONEncoder().default(obj)


def fingerprint(value) -> str:
    """A short digest of a value as JSON with sorted keys. orjson walks the components in C (with plotly's
    encoder, in Python, this was a fifth of a page layout's CPU); the old encoder stays the fallback for
    what orjson will not take. Digests are only compared with digests made here."""
    import hashlib
    try:
        import orjson
        raw = orjson.dumps(value, default=_plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                           | orjson.OPT_SERIALIZE_NUMPY)
    except (ImportError, TypeError):
        import json

        import plotly.utils
        raw = json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True).encode()
    return hashlib.blake2b(raw, digest_size=10).hexdigest()


GRAPH_HEIGHTS = {"sm": "17rem", "md": "23rem", "lg": "30rem"}


def graph(id=None, size: str = "md", filename: str = "bieu-do", lang: str = "vi", figure=None, mode_bar: bool = True,
          className: str | None = None):
    """A chart with a fixed height (so the wall and a phone both lay it out; "fill" takes its box's) and the
    shared mode bar (components/figures/config.py: no cloud sharing, tooltips in the viewer's language)."""
    from dash import dcc

    from components.figures.config import graph_config
    config = graph_config(lang, filename) | ({} if mode_bar else {"displayModeBar": False})
    kw = {"id": id} if id is not None else {}
    if figure is not None:
        kw["figure"] = figure
    if className:
        kw["className"] = className
    return dcc.Graph(style={"height": GRAPH_HEIGHTS.get(size, "100%"), "width": "100%"}, config=config, **kw)
