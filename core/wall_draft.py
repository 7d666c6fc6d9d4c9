"""The walls file while an administrator edits it in /admin/walls: plain dicts (what WallsFile.model_dump
gives), changed field by field and by the editor's buttons, checked by core.walls only when saved.

Kept apart from the page so it can be tested without Dash, and kept forgiving: the draft travels through
the browser, so every function here accepts any shape and falls back to an empty but usable draft rather
than raising. Addresses: "w" (a wall's index), "w.p" (a playlist), "w.p.s" (a slide); a field is
"<address>:<name>" with a dot for what lies inside ("0.1.2:filters.period", "0.1:hours.0")."""
from __future__ import annotations

import copy

MAX_WALLS = 20
MAX_PLAYLISTS = 24
MAX_SLIDES = 50
FILTER_KEYS = ("period", "village", "device", "parameter")
NUMBER_FIELDS = {"duration_s", "columns", "alarm_hold_s", "each_s"}


def new_slide() -> dict:
    return {"title_vi": "", "title_en": "", "panels": [], "page": None, "duration_s": 30, "filters": {},
            "cycle": None, "columns": 2}


def new_playlist(name: str = "moi") -> dict:
    return {"name": name, "hours": None, "slides": [new_slide()]}


def new_wall(name: str = "moi") -> dict:
    return {"name": name, "title_vi": "", "title_en": "", "playlists": [new_playlist("ngay")],
            "alarm_severities": ["critical", "high"], "alarm_hold_s": 900, "sound": True}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def from_text(text: str) -> dict:
    """The editor's draft from the file's text: every field filled in (defaults shown as values) when the
    file validates, else the file as it stands so that the form can show what is wrong."""
    import yaml
    from core.walls import WallsInvalid, parse_walls
    try:
        draft = normalise(parse_walls(text).model_dump(mode="json"))
    except WallsInvalid:
        try:
            draft = normalise(yaml.safe_load(text))
        except yaml.YAMLError:
            draft = normalise({})
    if not draft["walls"]:
        draft["walls"] = [new_wall("main")]
    return draft


def normalise(draft) -> dict:
    """Any value -> {"walls": [wall dicts with playlists of slides]}; unknown keys stay (validation names
    them), wrong shapes become empty lists/dicts."""
    draft = copy.deepcopy(_dict(draft))
    walls = [w for w in _list(draft.get("walls")) if isinstance(w, dict)][:MAX_WALLS]
    for wall in walls:
        wall["playlists"] = [p for p in _list(wall.get("playlists")) if isinstance(p, dict)][:MAX_PLAYLISTS]
        for playlist in wall["playlists"]:
            playlist["slides"] = [s for s in _list(playlist.get("slides")) if isinstance(s, dict)][:MAX_SLIDES]
            for slide in playlist["slides"]:
                slide["filters"] = _dict(slide.get("filters"))
                slide["panels"] = [p for p in _list(slide.get("panels")) if isinstance(p, str)]
    draft["walls"] = walls
    return draft


def address(at: object) -> list[int]:
    try:
        return [int(part) for part in str(at).split(".")] if str(at) != "" else []
    except ValueError:
        return []


def node(draft: dict, at: object) -> dict | None:
    """The wall, playlist or slide at an address, or None."""
    parts = address(at)
    if not parts or len(parts) > 3:
        return None
    lists = ("walls", "playlists", "slides")
    current: object = draft
    for depth, index in enumerate(parts):
        items = _list(_dict(current).get(lists[depth]))
        if not 0 <= index < len(items):
            return None
        current = items[index]
    return current if isinstance(current, dict) else None


def _value(name: str, value):
    """A form value as the file wants it: numbers as int when they are whole, "" as nothing."""
    if isinstance(value, str):
        value = value.strip()
    if value in ("", None):
        return None
    if name in NUMBER_FIELDS or name.startswith("hours."):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value             # left as typed: validation says "a whole number"
        return int(number) if number.is_integer() else number
    return value


def set_field(draft: dict, key: object, value) -> None:
    """Put one form value into the draft (an unknown address is ignored)."""
    if not isinstance(key, str) or ":" not in key:
        return
    at, name = key.split(":", 1)
    target = node(draft, at)
    if target is None:
        return
    value = _value(name, value)
    if name.startswith("filters."):
        sub = name.split(".", 1)[1]
        filters = target.setdefault("filters", {})
        if value is None or value == []:
            filters.pop(sub, None)
        else:
            filters[sub] = str(value)
    elif name.startswith("cycle."):
        sub = name.split(".", 1)[1]
        cycle = target.get("cycle") if isinstance(target.get("cycle"), dict) else None
        if sub == "variable":
            if value is None:
                target["cycle"] = None
            else:
                target["cycle"] = {**(cycle or {"each_s": 20}), "variable": value}
                if value == "village":
                    target["cycle"].pop("kind", None)
        elif cycle is not None:
            if value is None or value == []:
                cycle.pop(sub, None)
            else:
                cycle[sub] = value
    elif name.startswith("hours."):
        index = 0 if name == "hours.0" else 1
        hours = list(target.get("hours") or [None, None])[:2]
        hours += [None] * (2 - len(hours))
        hours[index] = value
        target["hours"] = None if hours == [None, None] else hours
    elif name == "kind":              # a slide shows panels or a page
        if value == "page":
            target["page"] = target.get("page") or ""
            target["panels"] = []
        else:
            target["page"] = None
    elif name == "sound":
        target["sound"] = bool(value)
    elif name in ("panels", "alarm_severities", "alarm_rules"):
        target[name] = [v for v in (value or []) if isinstance(v, str)]
    elif value is None and name in ("name", "page"):
        target[name] = ""             # still a name / still a page slide: validation asks for one
    elif value is None:
        target.pop(name, None)        # left empty: the file's default applies
    else:
        target[name] = value


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}-{n}"
        n += 1
    return name


def apply_action(draft: dict, act: str, at: object) -> tuple[int, int]:
    """Add, remove or move a wall, a playlist or a slide. Returns the (wall, playlist) to show next."""
    parts = address(at)
    w = parts[0] if parts else 0
    p = parts[1] if len(parts) > 1 else 0
    walls = draft["walls"]
    if act == "add-wall" and len(walls) < MAX_WALLS:
        walls.append(new_wall(_unique("man-hinh", {x.get("name") for x in walls})))
        return len(walls) - 1, 0
    wall = node(draft, w)
    if wall is None:
        return 0, 0
    if act == "remove-wall" and len(walls) > 1:
        walls.pop(w)
        return max(0, w - 1), 0
    playlists = wall["playlists"]
    if act == "add-playlist" and len(playlists) < MAX_PLAYLISTS:
        playlists.append(new_playlist(_unique("danh-sach", {x.get("name") for x in playlists})))
        return w, len(playlists) - 1
    if act == "remove-playlist" and len(playlists) > 1 and 0 <= p < len(playlists):
        playlists.pop(p)
        return w, max(0, p - 1)
    playlist = node(draft, f"{w}.{p}")
    if playlist is None:
        return w, 0
    slides = playlist["slides"]
    s = parts[2] if len(parts) > 2 else -1
    if act == "add-slide" and len(slides) < MAX_SLIDES:
        slides.insert(s + 1 if 0 <= s < len(slides) else len(slides), new_slide())
    elif act == "remove-slide" and 0 <= s < len(slides) and len(slides) > 1:
        slides.pop(s)
    elif act in ("slide-up", "slide-down") and 0 <= s < len(slides):
        other = s - 1 if act == "slide-up" else s + 1
        if 0 <= other < len(slides):
            slides[s], slides[other] = slides[other], slides[s]
    elif act in ("playlist-up", "playlist-down") and 0 <= p < len(playlists):
        other = p - 1 if act == "playlist-up" else p + 1
        if 0 <= other < len(playlists):
            playlists[p], playlists[other] = playlists[other], playlists[p]
            return w, other
    return w, p


def for_saving(draft: dict) -> dict:
    """The draft as the file's model reads it: a panel slide has no page, a page slide no panels."""
    draft = normalise(draft)
    for wall in draft["walls"]:
        for playlist in wall["playlists"]:
            for slide in playlist["slides"]:
                if slide.get("page") is None:
                    slide.pop("page", None)
                if slide.get("cycle") is None:
                    slide.pop("cycle", None)
            if playlist.get("hours") is None:
                playlist.pop("hours", None)
    return draft
