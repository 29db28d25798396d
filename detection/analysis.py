"""Analysis of one pasted SMS or chat message: risk level, reasons, advice.

analyse_message(text) finds the message's indicators (indicators.extract), looks each up in
the list (the in-memory matcher), scores links and email domains for look-alikes of protected
brands, applies the rules (the rules package) and the classifier (classifier.py), turns what it
found into weighed reasons (reasons.py; their shapes and the API's JSON in results.py), and adds
it all up in log-odds:

    z = bias + w_classifier * logit(P(scam)) * length + w_rules * (sum of positive rule, link
        and sender weights) + w_reassurances * (sum of negative ones)

where length is 1 from SHORT_WORDS words on and less below (a two-word message says nothing the
classifier can read).

The score is sigmoid(z); the risk is "high" from z_high, "medium" from z_medium, else "low". A
listed indicator or a strong look-alike link makes it "high" whatever the rest says. The weights
and thresholds travel with the model (classifier.Combiner): the hand-set defaults (set by
cross-validation on the seed corpus, evaluate_detector --cv) unless the model was trained on
enough real labelled messages, in which case calibration.py chose "medium" on out-of-fold scores
of its training messages. The classifier also sees the sender type.

sender_type (optional) is what the phone showed as sender: "brandname" (a registered name such
as VIETCOMBANK), "shortcode" (a 3-6 digit number) or "personal_number". A brandname lowers the
score a little (registered senders are mostly genuine, but fake base stations can spoof them,
so a look-alike link still makes it "high"); a personal number speaking for a bank, an e-wallet
or a state agency raises it, and so does a personal number writing in a registered sender's
format (a balance notice, "soạn tin gửi 1313"): a copy of one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.extract import Found, extract
from indicators.kinds import Kind
from indicators.matcher import MatcherIndex, Verdict, get_matcher
from indicators.normalise import normalise
from lib import budget as cpu
from lib.budget import CpuBudget

from .brands import Brand, brands_mentioned
from .classifier import Combiner, Explanation, Phrase, TrainedModel, get_model
from .lookalike import STRONG, LookalikeResult, score_host, score_url
from .reasons import (
    NOT_SPEAKERS,
    PERSONAL_NOTICE_WEIGHT,
    contact_and_sender_reasons,
    foreign_phone_reasons,
    link_reasons,
    obfuscation_reasons,
    official_hotline,
    personal_notice,
    rule_reasons,
)
from .results import AnalysisPayload, IndicatorResult, Reason, Risk, best_lookalike
from .rules import evaluate
from .text import clean, fold

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

__all__ = [
    "PERSONAL_NOTICE_WEIGHT",
    "SENDER_TYPES",
    "SHORT_WORDS",
    "Analysis",
    "CaseScore",
    "Evidence",
    "analyse_message",
    "combine",
    "score_case_text",
]

MAX_INDICATORS = 30
SENDER_TYPES = ("brandname", "shortcode", "personal_number")

RISK_LABELS: dict[Risk, StrPromise] = {
    "low": gettext_lazy("Rủi ro thấp"),
    "medium": gettext_lazy("Rủi ro trung bình"),
    "high": gettext_lazy("Rủi ro cao"),
}

ADVICE: dict[str, StrPromise] = {
    "listed": gettext_lazy(
        "Đừng bấm link, đừng gọi lại, đừng chuyển tiền: dấu hiệu trong tin nhắn đã được "
        "xác minh là lừa đảo."
    ),
    "lookalike": gettext_lazy(
        "Đừng bấm vào đường link. Muốn xem tài khoản, hãy mở ứng dụng chính thức hoặc "
        "tự gõ địa chỉ {official}."
    ),
    "link": gettext_lazy(
        "Không đăng nhập, không nhập mật khẩu hay mã OTP trên trang mở từ link trong tin nhắn."
    ),
    "secret": gettext_lazy(
        "Không bao giờ đọc, gửi mã OTP, mật khẩu, số thẻ, mã CVV cho bất kỳ ai, kể cả "
        "người xưng là nhân viên ngân hàng hay công an."
    ),
    "safe_account": gettext_lazy(
        "Không chuyển tiền vào tài khoản do người lạ chỉ định. Lỡ chuyển rồi thì gọi "
        "ngay ngân hàng của bạn để chặn giao dịch và báo công an."
    ),
    "police": gettext_lazy(
        "Công an, viện kiểm sát, toà án không làm việc qua điện thoại hay Zalo và không "
        "bảo chuyển tiền. Hãy gọi 113 hoặc đến trụ sở công an gần nhất để hỏi."
    ),
    "debt": gettext_lazy(
        "Không chuyển tiền vào tài khoản cá nhân của người đòi nợ; hỏi tổ chức cho vay qua "
        "tổng đài in trên hợp đồng. Bị đe dọa thì báo công an."
    ),
    "lock": gettext_lazy(
        "Gọi tổng đài chính thức (in trên thẻ, trên trang chính thức) để hỏi; không làm "
        "theo hướng dẫn trong tin nhắn."
    ),
    "urgency": gettext_lazy(
        "Hạn chót gấp là để bạn không kịp nghĩ: dừng lại, hỏi người thân hoặc tổng đài "
        "chính thức trước khi làm gì."
    ),
    "app": gettext_lazy(
        "Chỉ cài ứng dụng từ App Store hoặc Google Play; không cài tệp .apk, không cho người "
        "lạ điều khiển điện thoại."
    ),
    "job": gettext_lazy(
        "Việc làm phải nạp tiền, đặt cọc hay làm “nhiệm vụ” ăn hoa hồng là lừa đảo: đừng nạp "
        "thêm tiền để “rút” tiền."
    ),
    "prize": gettext_lazy(
        "Quà tặng, giải thưởng thật không bắt nộp phí, nộp thuế hay đăng nhập tài khoản "
        "ngân hàng để nhận."
    ),
    "parcel": gettext_lazy(
        "Xem đơn hàng trong ứng dụng của sàn hoặc đơn vị giao hàng; chỉ trả tiền khi nhận "
        "hàng, không chuyển khoản trước cho cá nhân."
    ),
    "fee": gettext_lazy("Đừng nộp bất kỳ khoản phí nào theo tin nhắn này."),
    "loan": gettext_lazy(
        "Chỉ vay ở ngân hàng, công ty tài chính được cấp phép; không nộp phí trước khi giải "
        "ngân, không gửi ảnh căn cước cho người lạ."
    ),
    "investment": gettext_lazy(
        "Không đầu tư theo lời mời qua tin nhắn, nhóm Zalo, Telegram: lợi nhuận cao và "
        "chắc chắn là dấu hiệu lừa đảo."
    ),
    "family": gettext_lazy(
        "Gọi lại cho người thân theo số quen thuộc (hoặc gọi video) trước khi chuyển tiền."
    ),
    "telecom": gettext_lazy(
        "Nâng cấp SIM, chuyển eSIM chỉ làm ở cửa hàng của nhà mạng hoặc trong ứng dụng chính thức."
    ),
    "utility": gettext_lazy(
        "Xem hoá đơn điện, nước trong ứng dụng chính thức hoặc gọi tổng đài của công ty điện, nước."
    ),
    "gambling": gettext_lazy("Cờ bạc trực tuyến là bất hợp pháp; đừng nạp tiền vào các trang này."),
    "refund": gettext_lazy(
        "Hoàn tiền, chuyển nhầm: hãy để ngân hàng xử lý, đừng tự chuyển tiền theo yêu cầu "
        "của người lạ."
    ),
    "contact": gettext_lazy(
        "Liên hệ tổ chức qua tổng đài hoặc kênh chính thức, không qua Zalo, Telegram của cá nhân."
    ),
    "sender": gettext_lazy(
        "Ngân hàng và cơ quan nhà nước không nhắn tin từ số điện thoại cá nhân."
    ),
    "fine": gettext_lazy(
        "Tra cứu phạt nguội trên trang chính thức của Cục Cảnh sát giao thông (csgt.vn) hoặc "
        "trong VNeID; không gọi số lạ, không nộp phạt qua tài khoản cá nhân."
    ),
    "adult": gettext_lazy(
        "Đừng chuyển tiền cọc, đừng gửi ảnh riêng tư cho người lạ; đừng gọi các đầu số 1900 "
        "được mời “tâm sự”."
    ),
    "documents": gettext_lazy(
        "Bằng cấp, giấy tờ chỉ do cơ quan có thẩm quyền cấp; mua giấy tờ giả là phạm pháp và "
        "thường mất tiền cọc."
    ),
}
CLOSING: dict[Risk, StrPromise] = {
    "high": gettext_lazy(
        "Báo tin nhắn này trên Cảnh Giác để cảnh báo người khác, và phản ánh tin nhắn rác, "
        "lừa đảo tới đầu số 5656."
    ),
    "medium": gettext_lazy(
        "Chưa chắc chắn: hãy hỏi lại tổ chức đó qua tổng đài hoặc kênh chính thức trước khi "
        "làm theo."
    ),
    "low": gettext_lazy(
        "Chưa thấy dấu hiệu lừa đảo rõ ràng. Dù vậy, đừng bao giờ đưa mã OTP, mật khẩu cho ai."
    ),
}


@dataclass(frozen=True)
class Analysis:
    text: str
    risk: Risk = "low"
    score: float = 0.0
    z: float = 0.0
    reasons: list[Reason] = field(default_factory=list)
    reassurances: list[Reason] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)
    probability: float = 0.0
    top_phrases: tuple[Phrase, ...] = ()
    brands: list[Brand] = field(default_factory=list)
    sender_type: str | None = None
    listed: bool = False
    evidence: Evidence | None = None

    @property
    def risk_label(self) -> str:
        return str(RISK_LABELS[self.risk])

    @property
    def is_scam(self) -> bool:
        """The verdict that evaluate_detector counts: risk "high"."""
        return self.risk == "high"

    @property
    def headline(self) -> str:
        """ "Rủi ro cao: ..." with the two strongest reasons, for lists and notifications."""
        top = "; ".join(_lower_first(r.text) for r in self.reasons[:2])
        return f"{self.risk_label}: {top}" if top else self.risk_label

    def as_dict(self) -> AnalysisPayload:
        return {
            "risk": self.risk,
            "risk_label": self.risk_label,
            "score": round(self.score, 3),
            "reasons": [r.text for r in self.reasons],
            "reassurances": [r.text for r in self.reassurances],
            "advice": list(self.advice),
            "indicators": [i.as_dict() for i in self.indicators],
            "classifier": {
                "probability": round(self.probability, 3),
                "top_phrases": [p.text for p in self.top_phrases],
            },
        }


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


# A message this short ("A lô", "Bố xong chưa") holds too few words for the classifier to read
# anything in them: its P(scam) is mostly the intercept and the sender type, and a scam has to
# say something (what to do, where, how much). Below SHORT_WORDS words the classifier's log-odds
# count in proportion to the words there are (evaluate_detector --cv on real messages: short
# family messages from personal numbers were the "medium" false alarms, and no labelled scam
# had fewer than a dozen words).
SHORT_WORDS = 12
_LETTER_WORD = re.compile(r"[^\W\d_]{1,40}")


def _text_weight(text: str) -> float:
    return min(1.0, len(_LETTER_WORD.findall(text[:2000])) / SHORT_WORDS)


# --- indicators ------------------------------------------------------------------------------


def _verdict(matcher: MatcherIndex, found: Found) -> Verdict | None:
    try:
        if found.kind == Kind.URL:
            return matcher.check_url(found.value)
        if found.kind in (Kind.DOMAIN, Kind.IP):
            return matcher.check_host(found.value, kind=Kind(found.kind))
        return matcher.check(found.kind, found.value)
    except ValueError:
        return None


def _lookalike(matcher: MatcherIndex, found: Found) -> LookalikeResult | None:
    if found.kind == Kind.URL:
        return score_url(found.value, allowlist=matcher.allowlist)
    if found.kind in (Kind.DOMAIN, Kind.IP):
        return score_host(found.value, allowlist=matcher.allowlist)
    if found.kind == Kind.EMAIL:
        return score_host(found.value.rsplit("@", 1)[1], allowlist=matcher.allowlist)
    return None


# A number written with another country's code ("+855 12 345 678", "(+86) 138 1234 5678"):
# indicators.extract finds Vietnamese numbers only. "00855 ..." is left out: bank accounts start
# with 00 too.
_FOREIGN_PHONE = re.compile(r"(?<![\w+])\(?\+(?!84)[1-9]\d{0,2}\)?(?:[ .\-]?\d){6,14}(?!\d)")


def _with_foreign_phones(text: str, found: list[Found]) -> list[Found]:
    """found plus the foreign numbers in text. The digits after "+855" or "(+86)" next to a
    bank's name read as an account to the extractor: the number wins over such an account."""
    for tried, match in enumerate(_FOREIGN_PHONE.finditer(text)):
        if tried >= MAX_INDICATORS:
            break  # a message of a thousand numbers is judged on its first ones
        overlapping = [f for f in found if f.start < match.end() and match.start() < f.end]
        if any(f.kind != Kind.BANK_ACCOUNT for f in overlapping):
            continue
        try:
            value = normalise(Kind.PHONE, match[0])
        except ValueError:
            continue
        if value.startswith("+84"):
            continue
        found = [f for f in found if f not in overlapping]
        found.append(Found(Kind.PHONE, value, match[0], match.start(), match.end()))
    return found


def _indicators(
    text: str, matcher: MatcherIndex, budget: CpuBudget | None = None
) -> tuple[list[IndicatorResult], list[Found]]:
    results = []
    found_list = _with_foreign_phones(text, extract(text))[:MAX_INDICATORS]
    for found in found_list:
        cpu.check(budget)  # each look-alike score costs; a message may hold 30 links
        verdict = _verdict(matcher, found)
        results.append(
            IndicatorResult(
                kind=str(found.kind.value if hasattr(found.kind, "value") else found.kind),
                value=found.value,
                text=found.text,
                listed=bool(verdict and verdict.listed),
                verdict=verdict.reason if verdict else "",
                lookalike=_lookalike(matcher, found),
            )
        )
    return results, found_list


# --- links and brands ------------------------------------------------------------------------


# Brands named this early in a message are who it speaks for ("[VCB] ...", "Vietcombank thông
# báo: ..."); a name further down is often a payment method or a place ("chuyển qua MoMo").
SPEAKER_CHARS = 60
# People name these as a way to get in touch, not as who is talking ("nhắn Zalo cho em").


def _without_links(folded: str, found: list[Found]) -> str:
    masked = list(folded)
    for item in found:
        if item.kind in (Kind.URL, Kind.DOMAIN, Kind.EMAIL):
            masked[item.start : item.end] = " " * (item.end - item.start)
    return "".join(masked)


def _mentions_outside(text: str) -> tuple[list[Brand], list[Brand]]:
    """Brands the message names outside its links (text: folded, links masked), and those it
    speaks for."""
    mentioned = brands_mentioned(text)
    head = text[:SPEAKER_CHARS] + " " + " ".join(re.findall(r"\[[^\]]{1,30}\]", text))
    speakers = [b for b in brands_mentioned(head) if b.category not in NOT_SPEAKERS]
    return mentioned, speakers


def _hotline_advice(note: Reason) -> str:
    return _(
        "%(note)s Kẻ gian cũng chép số thật vào tin giả: hãy tự gọi số in trên thẻ hoặc trang "
        "chính thức, đừng làm theo đường link hay số khác trong tin."
    ) % {"note": note.text}


# --- putting it together ---------------------------------------------------------------------


def _advice(reasons: list[Reason], risk: Risk, best_brand: Brand | None) -> list[str]:
    advice: list[str] = []
    for reason in reasons:
        lazy = ADVICE.get(reason.category)
        if lazy is None:
            continue
        text = str(lazy)
        if "{official}" in text:
            official = best_brand.official if best_brand else _("trang chính thức")
            text = text.format(official=official)
        if text not in advice:
            advice.append(text)
        if len(advice) >= 4:
            break
    advice.append(str(CLOSING[risk]))
    return advice


@dataclass(frozen=True)
class Evidence:
    """What the analysis adds up (calibration fits the Combiner on these)."""

    logit: float  # of the classifier's P(scam)
    rules: float  # sum of the positive reason weights (rules, links, sender)
    reassurances: float  # sum of the negative ones
    forced: bool  # a listed indicator or a strong look-alike link: "high" whatever the rest


def combine(combiner: Combiner, evidence: Evidence) -> tuple[float, Risk]:
    """The analysis' log-odds and its risk level."""
    z = (
        combiner.bias
        + combiner.classifier * evidence.logit
        + combiner.rules * evidence.rules
        + combiner.reassurances * evidence.reassurances
    )
    if evidence.forced:
        z = max(z, combiner.z_high + 1.0)
    risk: Risk = "high" if z >= combiner.z_high else "medium" if z >= combiner.z_medium else "low"
    return z, risk


@dataclass(frozen=True)
class _Reading:
    """What a message holds: its indicators, the brands it names outside its links, and every
    reason for and against it (rules, links, numbers, sender)."""

    indicators: list[IndicatorResult]
    mentioned: list[Brand]
    reasons: list[Reason]


def _read(
    cleaned: str, sender_type: str | None, matcher: MatcherIndex, budget: CpuBudget | None
) -> _Reading:
    folded = fold(cleaned)
    results, found = _indicators(cleaned, matcher, budget)
    cpu.check(budget)
    hits, codes = evaluate(folded)
    cpu.check(budget)
    unlinked = _without_links(folded, found)
    mentioned, speakers = _mentions_outside(unlinked)
    reasons = (
        link_reasons(results, codes, mentioned, speakers)
        + rule_reasons(hits)
        + contact_and_sender_reasons(results, codes, mentioned, sender_type)
        + foreign_phone_reasons(results, mentioned, speakers)
        + obfuscation_reasons(unlinked)
    )
    if sender_type == "personal_number":
        reasons = personal_notice(reasons)
    return _Reading(results, mentioned, reasons)


def _shown_reasons(reasons: list[Reason], explanation: Explanation) -> list[Reason]:
    """The reasons against a message, strongest first, then what the classifier saw in it."""
    positive = sorted((r for r in reasons if r.weight > 0), key=lambda r: -r.weight)
    positive += [r for r in reasons if r.weight == 0 and r.kind == "lookalike"]
    if explanation.probability >= 0.5 and explanation.phrases:
        quoted = ", ".join("“" + p.text + "”" for p in explanation.phrases[:4])
        positive.append(
            Reason(
                _(
                    "Bộ phân loại tự động thấy tin này giống tin lừa đảo ({percent}%), nhất là "
                    "ở các cụm từ {phrases}."
                ).format(percent=round(100 * explanation.probability), phrases=quoted),
                0.0,
                "classifier",
                "classifier",
            )
        )
    return positive


def analyse_message(
    text: str,
    *,
    sender_type: str | None = None,
    matcher: MatcherIndex | None = None,
    model: TrainedModel | None = None,
    budget: CpuBudget | None = None,
) -> Analysis:
    """The risk of a pasted message, with reasons and advice in plain Vietnamese.

    With a budget, raises lib.budget.BudgetExceeded between steps once it is used up."""
    cleaned = clean(text or "")
    sender_type = sender_type if sender_type in SENDER_TYPES else None
    if not cleaned.strip():
        return Analysis(text=cleaned, sender_type=sender_type, advice=[str(CLOSING["low"])])
    matcher = get_matcher() if matcher is None else matcher
    model = get_model() if model is None else model
    reading = _read(cleaned, sender_type, matcher, budget)
    explanation = model.explain(cleaned, sender_type=sender_type)
    listed = any(r.kind == "listed" for r in reading.reasons)
    best = best_lookalike(reading.indicators)
    evidence = Evidence(
        _logit(explanation.probability) * _text_weight(cleaned),
        sum(r.weight for r in reading.reasons if r.weight > 0),
        sum(r.weight for r in reading.reasons if r.weight < 0),
        listed or (best is not None and best.score >= STRONG),
    )
    z, risk = combine(model.combiner, evidence)
    reasons = _shown_reasons(reading.reasons, explanation)
    reassurances = [r for r in reading.reasons if r.weight < 0]
    advice = _advice(reasons, risk, best.brand if best and best.brand else None)
    note = official_hotline(reading.indicators, reading.mentioned)
    if note is not None:
        _note_hotline(note, risk=risk, reasons=reasons, reassurances=reassurances, advice=advice)
    return Analysis(
        text=cleaned,
        risk=risk,
        score=1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))),
        z=z,
        reasons=reasons,
        reassurances=reassurances,
        advice=advice,
        indicators=reading.indicators,
        probability=explanation.probability,
        top_phrases=explanation.phrases,
        brands=reading.mentioned,
        sender_type=sender_type,
        listed=listed,
        evidence=evidence,
    )


def _note_hotline(
    note: Reason,
    *,
    risk: Risk,
    reasons: list[Reason],
    reassurances: list[Reason],
    advice: list[str],
) -> None:
    """A real hotline reassures only in a message with nothing else against it; in a risky one it
    becomes advice (call that number yourself), and it never changes the score."""
    if risk == "low" and not any(r.weight > 0 for r in reasons):
        reassurances.append(note)
    else:
        advice.insert(max(0, len(advice) - 1), _hotline_advice(note))


@dataclass(frozen=True)
class CaseScore:
    """How dangerous a case looks from the messages people reported with it."""

    score: float
    risk: str
    headline: str


_RISK_RANK = {"low": 0, "medium": 1, "high": 2}


def score_case_text(*, texts: list[str], sender_types: list[str | None] | None = None) -> CaseScore:
    """The priority of a verifiers' case: the most dangerous of its reported messages, a little
    higher for each further message that also looks dangerous. reports orders its queue by
    CaseScore.score (0 to 1, higher first)."""
    analyses = []
    for position, text in enumerate(texts[:20]):
        sender = sender_types[position] if sender_types and position < len(sender_types) else None
        analyses.append(analyse_message(text, sender_type=sender))
    if not analyses:
        return CaseScore(0.0, "low", str(RISK_LABELS["low"]))
    worst = max(analyses, key=lambda a: (_RISK_RANK[a.risk], a.score))
    others = sum(1 for a in analyses if a is not worst and a.risk != "low")
    score = min(1.0, worst.score + 0.01 * others)
    return CaseScore(round(score, 4), worst.risk, worst.headline)
