"""The named shapes of a message's analysis: its reasons, the indicators found in it, and the
JSON the API sends (Analysis.as_dict, read by detection/api.py's AnalysisOut)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from .lookalike import LookalikeResult

Risk = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class Reason:
    text: str
    weight: float
    kind: str  # listed, lookalike, link, rule, sender, classifier, phone
    code: str
    category: str = ""


class LookalikePayload(TypedDict):
    score: float
    level: str
    brand: str | None
    official: bool
    reasons: list[str]


class IndicatorPayload(TypedDict):
    kind: str
    value: str
    text: str
    listed: bool
    verdict: str
    lookalike: NotRequired[LookalikePayload]  # only for links, domains and e-mail addresses


class ClassifierPayload(TypedDict):
    probability: float
    top_phrases: list[str]


class AnalysisPayload(TypedDict):
    risk: Risk
    risk_label: str
    score: float
    reasons: list[str]
    reassurances: list[str]
    advice: list[str]
    indicators: list[IndicatorPayload]
    classifier: ClassifierPayload


@dataclass(frozen=True)
class IndicatorResult:
    kind: str
    value: str
    text: str
    listed: bool = False
    verdict: str = ""
    lookalike: LookalikeResult | None = None

    def as_dict(self) -> IndicatorPayload:
        data: IndicatorPayload = {
            "kind": self.kind,
            "value": self.value,
            "text": self.text,
            "listed": self.listed,
            "verdict": self.verdict,
        }
        if self.lookalike is not None:
            data["lookalike"] = {
                "score": self.lookalike.score,
                "level": self.lookalike.level,
                "brand": self.lookalike.brand.name if self.lookalike.brand else None,
                "official": self.lookalike.official,
                "reasons": self.lookalike.reasons,
            }
        return data


def best_lookalike(results: list[IndicatorResult]) -> LookalikeResult | None:
    """The look-alike score of the most suspicious link, domain or address found."""
    scored = (r.lookalike for r in results if r.lookalike is not None)
    return max(scored, key=lambda x: x.score, default=None)
