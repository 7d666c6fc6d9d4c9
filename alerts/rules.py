"""The alert rules file, validated: a wrong rule names itself instead of failing quietly."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.site import load_yaml_model

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    value: float
    severity: Severity


class Rule(_Strict):
    id: str
    kind: Literal["threshold", "level", "rate", "aqi", "camera", "source_silence", "device_silence", "deadline"]
    title_vi: str
    title_en: str
    parameter: str | None = None
    device_kinds: list[str] = Field(default_factory=list)
    below: list[Level] = Field(default_factory=list)
    above: list[Level] = Field(default_factory=list)
    duration_min: float = 0
    clear_above: float | None = None
    clear_below: float | None = None
    clear_between: tuple[float, float] | None = None
    hold_min: float = 30
    severities: dict[int, Severity] = Field(default_factory=dict)
    clear_margin_m: float = 0.1
    rise_m_per_h: float | None = None
    window_min: float = 60
    severity: Severity = "medium"
    roles: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list)
    hours: tuple[int, int] | None = None
    min_score: float = 0.0
    after_min: float = 60
    enabled: bool = True
    advice_vi: str = ""    # what to do, shown on the wall's alarm slide
    advice_en: str = ""

    @model_validator(mode="after")
    def _check(self) -> "Rule":
        if self.kind == "threshold" and not (self.below or self.above):
            raise ValueError(f"rule {self.id!r}: a threshold rule needs below or above")
        if self.kind in ("threshold", "level", "rate") and not self.parameter:
            raise ValueError(f"rule {self.id!r}: {self.kind} needs a parameter")
        if self.kind == "rate" and not self.rise_m_per_h:
            raise ValueError(f"rule {self.id!r}: a rate rule needs rise_m_per_h")
        return self


class Channel(_Strict):
    name: str
    type: Literal["webhook", "smtp"]
    severities: list[Severity]
    url: str | None = None
    host: str | None = None
    port: int = 25
    sender: str = "ioc@localhost"
    to: list[str] = Field(default_factory=list)
    timeout_s: float = 5.0
    retries: int = 3


class RulesFile(_Strict):
    rules: list[Rule]
    channels: list[Channel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "RulesFile":
        ids = [r.id for r in self.rules]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"rule ids used twice: {', '.join(sorted(dup))}")
        return self


def load_rules(path: Path | str) -> RulesFile:
    return load_yaml_model(path, RulesFile)


@lru_cache
def get_rules() -> RulesFile:
    from core.settings import get_settings
    return load_rules(get_settings().alert_rules_file)
