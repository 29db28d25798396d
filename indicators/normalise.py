"""One canonical value for each indicator, whatever way people wrote or pasted it.

normalise(kind, raw) returns the canonical value or raises ValueError whose message (Vietnamese)
says what is wrong; it raises nothing else, for any input. guess_kind(raw) tells which kind a
single pasted value is. Canonical forms:

    url             Safe Browsing canonical URL, http or https: "http://ehoaq.com/dang-nhap"
    domain          lower-case ASCII (punycode) host name: "ehoaq.com", "xn--cccc-5qa.vn"
    ip              "195.127.0.11", "2001:db8::1"
    phone           E.164: "+84867256447"
    sender          upper-case SMS brandname or short code: "VIETCOMBANK", "9029"
    bank_account    "CODE:digits" with the bank code of data/banks.json: "VCB:0071000986547"
    email           "hotro.vcb@gmail.com"
    social_profile  "facebook.com/bvchoray", "zalo.me/0912345678", "t.me/abc", "tiktok.com/@abc"
    crypto_wallet   the address; hex and bech32 lower-cased
"""

import ipaddress
import re

import phonenumbers

from lib.text import clean_line

from .banks import bank_mentions, fold, parse_account
from .crypto import normalise_wallet
from .kinds import Kind
from .social import PLATFORM_HOSTS, normalise_social
from .urlcanon import (
    CanonicalUrl,
    canonical_parts,
    clean_url_parts,
    parse_ipv4,
    public_suffix,
    refang,
    refang_url,
)

MAX_LENGTH = 2048

_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?")
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def _clean(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError("Giá trị phải là một chuỗi ký tự.")
    # Whitespace around the value (a tab or line break copied from a spreadsheet) goes; inside
    # it, NUL, control characters, lone surrogates and bidi controls are refused (lib.text):
    # an indicator is one line, and a bidi override would make it read as another.
    text = clean_line(raw.strip())
    text = _INVISIBLE.sub("", text).strip()  # clean_line gave NFC
    if not text:
        raise ValueError("Chưa nhập giá trị.")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"Giá trị quá dài (tối đa {MAX_LENGTH} ký tự).")
    return text


def _check_host_name(host: str) -> str:
    """A host name that can exist on the Internet: LDH labels under a known public suffix."""
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise ValueError(
            f"“{host}” không phải tên miền hợp lệ (chỉ gồm chữ, số, dấu chấm, gạch ngang)."
        )
    if "." not in host or public_suffix(host) is None:
        raise ValueError(f"“{host}” không có đuôi tên miền hợp lệ (như .vn, .com).")
    return host


def normalise_url(text: str) -> str:
    text = refang_url(text)
    scheme = _HAS_SCHEME.match(text)
    if scheme and scheme[0].lower() not in ("http://", "https://"):
        raise ValueError("Chỉ kiểm tra được đường dẫn web bắt đầu bằng http:// hoặc https://.")
    return _url_of(canonical_parts(text))


def _url_of(parts: CanonicalUrl) -> str:
    if not parts.host:
        raise ValueError("Đường dẫn thiếu tên miền.")
    if not parts.is_ip:
        _check_host_name(parts.host)
    url = str(parts)
    if len(url) > MAX_LENGTH:
        raise ValueError(f"Đường dẫn quá dài (tối đa {MAX_LENGTH} ký tự).")
    return url


def normalise_domain(text: str) -> str:
    text = refang(text)
    if text.startswith("*."):
        text = text[2:]
    if "@" in text and not _HAS_SCHEME.match(text) and "/" not in text:
        # The part after @ is a host only inside a URL; reducing "scam..er@bidv-hotro.vn" to
        # its domain would block everybody's mail at that domain.
        raise ValueError(f"“{text[:80]}” có dấu @: đây là địa chỉ email, không phải tên miền.")
    parts = canonical_parts(text if _HAS_SCHEME.match(text) else "http://" + text)
    if parts.is_ip:
        raise ValueError("Đây là địa chỉ IP, không phải tên miền; hãy chọn loại “Địa chỉ IP”.")
    if not parts.host:
        raise ValueError("Chưa thấy tên miền.")
    return _check_host_name(parts.host)


def normalise_ip(text: str) -> str:
    text = refang(text).strip("[]")
    ip = parse_ipv4(text)
    if ip is not None:
        return ip
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        raise ValueError(f"“{text}” không phải địa chỉ IP hợp lệ.") from None


def normalise_phone(text: str) -> str:
    text = re.sub(r"^(?:tel|sms|zalo):", "", text, flags=re.IGNORECASE).strip()
    if re.search(r"[^\d\s+().\-/]", text):
        raise ValueError("Số điện thoại chỉ gồm chữ số (có thể có dấu +, dấu cách, dấu chấm).")
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        raise ValueError(f"“{text}” không phải số điện thoại.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"“{text}” không phải số điện thoại hợp lệ (sai đầu số hoặc sai số chữ số)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SHORT_CODE = re.compile(r"\d{3,6}")
_BRANDNAME = re.compile(r"[A-Z0-9][A-Z0-9 ._&\-]{0,10}")


def normalise_sender(text: str) -> str:
    name = re.sub(r"\s+", " ", fold(text).upper()).strip()
    compact = re.sub(r"[\s.\-]", "", name)
    if compact.isdigit():
        if _SHORT_CODE.fullmatch(compact):
            return compact
        raise ValueError(
            "Đầu số ngắn có từ 3 đến 6 chữ số; số dài hơn là số điện thoại, hãy chọn loại "
            "“Số điện thoại”."
        )
    if not name.isascii() or not _BRANDNAME.fullmatch(name) or not re.search("[A-Z]", name):
        raise ValueError(
            "Tên người gửi SMS (brandname) gồm tối đa 11 chữ cái hoặc chữ số, ví dụ VIETCOMBANK."
        )
    return name


_EMAIL = re.compile(r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64})@([^@\s]+)")


def normalise_email(text: str) -> str:
    text = re.sub(r"\s*[\[(]\s*(?:at|@)\s*[\])]\s*", "@", refang(text), flags=re.IGNORECASE)
    text = re.sub(r"^mailto:", "", text, flags=re.IGNORECASE)
    match = _EMAIL.fullmatch(text)
    if not match:
        raise ValueError("Địa chỉ email có dạng tên@tênmiền, ví dụ hotro@example.com.")
    local, domain = match[1], match[2]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError("Phần trước @ của email không được bắt đầu, kết thúc bằng dấu chấm.")
    return f"{local.lower()}@{normalise_domain(domain)}"


def normalise_account(text: str) -> str:
    return parse_account(text)


_NORMALISERS = {
    Kind.URL: normalise_url,
    Kind.DOMAIN: normalise_domain,
    Kind.IP: normalise_ip,
    Kind.PHONE: normalise_phone,
    Kind.SENDER: normalise_sender,
    Kind.BANK_ACCOUNT: normalise_account,
    Kind.EMAIL: normalise_email,
    Kind.SOCIAL_PROFILE: normalise_social,
    Kind.CRYPTO_WALLET: normalise_wallet,
}


def to_kind(kind: object) -> Kind:
    if isinstance(kind, str):  # Kind's values are strings: nothing else is one
        try:
            return Kind(kind)
        except ValueError:
            pass
    raise ValueError(f"Loại dấu hiệu không hợp lệ: {kind!r}.")


def normalise(kind: Kind | str, raw: str) -> str:
    """The canonical value of raw as an indicator of this kind; ValueError when it is not one."""
    kind = to_kind(kind)
    if kind is Kind.URL and isinstance(raw, str) and len(raw) <= MAX_LENGTH:
        # Most URLs machines send are clean already: cleaning and refanging would leave them as
        # they are (test_normalise_fast_path.py checks it), so only the host is checked.
        parts = clean_url_parts(raw)
        if parts is not None:
            return _url_of(parts)
    return _NORMALISERS[kind](_clean(raw))


# --- guessing the kind of one pasted value ---------------------------------------------------

_PHONE_LIKE = re.compile(r"[\d\s+().\-]+")
_IPV4_DOTTED = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _try(kind: Kind, text: str) -> bool:
    try:
        _NORMALISERS[kind](text)
    except ValueError:
        return False
    return True


_LEADING_RUN = re.compile(r"[^\s/]*+")


def _host_then_slash(text: str) -> bool:
    r"""Does the text start with a dotted name and a slash ("ehoaq.com/x")? The same answer as
    re.match(r"[^\s/]+\.[^\s/]+/", text) in one pass: that pattern tried every dot of a long
    run without spaces ("." * 2000) and read on to the run's end from each."""
    leading = _LEADING_RUN.match(text)
    assert leading is not None  # the pattern matches the empty string too
    run = leading.end()
    return run >= 3 and text[run : run + 1] == "/" and "." in text[1 : run - 1]


def guess_kind(raw: str) -> Kind:
    """Which kind of indicator one pasted value is; ValueError when it is none we know."""
    text = _clean(raw)
    plain = refang(text)
    if "@" in plain and not _HAS_SCHEME.match(plain) and "/" not in plain:
        # An email or an error (normalise_email's message): never the domain after the @.
        normalise_email(text)
        return Kind.EMAIL
    if _try(Kind.CRYPTO_WALLET, text):
        return Kind.CRYPTO_WALLET
    looks_web = _HAS_SCHEME.match(plain) or _host_then_slash(plain)
    if looks_web:
        host = canonical_parts(plain).host
        if host in PLATFORM_HOSTS and _try(Kind.SOCIAL_PROFILE, text):
            return Kind.SOCIAL_PROFILE
        if _try(Kind.URL, text):
            return Kind.URL
    if bank_mentions(text) and re.search(r"\d{5}", text) and _try(Kind.BANK_ACCOUNT, text):
        return Kind.BANK_ACCOUNT
    if (_IPV4_DOTTED.fullmatch(plain) or ":" in plain) and _try(Kind.IP, text):
        return Kind.IP
    if _PHONE_LIKE.fullmatch(text):
        if _try(Kind.PHONE, text):
            return Kind.PHONE
        if _SHORT_CODE.fullmatch(re.sub(r"[\s.\-]", "", text)):
            return Kind.SENDER
        raise ValueError(
            "Dãy số này không phải số điện thoại Việt Nam hợp lệ; nếu là số tài khoản, hãy ghi "
            "kèm tên ngân hàng, ví dụ “Vietcombank 0071000986547”."
        )
    if "." in plain and " " not in plain and _try(Kind.DOMAIN, text):
        return Kind.DOMAIN
    if "." not in text and _try(Kind.SENDER, text):
        return Kind.SENDER
    raise ValueError(
        "Không nhận ra đây là đường dẫn, tên miền, số điện thoại, số tài khoản, email hay tài "
        "khoản mạng xã hội."
    )


def normalise_any(raw: str) -> tuple[Kind, str]:
    """(kind, canonical value) for one pasted value of unknown kind."""
    kind = guess_kind(raw)
    return kind, normalise(kind, raw)
