"""Explainable rules for Vietnamese scam messages, run on folded text (see text.fold).

Each rule is a regular expression with a weight in log-odds: positive weights push a message
towards "scam", negative ones towards "ordinary" (a bank's OTP notice that carries the code, a
balance alert, a warning that describes what crooks do). Some rules are "signals" with weight 0
that only count inside a combination ("a prize" and "a fee" make "a fee to receive a prize").

Warnings quote scam phrases: "Kẻ gian giả danh công an yêu cầu chuyển tiền vào tài khoản an
toàn". A hit whose sentence has a warning cue before it (kẻ gian, giả danh, thủ đoạn, không bao
giờ yêu cầu ...) describes what crooks do and does not count. Requests for an OTP or a password
do not count right after a negation ("tuyệt đối KHÔNG cung cấp mã OTP").

The rules are split by theme (secrets, threats, apps, jobs, money, family, telecom, illegal,
ordinary: one module each, a tuple RULES in each); catalogue.py puts them in one order and
engine.py runs them. Callers import from here.
"""

from __future__ import annotations

from .base import NUM, Rule, RuleHit, W, phrases
from .catalogue import RULES, RULES_BY_CODE
from .engine import OBFUSCATION_MIN, broken_words, evaluate

__all__ = [
    "NUM",
    "OBFUSCATION_MIN",
    "RULES",
    "RULES_BY_CODE",
    "W",
    "Rule",
    "RuleHit",
    "broken_words",
    "evaluate",
    "phrases",
]
