"""A small list for lookup tests: what is listed, allowlisted, and on shared platforms."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.services import allow_name, list_indicator

LISTED_DOMAIN = "vcb-xac-thuc.com"
LISTED_URL = "http://sites.google.com/view/nhan-qua-tri-an"  # a page on a shared platform
LISTED_PHONE = "0912345678"
LISTED_ACCOUNT = "Vietcombank 0071000986547"
LISTED_EMAIL = "hotro.vcb@gmail.com"
ALLOWLISTED_LISTED = "chinhphu.vn"  # listed by mistake; the allowlist keeps it out of blocklists
ALLOWED_UNDER_LISTED = "tra-cuu.vcb-xac-thuc.com"  # a never-block name under a listed domain


@dataclass
class Listed:
    domain: object
    url: object
    phone: object
    account: object
    email: object
    allowlisted: object


def build_list() -> Listed:
    domain = list_indicator(
        kind="domain",
        value=LISTED_DOMAIN,
        category="phishing",
        risk="high",
        public_reason="Giả mạo trang đăng nhập Vietcombank để lấy mật khẩu và OTP.",
    )
    url = list_indicator(
        kind="url",
        value=LISTED_URL,
        category="scam",
        public_reason="Trang nhận quà tri ân giả, đòi phí vận chuyển.",
    )
    phone = list_indicator(kind="phone", value=LISTED_PHONE, category="impersonation")
    account = list_indicator(kind="bank_account", value=LISTED_ACCOUNT, category="scam")
    email = list_indicator(kind="email", value=LISTED_EMAIL, category="phishing")
    allowlisted = list_indicator(kind="domain", value=ALLOWLISTED_LISTED, category="other")
    allow_name(name=ALLOWED_UNDER_LISTED, include_subdomains=True, note="thử")
    return Listed(domain, url, phone, account, email, allowlisted)
