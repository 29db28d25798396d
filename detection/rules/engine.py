"""Running the rules over a folded message: quotes of crooks' words and negated requests do
not count, combinations of signals become rules of their own."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import Rule, RuleHit
from .catalogue import RULES, RULES_BY_CODE

# Spam filters are dodged by breaking words with odd marks ("N'ap V,ao", "nh$an") or digits for
# letters ("kh0ng", "d!eu k!en"). Ordinary people type without diacritics or spaces, but they do
# not put quotes, carets or dollars inside words. ";" is left out: timetables glue words with it.
_BROKEN_WORD = re.compile(
    r"(?<=[a-z])(?:'(?!(?:t|s|re|ll|ve|d|m)(?![a-z]))|[\"~^*$_|\\])(?=[a-z])"
    r"|(?<![a-z0-9])[a-z]{1,6}[0134!@]+[a-z]{1,6}(?![a-z0-9])"
    # "N.H.A..N T.I.E.N": one word spelt out letter by letter between dots.
    r"|(?<![a-z0-9])(?:[a-z]\.{1,3}){2,}[a-z](?![a-z0-9])"
)
OBFUSCATION_MIN = 3


def broken_words(folded: str) -> int:
    """How many words of a folded text (links masked) are broken up to dodge filters."""
    return len(_BROKEN_WORD.findall(folded))


_SENTENCE_END = re.compile(r"[.!?\n;]+(?:\s|$)")
# A negation a few words before a request: "tuyệt đối KHÔNG cung cấp", "không bao giờ yêu cầu
# khách hàng cung cấp", "đừng chia sẻ". Folded "dung" is also "dùng", "dụng": only right before.
# The negation carries over "hoặc" (or) to the next verb: "KHÔNG đưa mã OTP cho người khác hoặc
# gõ mã vào trang lạ". Not over "hay": folded, it is also "hãy" (do!).
_NEGATION = re.compile(
    r"(?<![a-z0-9])(?:(?:khong|ko|never|not|chua bao gio)"
    r"(?:(?: [a-z]+){0,6}|(?: [a-z]+){0,8} hoac(?: [a-z]+){0,2})|dung) $"
)
_AWARENESS = RULES_BY_CODE["awareness"].pattern


@dataclass(slots=True)
class _Text:
    folded: str
    sentence_starts: list[int]
    awareness: list[int]

    def sentence_start(self, position: int) -> int:
        start = 0
        for s in self.sentence_starts:
            if s > position:
                break
            start = s
        return start


def _prepare(folded: str) -> _Text:
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(folded)]
    awareness = [m.start() for m in _AWARENESS.finditer(folded)] if _AWARENESS else []
    return _Text(folded, starts, awareness)


def _quoted(text: _Text, start: int, end: int) -> bool:
    """A hit inside a sentence that describes crooks ("kẻ gian giả danh ...", "... bằng thủ đoạn
    ... để nhận mã xác thực"): the cue comes before the hit or inside it."""
    if not text.awareness:
        return False
    sentence = text.sentence_start(start)
    return any(sentence <= a < end for a in text.awareness)


def _negated(text: _Text, start: int) -> bool:
    return bool(_NEGATION.search(text.folded, max(0, start - 60), start))


# The rules with a pattern, tried on the text; the combinations, built from their hits.
_BASE_RULES: tuple[tuple[Rule, re.Pattern[str]], ...] = tuple(
    (rule, rule.pattern) for rule in RULES if rule.pattern is not None
)
_COMBINATIONS: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.needs)


def evaluate(folded: str) -> tuple[list[RuleHit], set[str]]:
    """The weighted rules a folded message triggers (strongest first), and the codes of every
    rule and signal it triggers."""
    text = _prepare(folded)
    found: dict[str, RuleHit] = {}
    for rule, pattern in _BASE_RULES:
        for match in pattern.finditer(folded):
            start = match.start()
            if rule.weight > 0 and _quoted(text, start, match.end()):
                continue
            if rule.negatable and _negated(text, start):
                continue
            found[rule.code] = RuleHit(rule, start, match.end())
            break
    for rule in _COMBINATIONS:
        parts = [found[code] for code in rule.needs if code in found]
        if len(parts) == len(rule.needs):
            first = min(parts, key=lambda hit: hit.start)
            found[rule.code] = RuleHit(rule, first.start, first.end)
    for code in [code for code, hit in found.items() if set(hit.rule.unless) & set(found)]:
        del found[code]
    hits = [hit for hit in found.values() if hit.weight != 0]
    hits.sort(key=lambda hit: -hit.weight)
    return hits, set(found)
