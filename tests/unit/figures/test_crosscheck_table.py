"""The Data page's list of cross-check findings: translated text, numbers in Vietnamese format, store
strings shown as text, and a plain "nothing found" when the numbers agree."""
import pandas as pd

from components.crosschecks import crosscheck_table
from queries.crosschecks import FINDING_COLUMNS


def text_of(component) -> str:
    out = []

    def walk(c):
        if isinstance(c, (str, int, float)):
            out.append(str(c))
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif c is not None:
            walk(getattr(c, "children", None))
    walk(component)
    return " ".join(out)


def test_findings_are_listed_in_the_viewers_language():
    df = pd.DataFrame([
        {"check": "commune_outside_villages", "severity": "warning", "subject": "smartphone_rate",
         "scope": "commune:quang_tho", "period": "2026-10", "time": None,
         "values": {"value": 74.2, "low": 56.3, "high": 71.9, "villages": 8}},
        {"check": "device_stopped", "severity": "warning", "subject": "water_2", "scope": None, "period": None,
         "time": pd.Timestamp("2026-11-30T03:00:00Z"),
         "values": {"name": "<b>Trạm nước ao 2</b>", "source": "sensorthings", "hours": 4.2}},
    ], columns=FINDING_COLUMNS)
    vi = text_of(crosscheck_table(df, "vi"))
    assert "Số của xã ngoài khoảng các thôn" in vi and "Xã 74,2%, trong khi 8 thôn từ 56,3% đến 71,9%" in vi
    assert "10/2026" in vi and "30/11/2026 10:00" in vi
    assert "<b>Trạm nước ao 2</b>" in vi          # a plain string child: Dash renders it as text, not HTML
    en = text_of(crosscheck_table(df, "en"))
    assert "Commune figure outside its villages' range" in en and "Smartphone users" in en


def test_no_finding_says_so():
    assert "Không phát hiện mâu thuẫn." in text_of(crosscheck_table(pd.DataFrame(columns=FINDING_COLUMNS), "vi"))
