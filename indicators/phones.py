"""What a phone number is, in words people understand: a Vietnamese mobile and its network, a
landline and its area, a 1800/1900 or short service number, a foreign number and its country;
and whether it is the published hotline of an organisation the project protects.

describe_phone(value) takes the canonical value of the lookup: E.164 ("+84912345678",
"+85512345678") for the phone kind, or the digits of a short code ("113", "5656") that
indicators.normalise gives the sender kind; anything else answers kind "unknown" and never
raises. Everything comes from the libphonenumber metadata (region VN) and data/hotlines.yaml.

Caveats the metadata cannot know:
- the network is the one the number range was assigned to: since 2018 a subscriber may move
  to another network and keep the number (chuyển mạng giữ số);
- landline areas are the provinces the area codes were given to before the 2025 merger (the
  codes did not change): we say the area as the metadata names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers
import yaml
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberType, carrier, shortnumberinfo

HOTLINES_FILE = Path(__file__).resolve().parent / "data" / "hotlines.yaml"

KINDS = ("mobile", "landline", "service", "foreign", "unknown")

# The countries scam calls to Vietnam most often come from, in Vietnamese; any other country is
# named by its ISO region code.
COUNTRY_NAMES = {
    "KH": "Campuchia",
    "LA": "Lào",
    "CN": "Trung Quốc",
    "HK": "Hồng Kông",
    "MO": "Ma Cao",
    "TW": "Đài Loan",
    "MM": "Myanmar",
    "TH": "Thái Lan",
    "PH": "Philippines",
    "ID": "Indonesia",
    "MY": "Malaysia",
    "SG": "Singapore",
    "TL": "Đông Timor",
    "KR": "Hàn Quốc",
    "JP": "Nhật Bản",
    "IN": "Ấn Độ",
    "PK": "Pakistan",
    "BD": "Bangladesh",
    "AE": "Các Tiểu vương quốc Ả Rập Thống nhất",
    "RU": "Nga",
    "US": "Hoa Kỳ",
    "CA": "Canada",
    "GB": "Anh",
    "FR": "Pháp",
    "DE": "Đức",
    "AU": "Úc",
    "NG": "Nigeria",
}
# The metadata's spelling -> the brand as the operators write it.
NETWORK_NAMES = {
    "Vinaphone": "VinaPhone",
    "G-Mobile": "Gmobile",
    "Indochina Telecom": "Itelecom",
}
# "Thủ đô Hà Nội", "Thành phố Hải Phòng", "TP Đà Nẵng", "Tỉnh Bắc Kạn": the metadata mixes
# styles; "ở Hà Nội", "ở TP Hải Phòng" read best.
_AREA_PREFIX = re.compile(r"^(?:Thủ đô|Tỉnh)\s+")
_CITY_PREFIX = re.compile(r"^Thành phố\s+")
_SHORT = re.compile(r"\d{3,6}")
_E164 = re.compile(r"\+\d{4,15}")


@dataclass(frozen=True)
class PhoneInfo:
    kind: str  # one of KINDS
    label: str  # "số di động Viettel", "tổng đài 1900 (tính cước cao)", ...
    network: str | None = None
    area: str | None = None
    country: str | None = None
    hotline_of: str | None = None  # display name of the organisation whose hotline this is
    hotline_brand_key: str | None = None  # its key in detection/data/brands.yaml, if a brand
    note: str | None = None  # a caveat or warning worth a second sentence


# --- the hotline data file -----------------------------------------------------------------


@dataclass(frozen=True)
class Hotline:
    number: str  # canonical: E.164 or short-code digits
    brand: str | None  # brands.yaml key; None for an agency that is no brand (113, 5656)
    name: str


def canonical_hotline(raw: object) -> str:
    """The canonical value of a number as written in hotlines.yaml ("1900 545413", "113");
    ValueError when it is neither a valid Vietnamese number nor a short code."""
    text = re.sub(r"[\s.\-]", "", str(raw))
    if _SHORT.fullmatch(text):
        return text
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        raise ValueError(f"hotlines.yaml: {raw!r} is no phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"hotlines.yaml: {raw!r} is no valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@cache
def hotlines() -> dict[str, Hotline]:
    """Canonical number -> the organisation that publishes it."""
    data = yaml.safe_load(HOTLINES_FILE.read_text(encoding="utf-8"))
    table: dict[str, Hotline] = {}
    for item in data["hotlines"]:
        for raw in item["numbers"]:
            number = canonical_hotline(raw)
            if number in table:
                raise ValueError(f"hotlines.yaml: {raw!r} twice")
            table[number] = Hotline(number, item.get("brand"), item["name"])
    return table


def hotline_brand(e164: str) -> tuple[str | None, str] | None:
    """(brands.yaml key or None for an agency, display name) when the number is a published
    hotline; None otherwise."""
    found = hotlines().get(_canonical_or_none(e164) or "")
    return (found.brand, found.name) if found else None


def _canonical_or_none(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = re.sub(r"[\s.\-()]", "", value)[:32]
    if _SHORT.fullmatch(text) or _E164.fullmatch(text):
        return text
    try:
        return canonical_hotline(text)
    except ValueError:
        return None


# --- describing a number -------------------------------------------------------------------


def country_name(region: str | None) -> str | None:
    if not region or region == "ZZ":
        return None
    return COUNTRY_NAMES.get(region, region)


def _with_hotline(info: PhoneInfo, canonical: str) -> PhoneInfo:
    found = hotlines().get(canonical)
    if found is None:
        return info
    return PhoneInfo(
        kind=info.kind,
        label=info.label,
        network=info.network,
        area=info.area,
        country=info.country,
        hotline_of=found.name,
        hotline_brand_key=found.brand,
        note=info.note,
    )


def _short(digits: str) -> PhoneInfo:
    if shortnumberinfo.is_emergency_number(digits, "VN"):
        return PhoneInfo("service", _("số khẩn cấp %(number)s") % {"number": digits})
    return PhoneInfo("service", _("đầu số ngắn %(number)s") % {"number": digits})


def _foreign(number: phonenumbers.PhoneNumber) -> PhoneInfo:
    region = phonenumbers.region_code_for_number(number)
    if region in (None, "ZZ"):
        # A parsed number has a country code; 0, like a missing one, names no region ("ZZ").
        region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    country = country_name(region) or f"+{number.country_code}"
    return PhoneInfo(
        "foreign",
        _("số nước ngoài (%(country)s)") % {"country": country},
        country=country,
        note=_(
            "Ngân hàng, cơ quan nhà nước và nhà mạng Việt Nam không gọi hay nhắn cho bạn từ số "
            "nước ngoài."
        ),
    )


def _mobile(number: phonenumbers.PhoneNumber) -> PhoneInfo:
    network = carrier.name_for_number(number, "vi") or None
    network = NETWORK_NAMES.get(network, network) if network else None
    label = _("số di động %(network)s") % {"network": network} if network else _("số di động")
    return PhoneInfo(
        "mobile",
        label,
        network=network,
        note=_("Nhà mạng theo đầu số; thuê bao có thể đã chuyển mạng giữ số."),
    )


def _landline(number: phonenumbers.PhoneNumber) -> PhoneInfo:
    # The geocoder's tables take 0.4 s to import: loaded by the first landline described, not
    # by every process that starts.
    from phonenumbers import geocoder

    area = geocoder.description_for_number(number, "vi") or None
    area = _CITY_PREFIX.sub("TP ", _AREA_PREFIX.sub("", area)) if area else None
    if area is None or area in ("Việt Nam", "Vietnam"):
        return PhoneInfo("landline", _("số cố định"))
    return PhoneInfo("landline", _("số cố định ở %(area)s") % {"area": area}, area=area)


def _service(number: phonenumbers.PhoneNumber, kind: int) -> PhoneInfo:
    if kind == PhoneNumberType.TOLL_FREE:
        return PhoneInfo("service", _("tổng đài 1800 (miễn phí)"))
    if kind == PhoneNumberType.PREMIUM_RATE:
        return PhoneInfo(
            "service",
            _("tổng đài 1900 (tính cước cao)"),
            note=_(
                "Gọi hay nhắn tin tới đầu số 1900 tính cước cao hơn cuộc gọi thường; chỉ gọi "
                "số 1900 mà bạn biết chắc là của tổ chức đó."
            ),
        )
    return PhoneInfo("service", _("số dịch vụ dùng chung"))


def _vietnamese(number: phonenumbers.PhoneNumber) -> PhoneInfo:
    if not phonenumbers.is_valid_number(number):
        return PhoneInfo("unknown", _("số không hợp lệ ở Việt Nam"))
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE:
        return _mobile(number)
    if kind == PhoneNumberType.FIXED_LINE:
        return _landline(number)
    if kind in (PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UAN):
        return _service(number, kind)
    if kind == PhoneNumberType.VOIP:
        return PhoneInfo("unknown", _("số điện thoại Internet (VoIP)"))
    return PhoneInfo("unknown", _("số điện thoại"))


def describe_phone(e164: str) -> PhoneInfo:
    """What the number is; kind "unknown" for anything that is no number. Never raises."""
    if not isinstance(e164, str):
        return PhoneInfo("unknown", _("không phải số điện thoại"))
    text = re.sub(r"[\s.\-()]", "", e164.strip())[:32]
    if _SHORT.fullmatch(text):  # the sender kind's short codes: "113", "5656"
        return _with_hotline(_short(text), text)
    if not _E164.fullmatch(text):
        text = _canonical_or_none(text) or ""
        if not text.startswith("+"):
            return PhoneInfo("unknown", _("không phải số điện thoại"))
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return PhoneInfo("unknown", _("không phải số điện thoại"))
    if number.country_code != 84:
        if not phonenumbers.is_possible_number(number):
            return PhoneInfo("unknown", _("không phải số điện thoại"))
        return _foreign(number)
    canonical = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = str(number.national_number)
    if _SHORT.fullmatch(national) and not phonenumbers.is_valid_number(number):
        # "+84113": a short code someone wrote with the country code
        return _with_hotline(_short(national), national)
    return _with_hotline(_vietnamese(number), canonical)
