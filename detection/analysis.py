"""Analysis of one pasted SMS or chat message: risk level, reasons, advice.

analyse_message(text) finds the message's indicators (indicators.extract), looks each up in
the list (the in-memory matcher), scores links and email domains for look-alikes of protected
brands, applies the rules (rules.py) and the classifier (classifier.py), and adds it all up in
log-odds:

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
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.extract import Found, extract
from indicators.kinds import Kind
from indicators.matcher import MatcherIndex, Verdict, get_matcher
from indicators.normalise import normalise
from indicators.phones import describe_phone, hotline_brand
from lib import budget as cpu
from lib.budget import CpuBudget

from .brands import FINANCIAL_OR_STATE, Brand, brands_mentioned
from .classifier import Combiner, Phrase, TrainedModel, get_model
from .lookalike import STRONG, SUSPICIOUS, LookalikeResult, score_host, score_url
from .rules import OBFUSCATION_MIN, RuleHit, broken_words, evaluate
from .text import clean, fold

MAX_INDICATORS = 30
SENDER_TYPES = ("brandname", "shortcode", "personal_number")
# Offers that businesses must send under a registered brandname (advertising rules).
OFFER_CODES = frozenset(
    {
        "loan",
        "job_offer",
        "task_scam",
        "prize",
        "gambling",
        "investment",
        "off_channel",
        "adult_service",
        "fake_documents",
        "real_estate",
    }
)
# Of those, what no honest sender offers at all, from any number: a prize that was never
# entered, betting, "investment" returns, paid tasks, sex, forged papers. A personal SIM sending
# them is not an advertiser breaking the rules but a crook.
FRAUD_OFFER_CODES = frozenset(
    {"prize", "gambling", "investment", "task_scam", "adult_service", "fake_documents"}
)
# Formats of a genuine notice (an OTP, a balance alert, "call 1900 ...", "at our store"): they
# reassure only when a registered sender could have sent them. A personal number cannot be one:
# a bank's notice copied into its text is a spoof, and its "call our hotline" proves nothing.
NOTICE_CODES = frozenset({"otp_notice", "balance_notice", "official_channel"})
# Such a format from a personal number is a copy of a registered sender's message (a spoof), a
# sign on its own, but a weaker one than a bank or agency named from a personal number.
PERSONAL_NOTICE_WEIGHT = 1.0

RISK_LABELS = {
    "low": gettext_lazy("Rủi ro thấp"),
    "medium": gettext_lazy("Rủi ro trung bình"),
    "high": gettext_lazy("Rủi ro cao"),
}

ADVICE = {
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
CLOSING = {
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
class Reason:
    text: str
    weight: float
    kind: str  # listed, lookalike, link, rule, sender, classifier
    code: str
    category: str = ""


@dataclass
class IndicatorResult:
    kind: str
    value: str
    text: str
    listed: bool = False
    verdict: str = ""
    lookalike: LookalikeResult | None = None

    def as_dict(self) -> dict:
        data = {
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


@dataclass
class Analysis:
    text: str
    risk: str = "low"
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

    def as_dict(self) -> dict:
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

_HOTLINE = re.compile(r"^\+84(?:1[89]00|2\d{8,9})")  # 1800/1900 and landlines


# Brands named this early in a message are who it speaks for ("[VCB] ...", "Vietcombank thông
# báo: ..."); a name further down is often a payment method or a place ("chuyển qua MoMo").
SPEAKER_CHARS = 60
# People name these as a way to get in touch, not as who is talking ("nhắn Zalo cho em").
NOT_SPEAKERS = frozenset({"social", "game"})


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


_SEARCH_HOST = re.compile(r"^(?:www\.)?(?:google\.[a-z.]{2,6}|bing\.com|coccoc\.com)$")
_DOMAIN_IN_QUERY = re.compile(r"(?<![\w.-])([a-z0-9-]{2,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,12})\b")


def _searched_site(url: str) -> str | None:
    """The site a search-engine link looks up ("google.com/search?q=cash88.com" -> cash88.com):
    links like that pass filters that block the site's own address."""
    parts = urlsplit(url)
    if not _SEARCH_HOST.match((parts.hostname or "").lower()):
        return None
    if parts.path.rstrip("/") not in ("/search", "/url"):
        return None
    for key in ("q", "query", "url"):
        for value in parse_qs(parts.query).get(key, [])[:1]:
            match = _DOMAIN_IN_QUERY.search(value.lower()[:300])
            if match:
                return match[1]
    return None


def _search_reasons(results: list[IndicatorResult]) -> list[Reason]:
    for item in results:
        site = _searched_site(item.value) if item.kind == Kind.URL else None
        if site:
            return [
                Reason(
                    _(
                        "Đường link không dẫn thẳng tới trang mà là trang tìm kiếm {site}: kẻ gian "
                        "làm vậy để lách bộ lọc chặn link lừa đảo."
                    ).format(site=site),
                    1.5,
                    "link",
                    "search_link",
                    "link",
                )
            ]
    return []


def _link_reasons(
    results: list[IndicatorResult], codes: set[str], mentioned: list[Brand], speakers: list[Brand]
) -> list[Reason]:
    reasons: list[Reason] = _search_reasons(results)
    web = [r for r in results if r.lookalike is not None and r.kind != Kind.EMAIL]
    for item in results:
        if item.listed:
            reasons.append(Reason(item.verdict, 10.0, "listed", "listed", "listed"))
    best = max((r.lookalike for r in results if r.lookalike), key=lambda x: x.score, default=None)
    if best is not None and best.score >= SUSPICIOUS:
        weight = 4.0 if best.score >= STRONG else 2.0
        for text in best.reasons[:2]:
            reasons.append(Reason(text, weight, "lookalike", "lookalike", "lookalike"))
            weight = 0.0  # the second reason explains the same link
    elif best is not None and best.score > 0:
        weight = 1.0 if "shortener" in best.codes or "free_hosting" in best.codes else 0.6
        reasons.append(Reason(best.reasons[0], weight, "lookalike", "weak_link", "link"))
    unknown = [r for r in web if not r.lookalike.official]  # type: ignore[union-attr]
    official = [r for r in web if r.lookalike.official]  # type: ignore[union-attr]
    if unknown:
        host = unknown[0].lookalike.host  # type: ignore[union-attr]
        money_brands = [b for b in speakers if b.category in FINANCIAL_OR_STATE]
        speaking_for = money_brands[0] if money_brands else (speakers[0] if speakers else None)
        if speaking_for is not None and not any(
            r.lookalike.brand
            and r.lookalike.brand.key == speaking_for.key  # type: ignore[union-attr]
            and r.lookalike.score >= SUSPICIOUS  # type: ignore[union-attr]
            for r in unknown
        ):
            reasons.append(
                Reason(
                    _(
                        "Tin nhắn nhân danh {brand} nhưng đường link dẫn tới {host}, không phải "
                        "trang chính thức {official}."
                    ).format(brand=speaking_for.name, host=host, official=speaking_for.official),
                    2.0 if speaking_for.category in FINANCIAL_OR_STATE else 1.2,
                    "link",
                    "brand_link_mismatch",
                    "lookalike",
                )
            )
        if "act_on_link" in codes:
            reasons.append(
                Reason(
                    _(
                        "Tin nhắn bảo bấm vào đường link lạ ({host}) để đăng nhập, xác minh, nhận "
                        "tiền hay thanh toán: trang như vậy thường lấy cắp tài khoản."
                    ).format(host=host),
                    1.5,
                    "link",
                    "link_action",
                    "link",
                )
            )
            if "identity_update" in codes:
                reasons.append(
                    Reason(
                        _(
                            "Cập nhật căn cước, sinh trắc học, định danh qua đường link là thủ "
                            "đoạn phổ biến: ngân hàng và công an chỉ làm việc này trong ứng dụng "
                            "chính thức hoặc tại quầy."
                        ),
                        1.0,
                        "link",
                        "identity_link",
                        "link",
                    )
                )
        elif not reasons or all(r.kind != "lookalike" for r in reasons):
            reasons.append(
                Reason(
                    _(
                        "Tin nhắn có đường link tới {host}, không phải trang của một tổ chức quen "
                        "thuộc."
                    ).format(host=host),
                    0.5,
                    "link",
                    "unknown_link",
                    "link",
                )
            )
    elif official and mentioned:
        names = {r.lookalike.brand.key for r in official if r.lookalike.brand}  # type: ignore[union-attr]
        for brand in mentioned:
            if brand.key in names:
                reasons.append(
                    Reason(
                        _("Đường link dẫn tới trang chính thức của {brand}.").format(
                            brand=brand.name
                        ),
                        -1.0,
                        "link",
                        "official_link",
                        "ordinary",
                    )
                )
                break
    return reasons


def _contact_reasons(
    results: list[IndicatorResult], codes: set[str], mentioned: list[Brand], sender_type: str | None
) -> list[Reason]:
    reasons: list[Reason] = []
    official_like = [b for b in mentioned if b.category in FINANCIAL_OR_STATE]
    mobiles = [
        r
        for r in results
        if r.kind == Kind.PHONE and r.value.startswith("+84") and not _HOTLINE.match(r.value)
    ]
    if official_like and mobiles:
        reasons.append(
            Reason(
                _(
                    "Tin nhắn nhân danh {brand} nhưng bảo liên hệ số di động {phone}: tổ chức "
                    "thật dùng tổng đài, không dùng số cá nhân."
                ).format(brand=official_like[0].name, phone=mobiles[0].text),
                1.2,
                "rule",
                "personal_contact",
                "contact",
            )
        )
    accounts = [r for r in results if r.kind == Kind.BANK_ACCOUNT]
    if accounts and codes & {"transfer_request", "fee", "safe_account", "personal_account"}:
        reasons.append(
            Reason(
                _("Tin nhắn bảo chuyển tiền vào tài khoản {account}.").format(
                    account=accounts[0].text
                ),
                0.8,
                "rule",
                "account_transfer",
                "safe_account",
            )
        )
    if sender_type == "personal_number" and official_like:
        reasons.append(
            Reason(
                _(
                    "Tin nhắn nhân danh {brand} nhưng gửi từ số điện thoại cá nhân: ngân hàng và "
                    "cơ quan nhà nước chỉ nhắn tin bằng tên thương hiệu hoặc đầu số ngắn."
                ).format(brand=official_like[0].name),
                1.5,
                "sender",
                "personal_sender",
                "sender",
            )
        )
    elif sender_type == "personal_number" and codes & FRAUD_OFFER_CODES:
        reasons.append(
            Reason(
                _(
                    "Tin báo trúng thưởng, mời cá cược, đầu tư, làm nhiệm vụ hay dịch vụ tình dục "
                    "gửi từ số điện thoại cá nhân: không doanh nghiệp đàng hoàng nào mời như vậy, "
                    "đây là dấu hiệu lừa đảo."
                ),
                2.0,
                "sender",
                "personal_fraud_offer",
                "sender",
            )
        )
    elif sender_type == "personal_number" and (
        codes & OFFER_CODES or any(r.lookalike and not r.lookalike.official for r in results)
    ):
        reasons.append(
            Reason(
                _(
                    "Tin mời chào (vay tiền, việc làm, quà, đầu tư, đường link) gửi từ số điện "
                    "thoại cá nhân: doanh nghiệp thật phải nhắn bằng tên thương hiệu đã đăng ký, "
                    "tin như vậy là tin rác và thường là lừa đảo."
                ),
                # Advertising from a personal SIM is unlawful spam in Vietnam (Decree 91/2020):
                # honest businesses cannot send it, so it weighs as much as a brand spoken for
                # from a personal number.
                1.5,
                "sender",
                "personal_offer",
                "sender",
            )
        )
    elif sender_type == "brandname":
        reasons.append(
            Reason(
                _(
                    "Tin nhắn gửi từ tên thương hiệu (brandname) đã đăng ký; kẻ gian vẫn có thể "
                    "giả tên này bằng trạm phát sóng giả, nên nội dung vẫn được xem xét."
                ),
                -1.0,
                "sender",
                "brandname_sender",
                "ordinary",
            )
        )
    elif sender_type == "shortcode":
        reasons.append(
            Reason(
                _("Tin nhắn gửi từ đầu số ngắn của nhà mạng hoặc dịch vụ."),
                -0.5,
                "sender",
                "shortcode_sender",
                "ordinary",
            )
        )
    return reasons


def _personal_notice(reasons: list[Reason]) -> list[Reason]:
    """A personal number's reasons: the formats of a registered sender (an OTP or balance
    notice, "soạn tin gửi 1313", "gọi 1800 ...") no longer reassure, they betray a copy. Only
    banks, carriers and registered advertisers write them, from a brandname or a short code;
    the same text from a personal SIM imitates one of them."""
    kept = [r for r in reasons if r.code not in NOTICE_CODES]
    if len(kept) == len(reasons):
        return reasons
    kept.append(
        Reason(
            _(
                "Tin nhắn viết theo mẫu của ngân hàng, nhà mạng hay doanh nghiệp (thông báo số "
                "dư, mã OTP, soạn tin gửi đầu số ngắn, tổng đài) nhưng gửi từ số điện thoại cá "
                "nhân: tin thật của họ chỉ gửi bằng tên thương hiệu hoặc đầu số ngắn."
            ),
            PERSONAL_NOTICE_WEIGHT,
            "sender",
            "personal_notice",
            "sender",
        )
    )
    return kept


# International brands whose staff may well call from abroad: a foreign number proves little.
INTERNATIONAL = frozenset({"dhl", "hsbc"})


def _vietnamese_brand(mentioned: list[Brand], speakers: list[Brand]) -> Brand | None:
    """The Vietnamese organisation a message speaks for (or, failing that, names): the one that
    would give a Vietnamese number, never a foreign one."""
    candidates = [
        b
        for b in speakers + mentioned
        if b.category not in NOT_SPEAKERS and b.key not in INTERNATIONAL
    ]
    money = [b for b in candidates if b.category in FINANCIAL_OR_STATE]
    return (money or candidates or [None])[0]


def _foreign_phone_reasons(
    results: list[IndicatorResult], mentioned: list[Brand], speakers: list[Brand]
) -> list[Reason]:
    phones = [r for r in results if r.kind == Kind.PHONE and not r.value.startswith("+84")]
    brand = _vietnamese_brand(mentioned, speakers) if phones else None
    if brand is None:
        return []
    info = describe_phone(phones[0].value)
    if info.kind != "foreign":
        return []
    return [
        Reason(
            _(
                "Tin nhắn nhân danh %(brand)s nhưng đưa số điện thoại nước ngoài (%(country)s) "
                "%(phone)s: tổ chức Việt Nam dùng tổng đài trong nước, không dùng số nước ngoài."
            )
            % {"brand": brand.name, "country": info.country, "phone": phones[0].text},
            # As much as a link away from the brand's site: the call is where the money goes.
            2.0 if brand.category in FINANCIAL_OR_STATE else 1.2,
            "rule",
            "foreign_phone",
            "contact",
        )
    ]


def _official_hotline(results: list[IndicatorResult], mentioned: list[Brand]) -> Reason | None:
    """A note when the message gives the published hotline of a brand it names. Never a weight:
    scammers copy real hotlines into fake messages too."""
    keys = {b.key for b in mentioned}
    for item in results:
        found = hotline_brand(item.value) if item.kind == Kind.PHONE else None
        if found and found[0] in keys:
            return Reason(
                _("Số %(phone)s trong tin nhắn là tổng đài chính thức của %(brand)s.")
                % {"phone": item.text, "brand": found[1]},
                0.0,
                "phone",
                "official_hotline",
                "ordinary",
            )
    return None


def _hotline_advice(note: Reason) -> str:
    return _(
        "%(note)s Kẻ gian cũng chép số thật vào tin giả: hãy tự gọi số in trên thẻ hoặc trang "
        "chính thức, đừng làm theo đường link hay số khác trong tin."
    ) % {"note": note.text}


def _obfuscation_reasons(unlinked: str) -> list[Reason]:
    if broken_words(unlinked) < OBFUSCATION_MIN:
        return []
    return [
        Reason(
            _(
                "Chữ trong tin nhắn bị cố tình viết méo (chèn dấu lạ, thay chữ bằng số) để lọt qua "
                "bộ lọc tin rác: tin quảng cáo thật không viết như vậy."
            ),
            2.0,
            "rule",
            "obfuscated",
            "spam",
        )
    ]


def _rule_reasons(hits: list[RuleHit]) -> list[Reason]:
    return [
        Reason(str(hit.rule.reason), hit.weight, "rule", hit.code, hit.rule.category)
        for hit in hits
    ]


# --- putting it together ---------------------------------------------------------------------


def _advice(reasons: list[Reason], risk: str, best_brand: Brand | None) -> list[str]:
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


def combine(combiner: Combiner, evidence: Evidence) -> tuple[float, str]:
    """The analysis' log-odds and its risk level."""
    z = (
        combiner.bias
        + combiner.classifier * evidence.logit
        + combiner.rules * evidence.rules
        + combiner.reassurances * evidence.reassurances
    )
    if evidence.forced:
        z = max(z, combiner.z_high + 1.0)
    risk = "high" if z >= combiner.z_high else "medium" if z >= combiner.z_medium else "low"
    return z, risk


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
    analysis = Analysis(text=cleaned, sender_type=sender_type)
    if not cleaned.strip():
        analysis.advice = [str(CLOSING["low"])]
        return analysis
    matcher = get_matcher() if matcher is None else matcher
    model = get_model() if model is None else model
    folded = fold(cleaned)
    results, found = _indicators(cleaned, matcher, budget)
    cpu.check(budget)
    hits, codes = evaluate(folded)
    cpu.check(budget)
    unlinked = _without_links(folded, found)
    mentioned, speakers = _mentions_outside(unlinked)
    explanation = model.explain(cleaned, sender_type=sender_type)

    all_reasons = (
        _link_reasons(results, codes, mentioned, speakers)
        + _rule_reasons(hits)
        + _contact_reasons(results, codes, mentioned, sender_type)
        + _foreign_phone_reasons(results, mentioned, speakers)
        + _obfuscation_reasons(unlinked)
    )
    if sender_type == "personal_number":
        all_reasons = _personal_notice(all_reasons)
    listed = any(r.kind == "listed" for r in all_reasons)
    best = max((r.lookalike for r in results if r.lookalike), key=lambda x: x.score, default=None)
    evidence = Evidence(
        _logit(explanation.probability) * _text_weight(cleaned),
        sum(r.weight for r in all_reasons if r.weight > 0),
        sum(r.weight for r in all_reasons if r.weight < 0),
        listed or (best is not None and best.score >= STRONG),
    )
    z, risk = combine(model.combiner, evidence)
    analysis.evidence = evidence

    positive = sorted((r for r in all_reasons if r.weight > 0), key=lambda r: -r.weight)
    positive += [r for r in all_reasons if r.weight == 0 and r.kind == "lookalike"]
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
    analysis.reasons = positive
    analysis.reassurances = [r for r in all_reasons if r.weight < 0]
    analysis.risk = risk
    analysis.z = z
    analysis.score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    analysis.indicators = results
    analysis.probability = explanation.probability
    analysis.top_phrases = explanation.phrases
    analysis.brands = mentioned
    analysis.listed = listed
    analysis.advice = _advice(positive, risk, best.brand if best and best.brand else None)
    _note_hotline(analysis, _official_hotline(results, mentioned))
    return analysis


def _note_hotline(analysis: Analysis, note: Reason | None) -> None:
    """A real hotline reassures only in a message with nothing else against it; in a risky one it
    becomes advice (call that number yourself), and it never changes the score."""
    if note is None:
        return
    if analysis.risk == "low" and not any(r.weight > 0 for r in analysis.reasons):
        analysis.reassurances.append(note)
    else:
        analysis.advice.insert(max(0, len(analysis.advice) - 1), _hotline_advice(note))


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
