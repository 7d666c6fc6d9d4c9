"""What the alerts list leaves out so that it reads at 1366 px: the alert's facts beside its history.
The value an alert carries means something only with its unit and the rule it broke, so both are shown
("2,8 mg/L · ngưỡng < 3,5 mg/L: Cao"); kinds that carry no value (a silent device, an overdue report)
say what their condition is instead of showing an empty "—"."""
from __future__ import annotations

from dash import html

from alerts.rules import Rule
from core.formatting import fmt_datetime, fmt_number, is_missing, text_or
from core.i18n import t
from domain.parameters import PARAMETERS

# Kinds whose stored value is a measurement; the others store none (silence, deadline).
VALUE_KINDS = ("threshold", "level", "rate", "aqi", "camera")


def value_unit(rule: Rule | None, kind: str, lang: str) -> tuple[str, int]:
    """(unit, decimals) of an alert's value: the rule's parameter for readings, AQI, m/h, detections."""
    if kind == "aqi":
        return "VN_AQI", 0
    if kind == "camera":
        return t("alerts.unit_detections", lang), 0
    param = PARAMETERS.get(rule.parameter) if rule and rule.parameter else None
    if kind == "rate":
        return t("alerts.unit_m_per_h", lang), 2
    return (param.unit if param else ""), (param.decimals if param else 2)


def value_text(alert: dict, rule: Rule | None, lang: str) -> str | None:
    """The alert's latest value with its unit, or None when its kind carries no value or it is missing."""
    if alert.get("kind") not in VALUE_KINDS or is_missing(alert.get("value")):
        return None
    unit, decimals = value_unit(rule, alert["kind"], lang)
    return f"{fmt_number(alert['value'], lang, decimals)} {unit}".strip()


def condition_text(rule: Rule | None, kind: str, lang: str) -> str | None:
    """The rule's condition in words, each level with the severity it raises."""
    if rule is None:
        return None
    unit, decimals = value_unit(rule, kind, lang)
    if kind in ("threshold", "aqi"):
        parts = [f"< {fmt_number(lv.value, lang, decimals)} {unit}: {t('severity.' + lv.severity, lang)}"
                 for lv in rule.below] + \
                [f"> {fmt_number(lv.value, lang, decimals)} {unit}: {t('severity.' + lv.severity, lang)}"
                 for lv in rule.above]
        return " · ".join(p.replace("  ", " ") for p in parts) or None
    if kind == "level":
        return " · ".join(t("alerts.cond_level", lang, n=n, sev=t("severity." + sev, lang))
                          for n, sev in sorted(rule.severities.items())) or None
    if kind == "rate":
        return t("alerts.cond_rate", lang, v=fmt_number(rule.rise_m_per_h, lang, 2),
                 min=fmt_number(rule.window_min, lang, 0))
    if kind == "camera":
        labels = ", ".join(t(f"label.{x}", lang).lower() for x in rule.labels) or t("alerts.cond_any_object", lang)
        hours = t("alerts.cond_hours", lang, a=f"{rule.hours[0]:02d}:00", b=f"{rule.hours[1]:02d}:00") if rule.hours else ""
        return t("alerts.cond_camera", lang, labels=labels, min=fmt_number(rule.hold_min, lang, 0)) + hours
    if kind == "device_silence":
        return t("alerts.cond_device_silence", lang, min=fmt_number(rule.after_min, lang, 0))
    if kind == "source_silence":
        return t("alerts.cond_source_silence", lang)
    if kind == "deadline":
        return t("alerts.cond_deadline", lang)
    return None


def alert_facts(alert: dict, rule: Rule | None, village_name: str | None, lang: str) -> list[tuple[str, str]]:
    """(label, text) pairs for the detail panel, in reading order; rows without content are left out."""
    facts = [(t("alerts.kind", lang), t(f"alert_kind.{alert['kind']}", lang)),
             (t("alerts.state", lang), t(f"alert_state.{alert['state']}", lang)),
             (t("alerts.col_village", lang), village_name or "—"),
             (t("alerts.col_value", lang), value_text(alert, rule, lang)),
             (t("alerts.condition", lang), condition_text(rule, alert["kind"], lang)),
             (t("alerts.opened", lang), fmt_datetime(alert["opened_time"])),
             (t("alerts.updated", lang), fmt_datetime(alert["updated_time"])
              if not is_missing(alert.get("updated_time")) else None)]
    if not is_missing(alert.get("acknowledged_by")):
        facts.append((t("alerts.acknowledged_by", lang), text_or(alert["acknowledged_by"])))
    return [(label, text) for label, text in facts if text]


def alert_summary(alert: dict, rule: Rule | None, village_name: str | None, lang: str) -> html.Div:
    """The head of the detail panel: severity, title and the facts as a two-column list."""
    title = alert["title_vi"] if lang == "vi" else alert["title_en"]
    rows = []
    for label, text in alert_facts(alert, rule, village_name, lang):
        rows += [html.Dt(label), html.Dd(text)]
    return html.Div([
        html.Div([html.Span(t(f"severity.{alert['severity']}", lang), className=f"sev-pill sev-{alert['severity']} me-2"),
                  html.Strong(f"#{alert['id']} · {title}")], className="mb-2"),
        html.Dl(rows, className="alert-facts"),
    ])
