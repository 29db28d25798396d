"""Every rule, in the order evaluate tries them: the themes in the order of this list.

The order matters where weights tie: hits of equal weight keep it, and so do the reasons and
the advice shown for them."""

from __future__ import annotations

from . import apps, family, illegal, jobs, money, ordinary, secrets, telecom, threats
from .base import Rule

RULES: tuple[Rule, ...] = (
    *secrets.RULES,
    *threats.RULES,
    *apps.RULES,
    *jobs.RULES,
    *money.RULES,
    *family.RULES,
    *telecom.RULES,
    *illegal.RULES,
    *ordinary.RULES,
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
