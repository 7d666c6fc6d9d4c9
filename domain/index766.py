"""Decision 766/QĐ-TTg: the administrative-procedure service index, 100 points in six groups as the
national portal scores them (DOMAIN.md §3.4). Sub-indicators score full marks at their threshold and
rate x max / threshold below it. Only the sub-indicators the commune's data carry are computed; the
split of points inside a group is not published (✗), so a group's score is its weight times the mean
achievement of the sub-indicators it has data for, and a group with none reads N/A."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sub:
    code: str            # 766 numbering
    indicator: str       # our catalogue code
    threshold: float     # % for full marks


@dataclass(frozen=True)
class Group:
    code: str
    vi: str
    en: str
    weight: float
    subs: tuple[Sub, ...]


GROUPS = (
    Group("CKMB", "Công khai, minh bạch", "Publicity and transparency", 18, ()),
    Group("TDGQ", "Tiến độ giải quyết", "Timeliness", 20, (Sub("2.1", "dossier_on_time_rate", 100.0),)),
    Group("CLGQ", "Dịch vụ công trực tuyến", "Online public services", 12,
          (Sub("3.1", "online_service_rate", 80.0), Sub("3.3", "online_dossier_rate", 50.0))),
    Group("TTTT", "Thanh toán trực tuyến", "Online payment", 10, (Sub("3.6", "online_payment_rate", 100.0),)),
    Group("MDSH", "Số hóa hồ sơ", "Digitisation", 22, (Sub("4.2", "dossier_digitised_rate", 80.0),)),
    Group("MDHL", "Mức độ hài lòng", "Satisfaction", 18,
          (Sub("5.2", "report_on_time_rate", 100.0), Sub("5.4", "report_satisfaction_rate", 90.0))),
)


def achievement(rate: float | None, threshold: float) -> float | None:
    if rate is None or rate != rate:
        return None
    return max(0.0, min(1.0, rate / threshold))


def score(values: dict[str, float | None]) -> dict:
    """values: indicator code -> rate (0-100) or None. Returns per group {score, max, subs} and the
    total over the groups that have data (with the points those groups are worth)."""
    groups, total, possible = [], 0.0, 0.0
    for g in GROUPS:
        subs = [(s, achievement(values.get(s.indicator), s.threshold)) for s in g.subs]
        known = [a for _, a in subs if a is not None]
        value = g.weight * sum(known) / len(known) if known else None
        if value is not None:
            total += value
            possible += g.weight
        groups.append({"code": g.code, "vi": g.vi, "en": g.en, "weight": g.weight, "score": value,
                       "subs": [{"code": s.code, "indicator": s.indicator, "threshold": s.threshold,
                                 "achievement": a} for s, a in subs]})
    return {"groups": groups, "total": total if possible else None, "possible": possible}
