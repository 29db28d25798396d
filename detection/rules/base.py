"""What a rule is, and the pieces its patterns are written with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Rule:
    code: str
    category: str
    weight: float
    reason: StrOrPromise  # a lazy translation ("" for a signal, which is never shown)
    pattern: re.Pattern[str] | None = None
    needs: tuple[str, ...] = ()
    negatable: bool = False
    # Codes that cancel this rule: a message that carries the OTP itself is a notice, not a
    # request for it.
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleHit:
    rule: Rule
    start: int
    end: int

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def weight(self) -> float:
        return self.rule.weight


def phrases(*alternatives: str) -> re.Pattern[str]:
    """One pattern for alternatives that must stand as whole words of the folded text."""
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])")


W = r"(?:[^.!?\n]|\.(?=\d)){0,50}?"  # a few words within one sentence ("3.000.000d" is one)
NUM = r"\d[\d.,]*"
