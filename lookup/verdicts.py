"""What the list says about what people and machines ask about: one value, many, or a message.

A value's status is one of:

    listed        on the list, or under a listed domain or URL (category, reason, since when)
    not_listed    nothing known: "chưa có thông tin", never "safe"
    allowlisted   a domain (or a site's home page) that is an official site or a shared platform,
                  never blocked as a whole; a page deeper on such a host is "not_listed" with
                  `allowlisted` true, because anyone can make a page on a shared platform
    invalid       not a value of any kind we know (error says why, in Vietnamese)

The status keeps that meaning for partners; `verdict` is the answer people see, one of four:

    listed        on the list (red)
    suspicious    not listed, but the look-alike scorer flags it: "Có dấu hiệu giả mạo
                  Vietcombank", with the scorer's reasons and the brand's official address (orange)
    official      allowlisted (a domain or a site's home page), a brand's own domain, or a
                  brand's official hotline (green)
    unknown       nothing known yet (yellow: "chưa có thông tin", never "safe")

Every URL, domain and email address also goes through the look-alike scorer
(lookup.lookalikes, cached per host); phone numbers get what indicators.phones says they are.

Checks run on the process-wide in-memory matcher (indicators.matcher): no query per value. Only
details for people (public reason, since when, how many reports) are read from the database,
in one query for all listed values of a page or a single check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypedDict

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from detection.brands import FINANCIAL_OR_STATE, Brand, brands, official_domains
from detection.lookalike import LOOKALIKE_SCRIPTS, LookalikeResult, _scripts, _unicode_label
from indicators.extract import extract
from indicators.kinds import Kind
from indicators.matcher import MatcherIndex, Verdict, get_matcher
from indicators.models import Category, Indicator
from indicators.normalise import normalise, normalise_any, to_kind
from indicators.phones import PhoneInfo, describe_phone
from indicators.social import PLATFORM_HOSTS
from indicators.urlcanon import canonical_parts
from lib import budget as cpu
from lib.budget import CpuBudget
from reports.models import Report

from .lookalikes import lookalike_for

if TYPE_CHECKING:
    from detection.analysis import Analysis

LISTED = "listed"
NOT_LISTED = "not_listed"
ALLOWLISTED = "allowlisted"
INVALID = "invalid"
# The four verdicts (an invalid value's verdict is "invalid").
SUSPICIOUS = "suspicious"
OFFICIAL = "official"
UNKNOWN = "unknown"
# Brands on whose own domains anyone may make a page or a shop: a deep page there is not theirs.
SHARED_CATEGORIES = frozenset({"social", "shop"})
SCRIPT_LABELS = {
    "LATIN": gettext_noop("Latinh"),
    "CYRILLIC": gettext_noop("Kirin (Cyrillic)"),
    "GREEK": gettext_noop("Hy Lạp"),
    "ARMENIAN": gettext_noop("Armenia"),
    "CHEROKEE": gettext_noop("Cherokee"),
    "COPTIC": gettext_noop("Copt"),
    "LISU": gettext_noop("Lisu"),
    "CJK": gettext_noop("Hán"),
    "HIRAGANA": gettext_noop("Nhật (Hiragana)"),
    "KATAKANA": gettext_noop("Nhật (Katakana)"),
    "HANGUL": gettext_noop("Hàn (Hangul)"),
    "THAI": gettext_noop("Thái"),
    "ARABIC": gettext_noop("Ả Rập"),
    "HEBREW": gettext_noop("Do Thái (Hebrew)"),
    "GEORGIAN": gettext_noop("Gruzia"),
}

MAX_VALUE_CHARS = 2048
MAX_MESSAGE_CHARS = 5000
MAX_FOUND = 30  # indicators shown for one message
MESSAGE_WORDS = 5  # this many words or more: a message, not a value

_WEB_SCHEME = re.compile(r"\s*https?://", re.IGNORECASE)
_CATEGORY_LABELS = dict(Category.choices)


class PhoneJson(TypedDict):
    """What a phone number is, as the API answers it (lookup.api.PhoneOut documents it)."""

    kind: str
    label: str
    network: str | None
    area: str | None
    country: str | None
    hotline_of: str | None
    note: str | None


class VerdictJson(TypedDict):
    """One verdict as the batch API answers it (lookup.api.VerdictOut documents it)."""

    kind: str | None
    value: str | None
    status: str
    verdict: str
    reasons: list[str]
    brand: str | None
    brand_official: str | None
    display_value: str | None
    mixed_scripts: list[str]
    phone: PhoneJson | None
    listed: bool
    allowlisted: bool
    match: str | None
    category: str | None
    matched_kind: str | None
    matched_value: str | None
    error: str | None


class ListingDetails(TypedDict):
    """What add_details reads for a listed value: shown to people and to a single check."""

    public_reason: str
    risk: str
    listed_at: datetime | None
    report_count: int


@dataclass(slots=True)
class Check:
    """The answer for one value. `details` (public reason, since, report count) is filled by
    add_details() for listed values shown to people or asked singly."""

    raw: str
    status: str
    kind: str | None = None
    value: str | None = None
    listed: bool = False
    allowlisted: bool = False
    match: str | None = None  # exact, subdomain, url_prefix, email_domain
    category: str | None = None
    matched_pk: int | None = None
    matched_kind: str | None = None
    matched_value: str | None = None
    error: str = ""
    details: ListingDetails | None = None
    lookalike: LookalikeResult | None = None  # url, domain, email: the look-alike scorer's answer
    phone: PhoneInfo | None = None  # phone: what the number is (network, area, hotline of …)

    @property
    def category_label(self) -> str | None:
        return str(_CATEGORY_LABELS[self.category]) if self.category in _CATEGORY_LABELS else None

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind else ""

    @property
    def host(self) -> str | None:
        if self.kind == Kind.URL and self.value:
            return canonical_parts(self.value).host
        return self.value if self.kind == Kind.DOMAIN else None

    @property
    def verdict(self) -> str:
        """listed, suspicious, official or unknown (invalid for an invalid value)."""
        if self.status in (INVALID, LISTED):
            return self.status
        if self.status == ALLOWLISTED:
            return OFFICIAL
        found = self.lookalike
        if found is not None and found.flagged:
            return SUSPICIOUS
        if found is not None and found.official and self._own_site(found):
            return OFFICIAL
        if self.phone is not None and self.phone.hotline_of:
            return OFFICIAL
        return UNKNOWN

    def _own_site(self, found: LookalikeResult) -> bool:
        """The scorer calls the host official: is the checked value the brand's own, too?"""
        if found.host == "gov.vn" or found.host.endswith(".gov.vn"):
            return self.kind != Kind.EMAIL  # a state address can be anyone's name on a form
        brand = found.brand
        if brand is None:
            return False  # on the allowlist only (a school, a platform): not a brand's own page
        if self.kind == Kind.EMAIL:
            # gmail.com and outlook.com are Google's and Microsoft's, their addresses anyone's.
            return brand.category in FINANCIAL_OR_STATE
        # A page deeper on a shared platform (facebook.com/some-page) is whoever made it.
        return not (self.allowlisted and brand.category in SHARED_CATEGORIES)

    @property
    def brand(self) -> Brand | None:
        """The brand imitated (suspicious), owning the domain (official) or the hotline."""
        if self.lookalike is not None and self.lookalike.brand is not None:
            if self.lookalike.flagged or self.verdict == OFFICIAL:
                return self.lookalike.brand
        key = self.phone.hotline_brand_key if self.phone is not None else None
        return brands().get(key) if key else None

    @property
    def brand_name(self) -> str | None:
        if self.brand is not None:
            return self.brand.name
        return self.phone.hotline_of if self.phone is not None else None

    @property
    def reasons(self) -> list[str]:
        """The scorer's reasons, in plain Vietnamese, when it flags the value."""
        if self.lookalike is None or not self.lookalike.flagged:
            return []
        return self.lookalike.reasons

    @property
    def display_host(self) -> str | None:
        """The host as people read it: Unicode for an IDN ("xn--…" labels), else None."""
        if not self.value or "xn--" not in self.value:
            return None  # the common case, without taking the URL apart
        host = self._web_host
        if not host or "xn--" not in host:
            return None
        return ".".join(_unicode_label(label) for label in host.split("."))

    @property
    def display_value(self) -> str | None:
        """The value with its host in Unicode (the value itself when nothing to decode)."""
        shown, host = self.display_host, self._web_host
        if not shown or not self.value or not host:
            return self.value
        return self.value.replace(host, shown, 1)

    @property
    def mixed_scripts(self) -> list[str]:
        """The writing systems an IDN host mixes (["LATIN", "CYRILLIC"]); [] for one only."""
        shown = self.display_host
        if not shown:
            return []
        scripts = set().union(*(_scripts(label) for label in shown.split(".")))
        scripts = {"CJK" if s.startswith("CJK") else s for s in scripts}
        if len(scripts) < 2:
            return []
        # Latin first, then the look-alike scripts, then the others: the order the card says.
        return sorted(scripts, key=lambda s: (s != "LATIN", s not in LOOKALIKE_SCRIPTS, s))

    @property
    def mixed_scripts_text(self) -> str:
        """ "Tên miền trộn chữ Latinh và Kirin (Cyrillic)", or "" when the host mixes nothing."""
        names = [
            str(_(SCRIPT_LABELS[s])) if s in SCRIPT_LABELS else s.title()
            for s in self.mixed_scripts
        ]
        if not names:
            return ""
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + _(" và ") + names[-1]
        return _("Tên miền trộn chữ %(scripts)s") % {"scripts": joined}

    @property
    def _web_host(self) -> str | None:
        if self.kind == Kind.EMAIL and self.value:
            return self.value.rpartition("@")[2]
        return self.host

    @property
    def phone_label(self) -> str:
        return self.phone.label if self.phone is not None else ""

    def phone_json(self) -> PhoneJson | None:
        phone = self.phone
        if phone is None:
            return None
        return {
            "kind": phone.kind,
            "label": phone.label,
            "network": phone.network,
            "area": phone.area,
            "country": phone.country,
            "hotline_of": phone.hotline_of,
            "note": phone.note,
        }

    def as_json(self) -> VerdictJson:
        """The verdict as the batch API answers it (the single check adds more)."""
        # The batch API answers up to 1,000 of these per request: only an IDN, a flagged or an
        # official value or a phone number costs more than reading the fields.
        found, idn = self.lookalike, self.value is not None and "xn--" in self.value
        plain = self.phone is None and not idn and (found is None or not found.brand)
        data = self._plain_json()
        if plain and (found is None or not found.flagged):
            return data
        brand = self.brand
        data["reasons"] = self.reasons
        data["brand"] = self.brand_name
        data["brand_official"] = brand.official if brand is not None else None
        data["display_value"] = self.display_value
        data["mixed_scripts"] = self.mixed_scripts
        data["phone"] = self.phone_json()
        return data

    def _plain_json(self) -> VerdictJson:
        """as_json of a value the scorer has nothing to say about (most of a batch), in one go."""
        return {
            "kind": self.kind,
            "value": self.value,
            "status": self.status,
            "verdict": self.verdict,
            "reasons": [],
            "brand": None,
            "brand_official": None,
            "display_value": self.value,
            "mixed_scripts": [],
            "phone": None,
            "listed": self.listed,
            "allowlisted": self.allowlisted,
            "match": self.match,
            "category": self.category,
            "matched_kind": self.matched_kind,
            "matched_value": self.matched_value,
            "error": self.error or None,
        }

    def message(self) -> str:
        """One sentence in plain Vietnamese (translated) that says what the status means."""
        values = {"value": self.value, "matched": self.matched_value, "host": self.host}
        if self.status == INVALID:
            return self.error
        if self.status == LISTED:
            return self._listed_message(values)
        if self.status == ALLOWLISTED:
            return (
                _(
                    "%(host)s là trang chính thức hoặc nền tảng dùng chung, không bao giờ bị chặn "
                    "cả tên miền."
                )
                % values
            )
        return self._unlisted_message(values)

    def _listed_message(self, values: dict[str, str | None]) -> str:
        """The sentence for a listed value: what matched it, in the words of the match."""
        if self.match == "subdomain":
            text = _(
                "%(value)s thuộc tên miền %(matched)s, tên miền này có trong danh sách cảnh báo."
            )
        elif self.match == "url_prefix":
            text = _(
                "%(value)s nằm dưới địa chỉ %(matched)s, địa chỉ này có trong danh sách cảnh báo."
            )
        elif self.match == "email_domain":
            text = _(
                "Email %(value)s dùng tên miền %(matched)s, tên miền này có trong danh sách cảnh báo."
            )
        elif self.matched_value and self.matched_value != self.value:
            text = _("%(value)s là %(matched)s, có trong danh sách cảnh báo.")
        else:
            text = _("%(value)s có trong danh sách cảnh báo.")
        return text % values

    def _unlisted_message(self, values: dict[str, str | None]) -> str:
        verdict = self.verdict
        values["brand"] = self.brand_name
        if verdict == SUSPICIOUS:
            values["value"] = self.display_value  # "vietcombаnk.com.vn" as people see it
            if values["brand"]:
                text = _(
                    "%(value)s chưa có trong danh sách cảnh báo, nhưng có dấu hiệu giả mạo "
                    "%(brand)s: đừng nhập mật khẩu, mã OTP hay thông tin thẻ vào đó."
                )
            else:
                text = _(
                    "%(value)s chưa có trong danh sách cảnh báo, nhưng có dấu hiệu của trang lừa "
                    "đảo: đừng nhập mật khẩu, mã OTP hay thông tin thẻ vào đó."
                )
            return text % values
        if verdict == OFFICIAL and self.kind == Kind.PHONE:
            return _("%(value)s: đây là tổng đài chính thức của %(brand)s.") % values
        if verdict == OFFICIAL and values["brand"]:
            text = _("%(value)s thuộc tên miền chính thức của %(brand)s.")
            if self.kind == Kind.EMAIL:
                text = _("Email %(value)s dùng tên miền chính thức của %(brand)s.")
            return text % values
        if verdict == OFFICIAL:
            return _("%(value)s thuộc tên miền của cơ quan nhà nước (.gov.vn).") % values
        if self.allowlisted:
            return (
                _(
                    "Chưa có thông tin về địa chỉ %(value)s. Địa chỉ này nằm trên %(host)s, một "
                    "trang chính thức hoặc nền tảng dùng chung: trên nền tảng dùng chung ai cũng "
                    "tạo được trang, hãy xem kỹ đó có đúng là trang bạn cần không."
                )
                % values
            )
        return _("Chưa có thông tin về %(value)s trong danh sách cảnh báo.") % values


def classify(raw: str, kind: Kind | str | None = None) -> tuple[Kind, str]:
    """(kind, canonical value) of one value; ValueError (Vietnamese) when it is none we know.

    A web address of http or https (the bulk of batch checks) skips the kind guessing, unless
    its host is a social network, where it may name a profile.
    """
    if kind:
        kind = to_kind(kind)
        return kind, normalise(kind, raw)
    if _WEB_SCHEME.match(raw):
        try:
            value = normalise(Kind.URL, raw)
        except ValueError:
            pass
        else:
            if canonical_parts(value).host not in PLATFORM_HOSTS:
                return Kind.URL, value
    return normalise_any(raw)


def _set_listed(check: Check, verdict: Verdict, *, match: str) -> None:
    check.status, check.listed, check.match = LISTED, True, match
    check.category = verdict.category
    check.matched_pk = verdict.matched_pk
    check.matched_kind = verdict.matched_kind
    check.matched_value = verdict.matched_value


def _from_verdict(raw: str, kind: Kind, value: str, verdict: Verdict) -> Check:
    check = Check(raw=raw, status=NOT_LISTED, kind=kind.value, value=value)
    if verdict.listed:
        _set_listed(check, verdict, match=verdict.match or "exact")
        return check
    check.allowlisted = verdict.allowlisted
    if verdict.allowlisted:
        if kind == Kind.DOMAIN:
            check.status = ALLOWLISTED
        elif kind == Kind.URL:
            parts = canonical_parts(value)
            if parts.path == "/" and not parts.query:
                check.status = ALLOWLISTED
    return check


def check_value(
    raw: str,
    kind: Kind | str | None = None,
    *,
    index: MatcherIndex | None = None,
    score_listed: bool = True,
) -> Check:
    """The verdict for one value as people or machines write it. Never raises.

    score_listed=False skips the look-alike scorer for a listed value, whose verdict it cannot
    change (the batch API: the brand a listed site imitates is for people, not resolvers)."""
    if not isinstance(raw, str):
        return Check(raw="", status=INVALID, error=_("Giá trị phải là một chuỗi ký tự."))
    if len(raw) > MAX_VALUE_CHARS:
        error = _("Giá trị quá dài (tối đa %(n)d ký tự).") % {"n": MAX_VALUE_CHARS}
        return Check(raw=raw[:100], status=INVALID, error=error)
    try:
        kind, value = classify(raw, kind)
    except ValueError as error:
        return Check(raw=raw, status=INVALID, error=str(error))
    index = index if index is not None else get_matcher()
    if kind == Kind.URL:
        verdict = index.check_url(value)
    elif kind in (Kind.DOMAIN, Kind.IP):
        verdict = index.check_host(value, kind=kind)
    else:
        verdict = index.check(kind, value)
    check = _from_verdict(raw, kind, value, verdict)
    if kind == Kind.EMAIL and not check.listed:
        check = _email_domain(raw, value, index)
    if kind == Kind.PHONE or (kind == Kind.SENDER and value.isdigit()):
        check.phone = describe_phone(value)
    elif score_listed or not check.listed:
        # The matcher has just said whether the allowlist covers the host: not asked again.
        known = not check.listed and kind in (Kind.URL, Kind.DOMAIN)
        check.lookalike = _lookalike(kind, value, index, check.allowlisted if known else None)
    return check


def _lookalike(
    kind: Kind, value: str, index: MatcherIndex, covered: bool | None
) -> LookalikeResult | None:
    found = lookalike_for(kind.value, value, allowlist=index.allowlist, covered=covered)
    if found is not None and found.official and found.brand is None:
        # The allowlist answers "official" before the scorer names the brand: name it here.
        found.brand = _owner(found.host)
    return found


def _owner(host: str) -> Brand | None:
    """The brand whose official domain is the host or a parent of it."""
    domains = official_domains()
    labels = host.split(".")
    for i in range(len(labels) - 1):
        brand = domains.get(".".join(labels[i:]))
        if brand is not None:
            return brand
    return None


def _email_domain(raw: str, email: str, index: MatcherIndex) -> Check:
    """An address at a listed domain is listed; an address at gmail.com is no official one."""
    domain = email.rpartition("@")[2]
    verdict = index.check_host(domain, kind=Kind.DOMAIN)
    check = Check(raw=raw, status=NOT_LISTED, kind=Kind.EMAIL.value, value=email)
    if verdict.listed:
        _set_listed(check, verdict, match="email_domain")
    return check


# A value to check: as written (its kind guessed), or with the kind the client gave.
Item = str | tuple[str, Kind | str | None]


def check_many(
    values: Sequence[Item],
    *,
    index: MatcherIndex | None = None,
    budget: CpuBudget | None = None,
    score_listed: bool = True,
) -> list[Check]:
    """Verdicts for many values, in order: each a string, or a (value, kind) pair.

    With a budget, raises lib.budget.BudgetExceeded between values once it is used up."""
    index = index if index is not None else get_matcher()
    result: list[Check] = []
    for item in values:
        cpu.check(budget)
        if isinstance(item, tuple):
            raw, kind = item
        else:
            raw, kind = item, None
        result.append(check_value(raw, kind, index=index, score_listed=score_listed))
    return result


def add_details(checks: list[Check]) -> None:
    """Public reason, risk, since when and how many reports, for every listed check: one query.

    Plain SQL (portable: a correlated count): the ORM's version of the same query takes 20
    times longer to build than the database takes to answer it, on the API's hot path.
    """
    pks = sorted({c.matched_pk for c in checks if c.listed and c.matched_pk is not None})
    if not pks:
        return
    quote = connection.ops.quote_name
    indicators = quote(Indicator._meta.db_table)
    links = quote(Report.indicators.through._meta.db_table)
    sql = (
        f"SELECT i.id, i.public_reason, i.risk, i.listed_at, "  # noqa: S608 (names, not input)
        f"(SELECT COUNT(*) FROM {links} r WHERE r.indicator_id = i.id) "
        f"FROM {indicators} i WHERE i.id IN ({', '.join(['%s'] * len(pks))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, pks)
        rows = cursor.fetchall()
    by_pk: dict[int, ListingDetails] = {
        pk: {"public_reason": reason, "risk": risk, "listed_at": _aware(at), "report_count": n}
        for pk, reason, risk, at, n in rows
    }
    for check in checks:
        if check.listed and check.matched_pk in by_pk:
            check.details = by_pk[check.matched_pk]


def _aware(value: datetime | str | None) -> datetime | None:
    """A timestamp read by plain SQL: SQLite gives it naive (in UTC) or as text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


# --- what people paste into the check page ----------------------------------------------------


def looks_like_message(text: str) -> bool:
    return "\n" in text.strip() or len(text.split()) >= MESSAGE_WORDS


@dataclass
class PageResult:
    """The check page's answer: one value, or a message with what was found in it."""

    text: str
    single: Check | None = None
    found: list[Check] = field(default_factory=list)
    is_message: bool = False
    error: str = ""
    analysis: Analysis | None = None  # a message's: detection's analysis of it

    @property
    def checks(self) -> list[Check]:
        return [self.single] if self.single else self.found

    @property
    def any_listed(self) -> bool:
        return any(c.listed for c in self.checks)


def check_text(text: str, *, index: MatcherIndex | None = None) -> PageResult:
    """A value, or a whole message: each indicator found in it is checked."""
    text = text.strip()
    result = PageResult(text=text)
    if len(text) > MAX_MESSAGE_CHARS:
        result.error = _("Nội dung quá dài (tối đa %(n)d ký tự).") % {"n": MAX_MESSAGE_CHARS}
        return result
    index = index if index is not None else get_matcher()
    if not looks_like_message(text):
        single = check_value(text, index=index)
        if single.status != INVALID:
            result.single = single
            add_details([single])
            return result
        if " " not in text:
            result.error = single.error
            return result
    result.is_message = True
    found = extract(text)[:MAX_FOUND]
    result.found = check_many([(f.value, f.kind) for f in found], index=index)
    # A value that extract() found but that does not check (rare) is left out, not shown as an
    # error: the person pasted a message, not that value.
    result.found = [c for c in result.found if c.status != INVALID]
    add_details(result.found)
    return result
