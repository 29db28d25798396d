"""The reasons an analysis gives, from what was found in a message: its links (listed, look-alike,
away from the brand it speaks for), its phone numbers and accounts, its sender, the rules it
triggers. Each reason carries a weight in log-odds; analysis.py adds them up."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _

from indicators.kinds import Kind
from indicators.phones import describe_phone, hotline_brand

from .brands import FINANCIAL_OR_STATE, Brand
from .lookalike import STRONG, SUSPICIOUS, LookalikeResult
from .results import IndicatorResult, Reason, best_lookalike
from .rules import OBFUSCATION_MIN, RuleHit, broken_words

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

_HOTLINE = re.compile(r"^\+84(?:1[89]00|2\d{8,9})")  # 1800/1900 and landlines

# People name these as a way to get in touch, not as who is talking ("nhắn Zalo cho em").
NOT_SPEAKERS = frozenset({"social", "game"})

# --- links -----------------------------------------------------------------------------------

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


def _lookalike_reasons(results: list[IndicatorResult]) -> list[Reason]:
    """What the most suspicious link looks like (two reasons at most, for that one link)."""
    best = best_lookalike(results)
    if best is not None and best.score >= SUSPICIOUS:
        reasons = []
        weight = 4.0 if best.score >= STRONG else 2.0
        for text in best.reasons[:2]:
            reasons.append(Reason(text, weight, "lookalike", "lookalike", "lookalike"))
            weight = 0.0  # the second reason explains the same link
        return reasons
    if best is not None and best.score > 0:
        weight = 1.0 if "shortener" in best.codes or "free_hosting" in best.codes else 0.6
        return [Reason(best.reasons[0], weight, "lookalike", "weak_link", "link")]
    return []


def _first_brand(brands: list[Brand]) -> Brand | None:
    """The first bank, e-wallet or agency of `brands`, else the first of them."""
    money = [b for b in brands if b.category in FINANCIAL_OR_STATE]
    chosen = money or brands
    return chosen[0] if chosen else None


def _away_weight(brand: Brand) -> float:
    """A message speaking for `brand` that sends people elsewhere (a link, a foreign number):
    more when money or the state is at stake."""
    return 2.0 if brand.category in FINANCIAL_OR_STATE else 1.2


def _brand_link_mismatch(unknown: list[LookalikeResult], speakers: list[Brand]) -> Reason | None:
    """The message speaks for a brand (a bank or agency first) and links elsewhere, to a page
    that is not even a look-alike of that brand (which its own reason already explains)."""
    speaking_for = _first_brand(speakers)
    if speaking_for is None:
        return None
    if any(
        link.brand and link.brand.key == speaking_for.key and link.score >= SUSPICIOUS
        for link in unknown
    ):
        return None
    return Reason(
        _(
            "Tin nhắn nhân danh {brand} nhưng đường link dẫn tới {host}, không phải "
            "trang chính thức {official}."
        ).format(brand=speaking_for.name, host=unknown[0].host, official=speaking_for.official),
        _away_weight(speaking_for),
        "link",
        "brand_link_mismatch",
        "lookalike",
    )


def _unknown_link_reasons(
    unknown: list[LookalikeResult], codes: set[str], speakers: list[Brand], lookalike: bool
) -> list[Reason]:
    """Links to pages of no organisation we know (lookalike: a look-alike reason was given)."""
    host = unknown[0].host
    mismatch = _brand_link_mismatch(unknown, speakers)
    reasons = [mismatch] if mismatch is not None else []
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
    elif not lookalike:
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
    return reasons


def _official_link_reasons(official: list[LookalikeResult], mentioned: list[Brand]) -> list[Reason]:
    names = {link.brand.key for link in official if link.brand}
    for brand in mentioned:
        if brand.key in names:
            return [
                Reason(
                    _("Đường link dẫn tới trang chính thức của {brand}.").format(brand=brand.name),
                    -1.0,
                    "link",
                    "official_link",
                    "ordinary",
                )
            ]
    return []


def link_reasons(
    results: list[IndicatorResult], codes: set[str], mentioned: list[Brand], speakers: list[Brand]
) -> list[Reason]:
    """The reasons of a message's links: listed, look-alike, to an unknown page while speaking
    for a brand, or to the official page of a brand it names (a reassurance)."""
    reasons = _search_reasons(results)
    reasons += [Reason(r.verdict, 10.0, "listed", "listed", "listed") for r in results if r.listed]
    reasons += _lookalike_reasons(results)
    web = [r.lookalike for r in results if r.lookalike is not None and r.kind != Kind.EMAIL]
    unknown = [link for link in web if not link.official]
    official = [link for link in web if link.official]
    if unknown:
        lookalike = any(r.kind == "lookalike" for r in reasons)
        reasons += _unknown_link_reasons(unknown, codes, speakers, lookalike)
    elif official and mentioned:
        reasons += _official_link_reasons(official, mentioned)
    return reasons


# --- phone numbers, accounts, senders ----------------------------------------------------------


def _personal_sender_reason(
    results: list[IndicatorResult], codes: set[str], official_like: list[Brand]
) -> Reason | None:
    if official_like:
        return Reason(
            _(
                "Tin nhắn nhân danh {brand} nhưng gửi từ số điện thoại cá nhân: ngân hàng và "
                "cơ quan nhà nước chỉ nhắn tin bằng tên thương hiệu hoặc đầu số ngắn."
            ).format(brand=official_like[0].name),
            1.5,
            "sender",
            "personal_sender",
            "sender",
        )
    if codes & FRAUD_OFFER_CODES:
        return Reason(
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
    if codes & OFFER_CODES or any(r.lookalike and not r.lookalike.official for r in results):
        return Reason(
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
    return None


def _sender_reason(
    results: list[IndicatorResult],
    codes: set[str],
    official_like: list[Brand],
    sender_type: str | None,
) -> Reason | None:
    if sender_type == "personal_number":
        return _personal_sender_reason(results, codes, official_like)
    if sender_type == "brandname":
        return Reason(
            _(
                "Tin nhắn gửi từ tên thương hiệu (brandname) đã đăng ký; kẻ gian vẫn có thể "
                "giả tên này bằng trạm phát sóng giả, nên nội dung vẫn được xem xét."
            ),
            -1.0,
            "sender",
            "brandname_sender",
            "ordinary",
        )
    if sender_type == "shortcode":
        return Reason(
            _("Tin nhắn gửi từ đầu số ngắn của nhà mạng hoặc dịch vụ."),
            -0.5,
            "sender",
            "shortcode_sender",
            "ordinary",
        )
    return None


def _contact_reasons(
    results: list[IndicatorResult], codes: set[str], official_like: list[Brand]
) -> list[Reason]:
    """A mobile number to call for a bank or agency; an account to send money to."""
    reasons: list[Reason] = []
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
    return reasons


def contact_and_sender_reasons(
    results: list[IndicatorResult], codes: set[str], mentioned: list[Brand], sender_type: str | None
) -> list[Reason]:
    """The reasons of the numbers and accounts in a message, then of who sent it."""
    official_like = [b for b in mentioned if b.category in FINANCIAL_OR_STATE]
    reasons = _contact_reasons(results, codes, official_like)
    sender = _sender_reason(results, codes, official_like, sender_type)
    return reasons if sender is None else [*reasons, sender]


def personal_notice(reasons: list[Reason]) -> list[Reason]:
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
    return _first_brand(
        [
            b
            for b in speakers + mentioned
            if b.category not in NOT_SPEAKERS and b.key not in INTERNATIONAL
        ]
    )


def foreign_phone_reasons(
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
            _away_weight(brand),
            "rule",
            "foreign_phone",
            "contact",
        )
    ]


def official_hotline(results: list[IndicatorResult], mentioned: list[Brand]) -> Reason | None:
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


# --- the text itself ---------------------------------------------------------------------------


def obfuscation_reasons(unlinked: str) -> list[Reason]:
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


def rule_reasons(hits: list[RuleHit]) -> list[Reason]:
    return [
        Reason(str(hit.rule.reason), hit.weight, "rule", hit.code, hit.rule.category)
        for hit in hits
    ]
