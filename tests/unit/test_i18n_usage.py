"""Every translation key the code uses exists in both languages (a missing key would show raw on screen)."""
import re
from pathlib import Path

from core.i18n import TABLE

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")
FKEY = re.compile(r"""\bt\(\s*f["']([a-z0-9_]+)\.\{""")


def test_every_literal_key_used_exists():
    missing = set()
    for folder in ("pages", "components", "layouts", "app.py"):
        paths = [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py")
        for path in paths:
            for key in KEY.findall(path.read_text(encoding="utf-8")):
                if key not in TABLE:
                    missing.add(f"{path.name}: {key}")
    assert not missing, sorted(missing)


def test_every_key_prefix_built_with_an_fstring_exists():
    prefixes = {p.split(".")[0] for p in TABLE}
    for path in list((ROOT / "pages").rglob("*.py")) + list((ROOT / "components").rglob("*.py")):
        for prefix in FKEY.findall(path.read_text(encoding="utf-8")):
            assert prefix in prefixes, f"{path.name}: {prefix}.*"


def test_vietnamese_differs_from_english_where_it_should():
    identical_on_purpose = {"change.gauge", "env.band_qcvn", "shell.lang_vi", "shell.lang_en"}  # names, codes
    same = [k for k, (vi, en) in TABLE.items() if vi == en and any(ch.isalpha() for ch in vi) and len(vi) > 12
            and k not in identical_on_purpose]
    assert not same, same
