"""One translation table, Vietnamese first. Each area keeps its strings in `core/strings/<area>.py`
as STRINGS = {"dotted.key": ("tiếng Việt", "English")}; this module merges them and refuses duplicates,
so the table stays one table while helpers edit different files."""
from __future__ import annotations

import importlib
import pkgutil
import unicodedata

import core.strings as _strings_pkg

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


def _load() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(_strings_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"core.strings.{info.name}")
        for key, pair in module.STRINGS.items():
            if key in table:
                raise RuntimeError(f"translation key {key!r} defined twice (core/strings/{info.name}.py)")
            vi, en = pair
            table[key] = (unicodedata.normalize("NFC", vi), en)
    return table


TABLE = _load()


def norm_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **values: object) -> str:
    """Translate; an unknown key shows itself (and a unit test fails), never crashes a page."""
    pair = TABLE.get(key)
    if pair is None:
        return key
    text = pair[LANGS.index(norm_lang(lang))]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in TABLE


def source_name(source: object, lang: str | None = DEFAULT_LANG) -> str:
    """A data source's name for people ("Camera", "Phản ánh hiện trường"), as the wall's freshness line
    and the sources panel show it; a source without a name shows its id (escaped: it comes from the store)."""
    key = f"source.{source}"
    if key in TABLE:
        return t(key, lang)
    from core.text import source_text
    return source_text(source)
