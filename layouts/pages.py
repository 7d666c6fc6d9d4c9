"""Every page's layout(**query) behind one gate: what a URL carries is a visitor's input. Values reach a
layout as plain text (no lone surrogates, cut to a sane length); a parameter given twice (?start=a&start=b,
which Dash passes as a list) is refused with a translated message and the page falls back to its default;
a layout that refuses a value (an AppError naming its `param`) is shown without it, with the reason."""
from __future__ import annotations

import functools

from dash import html

from components.errors import error_alert
from core.errors import AppError, BadParam
from core.text import source_text
from layouts.context import current_lang

MAX_VALUE = 200


def safe_layout(layout):
    if getattr(layout, "__safe_layout__", False) or not callable(layout):
        return layout

    @functools.wraps(layout)
    def wrapped(**query):
        problems: list[AppError] = []
        clean: dict[str, str] = {}
        for key, value in query.items():
            name = source_text(key, limit=40)
            if isinstance(value, (list, tuple)):
                problems.append(BadParam("error.repeated_param", name=name))
                continue
            clean[name] = source_text(value, limit=MAX_VALUE)
        try:
            content = layout(**clean)
        except AppError as err:
            problems.append(err)
            refused = err.values.get("param")
            content = layout(**{k: v for k, v in clean.items() if k != refused}) if refused else layout()
        if not problems:
            return content
        lang = current_lang()
        return html.Div([html.Div([error_alert(p, lang) for p in problems], id="page-param-errors"), content])

    wrapped.__safe_layout__ = True
    return wrapped


def guard_all_layouts() -> None:
    import dash
    for page in dash.page_registry.values():
        page["layout"] = safe_layout(page.get("layout"))
