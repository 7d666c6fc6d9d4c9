"""Màn hình tường — administrators edit the walls file (core/walls.py) without touching YAML: walls, their
playlists by time of day, each playlist's slides (panels from the registry or a page, filters, duration,
cycle over villages or devices), added, removed and reordered with buttons; an advanced tab shows the
whole file as YAML. Saving goes through commands/walls.py (administrators only, checked in full, atomic,
backed up, audited); open walls pick the change up at their next configuration poll.

How the form works: the draft (plain dicts, core/wall_draft.py) lives in a Store. Typing changes no state
on the server; a button, a change of what a slide shows (panels/page, cycle) or Save gathers every field's
value from the form, folds them into the draft and, for the buttons, draws the form again. So typing
never loses focus, and the draft is always what the form shows."""
from __future__ import annotations

import re
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import yaml
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from auth.context import can, current_actor
from commands import walls as walls_cmd
from commands.base import check
from components.errors import error_alert
from components.page import page_header
from core import wall_draft
from core.errors import AppError
from core.i18n import has, t
from core.walls import WallsInvalid, header_of
from layouts.context import current_lang

dash.register_page(__name__, path="/admin/walls", name="Màn hình tường", order=92, nav="walls",
                   nav_role="administrator", nav_menu="user",
                   title="Màn hình tường – Bộ não số")
P = "adm-wall"          # never "wall-": a wall link may run callbacks whose outputs start with "wall-"
SEVERITIES = ("critical", "high", "medium", "low", "info")
DEVICE_KINDS = ("water_station", "air_station", "water_gauge", "rain_gauge", "camera", "wifi", "loudspeaker")
MAX_YAML_CHARS = 200_000


def _forbidden(lang: str):
    return html.Div([page_header(t("wall_admin.title", lang)), dbc.Alert(t("auth.forbidden", lang), color="warning",
                                                                        id=f"{P}-forbidden")])


def layout(**_):
    lang = current_lang()
    if not can("administrator"):
        return _forbidden(lang)
    text, version = walls_cmd.read_walls_text(current_actor())
    draft = wall_draft.from_text(text)
    sel = {"w": 0, "p": 0}
    return html.Div([
        dcc.Store(id=f"{P}-draft", data=draft), dcc.Store(id=f"{P}-sel", data=sel),
        dcc.Store(id=f"{P}-version", data=version),
        html.Div([
            page_header(t("wall_admin.title", lang), t("wall_admin.help", lang)),
            html.Div([
                dbc.Button([html.I(className="bi bi-check2-circle me-1"), t("wall_admin.save", lang)],
                           id=f"{P}-save", color="primary", size="sm"),
                dbc.Button([html.I(className="bi bi-arrow-counterclockwise me-1"), t("wall_admin.reload", lang)],
                           id=f"{P}-discard", color="secondary", outline=True, size="sm"),
                html.A([html.I(className="bi bi-link-45deg me-1"), t("wall_admin.open_links", lang)],
                       href="/admin/tokens", className="btn btn-sm btn-outline-secondary", id=f"{P}-tokens"),
            ], className="wadm-actions"),
        ], className="wadm-top"),
        html.Div(id=f"{P}-message"),
        dbc.Tabs([
            dbc.Tab(html.Div(editor(draft, sel, lang), id=f"{P}-editor"), label=t("wall_admin.tab_editor", lang),
                    tab_id="editor"),
            dbc.Tab(html.Div([html.Div(t("wall_admin.yaml_help", lang), className="muted small mb-1"),
                              dcc.Textarea(id=f"{P}-yaml", value=text, maxLength=MAX_YAML_CHARS, spellCheck=False,
                                           className="wadm-yaml form-control")]),
                    label=t("wall_admin.tab_yaml", lang), tab_id="yaml"),
        ], id=f"{P}-tabs", active_tab="editor", className="mb-2"),
    ], className="wadm")


# --- drawing the form from the draft ----------------------------------------------------------------------------

def _f(at: str, name: str) -> dict:
    return {"type": f"{P}-f", "at": f"{at}:{name}"}


def _re(at: str, name: str) -> dict:
    return {"type": f"{P}-re", "at": f"{at}:{name}"}


def _act(act: str, at: str) -> dict:
    return {"type": f"{P}-act", "act": act, "at": at}


def _label(text: str, control, className: str = "") -> html.Label:
    return html.Label([html.Span(text, className="wadm-label"), control], className=f"wadm-field {className}".strip())


def _text(at: str, name: str, value, lang: str, max_length: int = 120, **kw):
    return _label(t(f"walls.field.{name}", lang),
                  dbc.Input(id=_f(at, name), value=value if isinstance(value, str) else "", maxLength=max_length,
                            size="sm", type="text", **kw))


def _number(at: str, name: str, value, lang: str, low: int, high: int, className: str = ""):
    value = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return _label(t(f"walls.field.{name.split('.')[-1]}", lang),
                  # no min/max: the browser would send nothing for a value out of range, and the file's
                  # default would be saved silently; the check on saving says what the range is
                  dbc.Input(id=_f(at, name), value=value, type="number", step=1, size="sm",
                            placeholder=f"{low}–{high}"),
                  className)


def _select(fid: dict, options: list[tuple[str, str]], value, empty: str | None = None):
    opts = ([{"label": empty, "value": ""}] if empty is not None else []) + \
        [{"label": label, "value": v} for v, label in options]
    known = {o["value"] for o in opts}
    value = value if isinstance(value, str) else ""
    if value not in known:              # a value typed by hand in the YAML: shown, so it is not lost silently
        opts.append({"label": value, "value": value})
    return dbc.Select(id=fid, options=opts, value=value, size="sm", placeholder=empty)


def _dd_labels(lang: str) -> dict:
    """The multi-select's own words (Dash ships them in English)."""
    return {k: t(f"wall_admin.dd.{k}", lang) for k in ("select_all", "deselect_all", "selected_count", "search",
                                                          "clear_search", "clear_selection", "no_options_found")}


def _button(icon: str, title: str, act: str, at: str, color: str = "secondary", disabled: bool = False):
    return dbc.Button(html.I(className=f"bi {icon}"), id=_act(act, at), title=title, color=color, outline=True,
                      size="sm", disabled=disabled)


def _page_options(lang: str) -> list[tuple[str, str]]:
    out = []
    for page in dash.page_registry.values():
        path = page.get("path") or ""
        if not path or page.get("path_template") or path.startswith(("/wall", "/admin", "/404")):
            continue
        key = f"nav.{page['module'].split('.')[-1]}"
        name = t(key, lang) if has(key) else str(page.get("title", path)).split(" – ")[0]
        out.append((path, f"{name} ({path})"))
    return out


def _site_options(lang: str):
    from core.site import get_site
    from domain.parameters import PARAMETERS
    site = get_site()
    villages = [(v.id, v.name) for v in site.villages]
    devices = [(d.id, f"{d.name} · {t(f'kind.{d.kind}', lang)}") for d in site.devices]
    kinds = {d.id: d.kind for d in site.devices}
    parameters = [(code, p.vi if lang == "vi" else p.en) for code, p in PARAMETERS.items()]
    return villages, devices, kinds, parameters


def _steps_text(playlist: dict, lang: str) -> str:
    seconds = 0
    for slide in playlist.get("slides", []):
        cycle = slide.get("cycle") if isinstance(slide.get("cycle"), dict) else None
        value = (cycle or {}).get("each_s") if cycle else slide.get("duration_s")
        seconds += value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
    return t("wall_admin.steps", lang, slides=len(playlist.get("slides", [])), seconds=int(seconds))


def _hour_options() -> list[tuple[str, str]]:
    return [(str(h), f"{h:02d}:00") for h in range(25)]


def _hour(value) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def wall_picker(draft: dict, sel: dict, lang: str):
    buttons = [dbc.Button(w.get("name") or f"#{i + 1}", id=_act("pick-wall", str(i)), size="sm",
                          color="primary", outline=i != sel["w"], className="wadm-wall-tab")
               for i, w in enumerate(draft["walls"])]
    buttons.append(dbc.Button([html.I(className="bi bi-plus-lg me-1"), t("wall_admin.add_wall", lang)],
                              id=_act("add-wall", ""), size="sm", color="success", outline=True,
                              disabled=len(draft["walls"]) >= wall_draft.MAX_WALLS))
    return html.Div([html.Span(t("wall_admin.wall", lang), className="wadm-label me-1"), *buttons],
                    className="wadm-wall-picker")


def _rule_options(chosen, lang: str) -> list[dict]:
    """The alert rules as the wall's rule filter offers them (a rule named in the file but not in the rules
    file stays listed, so the check can say so)."""
    from alerts.rules import get_rules
    rules = get_rules().rules
    # a title's placeholders ("{device}") as an ellipsis: the rule, not one of its alerts
    options = [{"label": f"{r.id}: " + re.sub(r"\{[a-z_]+\}", "…", r.title_vi if lang == "vi" else r.title_en),
                "value": r.id} for r in rules]
    known = {r.id for r in rules}
    return options + [{"label": f"⚠ {r}", "value": r} for r in chosen or [] if isinstance(r, str) and r not in known]


def wall_card(wall: dict, w: int, n_walls: int, lang: str):
    at = str(w)
    name = wall.get("name") if isinstance(wall.get("name"), str) else ""
    severities = [s for s in wall.get("alarm_severities") or [] if s in SEVERITIES]
    return html.Div([
        html.H3([t("wall_admin.wall", lang), html.Span(name, className="wadm-name"),
                 html.A([html.I(className="bi bi-box-arrow-up-right me-1"), t("wall_admin.open", lang)],
                        href=f"/wall/{quote(name, safe='')}", target="_blank", rel="noopener",
                        className="btn btn-sm btn-outline-primary ms-auto", id=f"{P}-open-wall"),
                 _button("bi-trash", t("wall_admin.remove_wall", lang), "remove-wall", at, "danger",
                         disabled=n_walls <= 1)]),
        html.Div([_text(at, "name", name, lang, 40, pattern="[a-z0-9_-]{1,40}")], className="wadm-row"),
        html.Div([_text(at, "title_vi", wall.get("title_vi"), lang, 200),
                  _text(at, "title_en", wall.get("title_en"), lang, 200)], className="wadm-row wadm-row-2"),
        html.Div([
            _label(t("walls.field.alarm_severities", lang),
                   dbc.Checklist(id=_f(at, "alarm_severities"), value=severities, inline=True,
                                 options=[{"label": t(f"severity.{s}", lang), "value": s} for s in SEVERITIES])),
        ], className="wadm-row"),
        html.Div([
            _label(t("walls.field.alarm_rules", lang),
                   dcc.Dropdown(id=_f(at, "alarm_rules"), options=_rule_options(wall.get("alarm_rules"), lang),
                                value=[r for r in wall.get("alarm_rules") or [] if isinstance(r, str)], multi=True,
                                placeholder=t("wall_admin.rules_help", lang), className="wadm-dropdown",
                                labels=_dd_labels(lang)),
                   "wadm-grow"),
        ], className="wadm-row"),
        html.Div([
            _number(at, "alarm_hold_s", wall.get("alarm_hold_s"), lang, 0, 86400),
            _label(t("walls.field.sound", lang),
                   dbc.Checklist(id=_f(at, "sound"), value=["on"] if wall.get("sound", True) else [],
                                 options=[{"label": t("wall_admin.on", lang), "value": "on"}], switch=True)),
        ], className="wadm-row wadm-row-hold"),
        html.Div(t("wall_admin.hold_help", lang), className="muted small"),
    ], className="card-box wadm-wall")


def playlists_card(wall: dict, w: int, p_sel: int, lang: str):
    rows = []
    name = wall.get("name") if isinstance(wall.get("name"), str) else ""
    playlists = wall["playlists"]
    for p, playlist in enumerate(playlists):
        at = f"{w}.{p}"
        hours = playlist.get("hours") if isinstance(playlist.get("hours"), list) else [None, None]
        hours = (hours + [None, None])[:2]
        preview_hour = hours[0] if isinstance(hours[0], int) else 12
        chosen = p == p_sel
        rows.append(html.Div([
            html.Div([
                dbc.Button(t("wall_admin.editing" if chosen else "wall_admin.edit", lang), id=_act("pick-playlist", at),
                           size="sm", color="primary", outline=not chosen, className="wadm-pick"),
                _text(at, "name", playlist.get("name"), lang, 40, pattern="[a-z0-9_-]{1,40}"),
            ], className="wadm-pl-head"),
            html.Div([
                _label(t("wall_admin.from", lang), _select(_f(at, "hours.0"), _hour_options(), _hour(hours[0]),
                                                           t("wall_admin.all_day", lang))),
                _label(t("wall_admin.to", lang), _select(_f(at, "hours.1"), _hour_options(), _hour(hours[1]),
                                                         t("wall_admin.all_day", lang))),
            ], className="wadm-row wadm-row-2"),
            html.Div([
                html.Span(_steps_text(playlist, lang), className="muted small"),
                html.Span([
                    html.A(html.I(className="bi bi-eye"), href=f"/wall/{quote(name, safe='')}?wall_hour={preview_hour}",
                           target="_blank", rel="noopener", title=t("wall_admin.open", lang),
                           className="btn btn-sm btn-outline-secondary"),
                    _button("bi-arrow-up", t("wall_admin.up", lang), "playlist-up", at, disabled=p == 0),
                    _button("bi-arrow-down", t("wall_admin.down", lang), "playlist-down", at,
                            disabled=p == len(playlists) - 1),
                    _button("bi-trash", t("wall_admin.remove", lang), "remove-playlist", at, "danger",
                            disabled=len(playlists) <= 1),
                ], className="wadm-buttons"),
            ], className="wadm-pl-foot"),
        ], className="wadm-playlist" + (" wadm-chosen" if chosen else ""), id={"type": f"{P}-playlist", "at": at}))
    return html.Div([
        html.H3(t("wall_admin.playlists", lang)),
        html.Div(t("wall_admin.hours_help", lang), className="muted small mb-1"),
        *rows,
        dbc.Button([html.I(className="bi bi-plus-lg me-1"), t("wall_admin.add_playlist", lang)],
                   id=_act("add-playlist", str(w)), color="success", outline=True, size="sm",
                   disabled=len(playlists) >= wall_draft.MAX_PLAYLISTS),
    ], className="card-box wadm-playlists")


def slide_item(slide: dict, at: str, index: int, count: int, lang: str, options: dict):
    is_page = slide.get("page") is not None
    filters = slide.get("filters") or {}
    cycle = slide.get("cycle") if isinstance(slide.get("cycle"), dict) else None
    variable = (cycle or {}).get("variable") or ""
    villages, devices, kinds, parameters = options["site"]
    if is_page:
        content = _label(t("walls.field.page", lang),
                         _select(_f(at, "page"), options["pages"], slide.get("page"), t("wall_admin.pick_page", lang)),
                         "wadm-grow")
    else:
        content = html.Div([
            _label(t("walls.field.panels", lang),
                   dcc.Dropdown(id=_f(at, "panels"), options=options["panels"], value=slide.get("panels") or [],
                                multi=True, placeholder=t("wall_admin.pick_panels", lang), className="wadm-dropdown",
                                labels=_dd_labels(lang)),
                   "wadm-grow"),
            _number(at, "columns", slide.get("columns"), lang, 1, 6, "wadm-narrow"),
        ], className="wadm-row wadm-row-panels")
    cycle_select = _label(t("walls.field.variable", lang),
                          _select(_re(at, "cycle.variable"), [("village", t("wall_admin.cycle_village", lang)),
                                                              ("device", t("wall_admin.cycle_device", lang))],
                                  variable, t("wall_admin.no_cycle", lang)))
    cycle_fields = []
    if variable:
        if variable == "device":
            cycle_fields.append(_label(t("wall_admin.device_kind", lang),
                                       _select(_re(at, "cycle.kind"), [(k, t(f"kind.{k}", lang)) for k in DEVICE_KINDS],
                                               (cycle or {}).get("kind"), t("wall_admin.any", lang))))
        kind = (cycle or {}).get("kind")
        values = villages if variable == "village" else [d for d in devices if not kind or kinds.get(d[0]) == kind]
        cycle_fields += [
            _number(at, "cycle.each_s", (cycle or {}).get("each_s"), lang, 3, 3600, "wadm-narrow"),
            _label(t("walls.field.values", lang),
                   dcc.Dropdown(id=_f(at, "cycle.values"), options=[{"label": n, "value": v} for v, n in values],
                                value=[v for v in (cycle or {}).get("values") or [] if isinstance(v, str)], multi=True,
                                placeholder=t("wall_admin.all_values", lang), className="wadm-dropdown",
                                labels=_dd_labels(lang)), "wadm-grow"),
        ]
    return html.Div([
        html.Div([
            html.Span(str(index + 1), className="wadm-slide-n"),
            _text(at, "title_vi", slide.get("title_vi"), lang, 200),
            _text(at, "title_en", slide.get("title_en"), lang, 200),
            _label(t("walls.field.kind", lang),
                   _select(_re(at, "kind"), [("panels", t("wall_admin.kind_panels", lang)),
                                             ("page", t("wall_admin.kind_page", lang))],
                           "page" if is_page else "panels")),
            _number(at, "duration_s", slide.get("duration_s"), lang, 3, 3600, "wadm-narrow"),
            html.Span([
                _button("bi-arrow-up", t("wall_admin.up", lang), "slide-up", at, disabled=index == 0),
                _button("bi-arrow-down", t("wall_admin.down", lang), "slide-down", at, disabled=index == count - 1),
                _button("bi-plus-lg", t("wall_admin.insert_after", lang), "add-slide", at, "success",
                        disabled=count >= wall_draft.MAX_SLIDES),
                _button("bi-trash", t("wall_admin.remove", lang), "remove-slide", at, "danger", disabled=count <= 1),
            ], className="wadm-buttons"),
        ], className="wadm-slide-head"),
        content,
        html.Div([
            _label(t("walls.field.period", lang),
                   _select(_f(at, "filters.period"), options["periods"], filters.get("period"), t("wall_admin.any", lang))),
            _label(t("walls.field.village", lang),
                   _select(_f(at, "filters.village"), villages, filters.get("village"), t("wall_admin.any", lang))),
            _label(t("walls.field.device", lang),
                   _select(_f(at, "filters.device"), devices, filters.get("device"), t("wall_admin.any", lang))),
            _label(t("walls.field.parameter", lang),
                   _select(_f(at, "filters.parameter"), parameters, filters.get("parameter"), t("wall_admin.any", lang))),
            cycle_select,
        ], className="wadm-row wadm-row-5"),
        html.Div(cycle_fields, className="wadm-row " + ("wadm-row-cycle-device" if variable == "device"
                                                        else "wadm-row-cycle")) if cycle_fields else None,
    ], className="wadm-slide", id={"type": f"{P}-slide", "at": at})


def slides_card(playlist: dict, w: int, p: int, lang: str):
    from panels import REGISTRY
    from queries.windows import PERIODS
    titles = [panel.title(lang) for panel in REGISTRY.values()]
    options = {"panels": [{"label": panel.title(lang) if titles.count(panel.title(lang)) == 1 else
                           f"{panel.title(lang)} ({pid})", "value": pid, "title": pid}
                          for pid, panel in REGISTRY.items()],
               "pages": _page_options(lang), "site": _site_options(lang),
               "periods": [(x, t(f"period.{x}", lang)) for x in PERIODS if x != "custom"]}
    slides = playlist["slides"]
    name = playlist.get("name") if isinstance(playlist.get("name"), str) else ""
    return html.Div([
        html.H3(t("wall_admin.slides_of", lang, name=name)),
        *[slide_item(s, f"{w}.{p}.{i}", i, len(slides), lang, options) for i, s in enumerate(slides)],
        dbc.Button([html.I(className="bi bi-plus-lg me-1"), t("wall_admin.add_slide", lang)],
                   id=_act("add-slide", f"{w}.{p}"), color="success", outline=True, size="sm",
                   disabled=len(slides) >= wall_draft.MAX_SLIDES),
    ], className="card-box wadm-slides")


def editor(draft: dict, sel: dict, lang: str):
    w = sel["w"] if 0 <= sel.get("w", 0) < len(draft["walls"]) else 0
    wall = draft["walls"][w]
    p = sel["p"] if 0 <= sel.get("p", 0) < len(wall["playlists"]) else 0
    body = [html.Div([wall_card(wall, w, len(draft["walls"]), lang), playlists_card(wall, w, p, lang)],
                     className="wadm-side")]
    if wall["playlists"]:
        body.append(slides_card(wall["playlists"][p], w, p, lang))
    return html.Div([wall_picker(draft, {"w": w, "p": p}, lang), html.Div(body, className="wadm-body")])


# --- the one callback: fold the form into the draft, act, draw, save ------------------------------------------

def _absorb(draft: dict) -> None:
    """Every field's value, as the browser has it now, into the draft."""
    for group in (ctx.states_list or []):
        items = group if isinstance(group, list) else [group]
        for item in items:
            cid = item.get("id") if isinstance(item, dict) else None
            if isinstance(cid, dict) and cid.get("type") in (f"{P}-f", f"{P}-re"):
                wall_draft.set_field(draft, cid.get("at"), item.get("value"))
    for group in (ctx.inputs_list or []):
        items = group if isinstance(group, list) else [group]
        for item in items:
            cid = item.get("id") if isinstance(item, dict) else None
            if isinstance(cid, dict) and cid.get("type") == f"{P}-re":
                wall_draft.set_field(draft, cid.get("at"), item.get("value"))


def _shape(draft: dict) -> list:
    """What decides the form's fields: each slide's kind and cycle (variable, device kind)."""
    out = []
    for wall in draft["walls"]:
        for playlist in wall["playlists"]:
            for slide in playlist["slides"]:
                cycle = slide.get("cycle") if isinstance(slide.get("cycle"), dict) else {}
                out.append((slide.get("page") is not None, cycle.get("variable"), cycle.get("kind")))
    return out


def _problems(err: WallsInvalid, lang: str):
    items = [html.Li(p.text(lang)) for p in err.problems[:30]]
    if len(err.problems) > 30:
        items.append(html.Li(f"… (+{len(err.problems) - 30})"))
    return dbc.Alert([html.Strong(t("wall_admin.invalid", lang)), html.Ul(items, className="mb-0")], color="danger",
                     id=f"{P}-problems")


_SUMMARY_WORDS = {"added": "wall_admin.sum.added", "removed": "wall_admin.sum.removed",
                  "slides": "walls.field.slides", "hours": "walls.field.hours",
                  "playlists reordered": "wall_admin.sum.reordered", "no change": "wall_admin.sum.none"}


def summary_in_words(summary: str, lang: str) -> str:
    """The audit row's short summary ("main/day #1: duration_s 25→40") with the file's field names said
    as the form labels them ("Thời lượng (giây) 25→40")."""

    def word(m):
        key = _SUMMARY_WORDS.get(m.group(0)) or f"walls.field.{m.group(0)}"
        return t(key, lang).lower() if lang == "vi" and key.startswith("wall_admin.sum") else t(key, lang)
    names = sorted({*_SUMMARY_WORDS, "title_vi", "title_en", "panels", "page", "duration_s", "filters", "cycle",
                    "columns", "alarm_severities", "alarm_rules", "alarm_hold_s", "sound"}, key=len, reverse=True)
    return re.sub(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", word, summary)


def draft_text(actor, draft: dict) -> str:
    """The YAML tab's text for the draft: the file exactly as it is (comments, layout) while the draft says
    the same; else the draft written as the save would write it, or as it stands when it does not validate."""
    from pydantic import ValidationError

    from core.walls import WallsFile, dump_walls, parse_walls
    file_text = walls_cmd.read_walls_text(actor)[0]
    data = wall_draft.for_saving(draft)
    try:
        model = WallsFile.model_validate(data)
    except ValidationError:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)
        header = header_of(file_text)
        return (header + "\n" if header else "") + text
    try:
        if parse_walls(file_text) == model:
            return file_text
    except WallsInvalid:
        pass
    return dump_walls(model, header_of(file_text))


def _pages() -> set[str]:
    """The pages a slide may show (not the wall itself, not the administrator's pages)."""
    return {path for path, _name in _page_options("vi")}


def _from_file(actor) -> tuple[dict, str, str]:
    text, version = walls_cmd.read_walls_text(actor)
    return wall_draft.from_text(text), text, version


@callback(Output(f"{P}-draft", "data"), Output(f"{P}-sel", "data"), Output(f"{P}-editor", "children"),
          Output(f"{P}-message", "children"), Output(f"{P}-yaml", "value"), Output(f"{P}-version", "data"),
          Input({"type": f"{P}-act", "act": ALL, "at": ALL}, "n_clicks"),
          Input({"type": f"{P}-re", "at": ALL}, "value"),
          Input(f"{P}-save", "n_clicks"), Input(f"{P}-discard", "n_clicks"), Input(f"{P}-tabs", "active_tab"),
          State({"type": f"{P}-f", "at": ALL}, "value"),
          State(f"{P}-draft", "data"), State(f"{P}-sel", "data"), State(f"{P}-version", "data"),
          State(f"{P}-yaml", "value"), prevent_initial_call=True)
def edit_walls(_acts, _res, _save, _discard, tab, _fields, draft, sel, version, yaml_text):
    actor = current_actor()
    check(actor, "administrator", "walls.edit")
    lang = current_lang()
    trigger = ctx.triggered_id
    skip = (no_update,) * 6
    draft = wall_draft.normalise(draft)
    sel = sel if isinstance(sel, dict) and all(isinstance(sel.get(k), int) for k in ("w", "p")) else {"w": 0, "p": 0}
    version = version if isinstance(version, str) else None
    yaml_text = yaml_text if isinstance(yaml_text, str) else ""

    if isinstance(trigger, dict) and trigger.get("type") == f"{P}-act":
        if not any(isinstance(v, int) and v > 0 for v in (ctx.triggered[0].get("value"),)):
            return skip                              # a button drawn again, not pressed
        _absorb(draft)
        act, at = str(trigger.get("act")), str(trigger.get("at"))
        if act == "pick-wall":
            sel = {"w": wall_draft.address(at)[0] if wall_draft.address(at) else 0, "p": 0}
        elif act == "pick-playlist":
            parts = wall_draft.address(at)
            sel = {"w": parts[0], "p": parts[1]} if len(parts) == 2 else sel
        else:
            w, p = wall_draft.apply_action(draft, act, at)
            sel = {"w": w, "p": p}
        return draft, sel, editor(draft, sel, lang), None, no_update, no_update

    if isinstance(trigger, dict) and trigger.get("type") == f"{P}-re":
        before = _shape(draft)
        _absorb(draft)
        if _shape(draft) == before:
            return skip                              # drawn again with the value it already had
        return draft, sel, editor(draft, sel, lang), None, no_update, no_update

    if trigger == f"{P}-tabs":
        if tab == "yaml":
            _absorb(draft)
            return draft, no_update, no_update, None, draft_text(actor, draft), no_update
        try:
            raw = yaml.safe_load(yaml_text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            return no_update, no_update, no_update, dbc.Alert(
                [t("wall_admin.yaml_unreadable", lang), " ",
                 t("walls.problem.yaml", lang, line=(mark.line + 1) if mark else "?",
                   detail=str(getattr(err, "problem", None) or err)[:120])], color="warning"), no_update, no_update
        draft = wall_draft.normalise(raw)
        if not draft["walls"]:
            draft["walls"] = [wall_draft.new_wall("main")]
        sel = {"w": 0, "p": 0} if sel["w"] >= len(draft["walls"]) else sel
        return draft, sel, editor(draft, sel, lang), None, no_update, no_update

    if trigger == f"{P}-discard":
        draft, text, version = _from_file(actor)
        sel = {"w": 0, "p": 0} if sel["w"] >= len(draft["walls"]) else sel
        return draft, sel, editor(draft, sel, lang), dbc.Alert(t("wall_admin.reloaded", lang), color="info",
                                                               duration=4000), text, version

    if trigger == f"{P}-save":
        try:
            if tab == "yaml":
                _walls, version, summary = walls_cmd.save_walls_text(actor, yaml_text, version, pages=_pages())
            else:
                _absorb(draft)
                _walls, version, summary = walls_cmd.save_walls_data(actor, wall_draft.for_saving(draft), version,
                                                                     pages=_pages())
        except WallsInvalid as err:
            return draft, no_update, no_update, _problems(err, lang), no_update, no_update
        except AppError as err:
            return draft, no_update, no_update, error_alert(err, lang), no_update, no_update
        draft, text, version = _from_file(actor)
        return draft, sel, editor(draft, sel, lang), dbc.Alert(t("wall_admin.saved", lang,
                                                                 summary=summary_in_words(summary, lang)),
                                                               color="success", id=f"{P}-saved"), text, version
    return skip
