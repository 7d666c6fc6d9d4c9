"""Decision 766/QĐ-TTg: the administrative-procedure service index, 100 points in six groups as the
national portal scores them (DOMAIN.md §3.4). A sub-indicator scores full marks at its threshold and
rate x max / threshold below it; a denominator of 0 is N/A.

Points inside a group: DOMAIN gives some (2.1 is all 20 of TDGQ; 5.4 is 6 of MDHL's 18); the rest of a
group's points is not published (✗), so it is shared equally by the group's other sub-indicators that
the commune's data carry. Only sub-indicators with data count, and the estimate says how many of the
100 points it covers (`possible`): the province scores sub-indicators our feeds do not carry (CKMB, 2.2,
3.2, 3.5, 4.1, 4.3-4.5, 5.1), so its published score and this estimate legitimately differ.

5.4 is about administrative-procedure dossiers, not scene reports: 100 % minus the overdue rate and the
complaint rate of dossiers, full marks at 90 %. Scene-report satisfaction mirrors 5.3 (satisfaction with
how feedback was handled), as report_on_time_rate mirrors 5.2."""
from __future__ import annotations

from dataclasses import dataclass

TOTAL_POINTS = 100.0
DOSSIER_SATISFACTION = "dossier_satisfaction_766"   # derived: 5.4 from on-time and complaint rates


@dataclass(frozen=True)
class Sub:
    code: str              # 766 numbering
    indicator: str         # our catalogue code (or DOSSIER_SATISFACTION)
    threshold: float       # % for full marks
    points: float | None   # points DOMAIN gives it; None: a share of the group's unassigned points


@dataclass(frozen=True)
class Group:
    code: str
    vi: str
    en: str
    weight: float
    subs: tuple[Sub, ...]


GROUPS = (
    Group("CKMB", "Công khai, minh bạch", "Publicity and transparency", 18, ()),
    Group("TDGQ", "Tiến độ giải quyết", "Timeliness", 20, (Sub("2.1", "dossier_on_time_rate", 100.0, 20),)),
    Group("CLGQ", "Dịch vụ công trực tuyến", "Online public services", 12,
          (Sub("3.1", "online_service_rate", 80.0, None), Sub("3.3", "online_dossier_rate", 50.0, None))),
    Group("TTTT", "Thanh toán trực tuyến", "Online payment", 10, (Sub("3.6", "online_payment_rate", 100.0, None),)),
    Group("MDSH", "Số hóa hồ sơ", "Digitisation", 22, (Sub("4.2", "dossier_digitised_rate", 80.0, None),)),
    Group("MDHL", "Mức độ hài lòng", "Satisfaction", 18,
          (Sub("5.2", "report_on_time_rate", 100.0, None), Sub("5.3", "report_satisfaction_rate", 100.0, None),
           Sub("5.4", DOSSIER_SATISFACTION, 90.0, 6))),
)


def _missing(x) -> bool:
    return x is None or x != x


def dossier_satisfaction(on_time_rate: float | None, complaint_rate: float | None) -> float | None:
    """5.4: 100 % − (overdue rate + complaint rate) of dossiers; None unless both are known."""
    if _missing(on_time_rate) or _missing(complaint_rate):
        return None
    return max(0.0, 100.0 - ((100.0 - float(on_time_rate)) + float(complaint_rate)))


def achievement(rate: float | None, threshold: float) -> float | None:
    if _missing(rate):
        return None
    return max(0.0, min(1.0, float(rate) / threshold))


def sub_points(group: Group) -> dict[str, float]:
    """Points of every sub-indicator of a group when all have data (the split when nothing is missing)."""
    fixed = sum(s.points for s in group.subs if s.points is not None)
    free = [s for s in group.subs if s.points is None]
    share = (group.weight - fixed) / len(free) if free else 0.0
    return {s.code: (s.points if s.points is not None else share) for s in group.subs}


def score(values: dict[str, float | None]) -> dict:
    """values: indicator code -> rate (0-100) or None; 5.4 is derived from dossier_on_time_rate and
    dossier_complaint_rate unless given. Returns per group {score, possible, subs} and the total over
    the sub-indicators that have data, with the points they are worth (`possible`, of 100)."""
    values = dict(values)
    if _missing(values.get(DOSSIER_SATISFACTION)):
        values[DOSSIER_SATISFACTION] = dossier_satisfaction(values.get("dossier_on_time_rate"),
                                                            values.get("dossier_complaint_rate"))
    groups, total, possible = [], 0.0, 0.0
    for g in GROUPS:
        fixed = sum(s.points for s in g.subs if s.points is not None)
        rows = [(s, values.get(s.indicator), achievement(values.get(s.indicator), s.threshold)) for s in g.subs]
        free_known = [a for s, _, a in rows if s.points is None and a is not None]
        share = (g.weight - fixed) / len(free_known) if free_known else 0.0
        g_score, g_possible, subs = 0.0, 0.0, []
        for s, rate, a in rows:
            pts = s.points if s.points is not None else share
            earned = None if a is None else pts * a
            if a is not None:
                g_score += earned
                g_possible += pts
            subs.append({"code": s.code, "indicator": s.indicator, "threshold": s.threshold, "rate": rate,
                         "achievement": a, "points": pts if a is not None else None, "score": earned})
        known = g_possible > 0
        if known:
            total += g_score
            possible += g_possible
        groups.append({"code": g.code, "vi": g.vi, "en": g.en, "weight": g.weight,
                       "score": g_score if known else None, "possible": g_possible, "subs": subs})
    return {"groups": groups, "total": total if possible else None, "possible": possible}


def uncovered_points(result: dict) -> float:
    """Points of the index the estimate could not score (groups and sub-indicators without data)."""
    return TOTAL_POINTS - result["possible"]
