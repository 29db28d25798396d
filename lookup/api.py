"""The lookup API: single and batch checks, and the privacy-preserving hash-prefix check.

No key is needed: without one, per-address limits apply (LOOKUP_API_RATE_PER_IP single checks,
LOOKUP_BATCH_RATE_PER_IP batches, LOOKUP_HASH_RATE_PER_IP hash requests a minute). A partner
sends its key in X-Api-Key and gets its own rate_per_minute instead, counted over all lookup
requests and feeds. The hash endpoints need no key either: what a client sends there (4-byte
prefixes) says nothing about what it checks, and the list they reveal is public on the check page;
a browser extension would otherwise have to ship a key that anyone can read out of it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Concatenate, Literal, ParamSpec, TypedDict, TypeVar

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from indicators.kinds import Kind
from indicators.matcher import get_matcher
from lib.budget import CpuBudget
from lib.gates import api_refusal, cpu_budget, partner_key
from orgs.partners import Partner

from . import hashes
from .verdicts import (
    INVALID,
    MAX_VALUE_CHARS,
    Check,
    Item,
    VerdictJson,
    add_details,
    check_many,
    check_value,
)

router = Router(tags=["lookup"])

P = ParamSpec("P")
R = TypeVar("R")
# What an operation answers: a status with its body, the body (200), or JSON written directly.
Answer = Status[object] | HttpResponse | dict[str, object]

MAX_BATCH = 1000
MAX_PREFIXES = 1000

Value = Annotated[str, Field(max_length=MAX_VALUE_CHARS)]


class ErrorOut(Schema):
    detail: str


class ValueIn(Schema):
    value: Value
    kind: Kind | None = Field(None, description="Bỏ trống: tự nhận biết loại.")


class PhoneOut(Schema):
    kind: str = Field(..., description="mobile, landline, service, foreign hoặc unknown")
    label: str = Field(..., description="Số này là gì: “số di động Viettel”, “tổng đài 1900 …”")
    network: str | None = Field(None, description="Nhà mạng theo đầu số (số di động)")
    area: str | None = Field(None, description="Tỉnh, thành theo mã vùng (số cố định)")
    country: str | None = Field(None, description="Nước (số nước ngoài)")
    hotline_of: str | None = Field(
        None, description="Tổ chức có tổng đài chính thức là số này (khi đó verdict official)"
    )
    note: str | None = Field(None, description="Lưu ý thêm cho người dùng")


class VerdictOut(Schema):
    kind: str | None = Field(..., description="Loại: url, domain, ip, phone, bank_account, …")
    value: str | None = Field(..., description="Giá trị chuẩn hoá")
    status: str = Field(..., description="listed, not_listed, allowlisted hoặc invalid")
    verdict: Literal["listed", "suspicious", "official", "unknown", "invalid"] = Field(
        ...,
        description=(
            "Kết luận cho người dùng: listed (có trong danh sách cảnh báo), suspicious (chưa có "
            "trong danh sách nhưng có dấu hiệu giả mạo, xem reasons và brand), official (trang "
            "chính thức, tên miền hoặc tổng đài chính thức của brand), unknown (chưa có thông "
            "tin, không có nghĩa là an toàn); invalid khi giá trị không hợp lệ"
        ),
    )
    reasons: list[str] = Field(
        ..., description="Vì sao có dấu hiệu giả mạo, bằng tiếng Việt (khi bộ chấm điểm nghi ngờ)"
    )
    brand: str | None = Field(
        None, description="Tổ chức bị giả mạo (suspicious) hoặc sở hữu giá trị (official)"
    )
    brand_official: str | None = Field(None, description="Địa chỉ chính thức của tổ chức đó")
    display_value: str | None = Field(
        None, description="Giá trị với tên miền quốc tế (IDN) viết bằng Unicode, như người đọc thấy"
    )
    mixed_scripts: list[str] = Field(
        ..., description="Các hệ chữ tên miền IDN trộn lẫn (LATIN, CYRILLIC, …); rỗng nếu không"
    )
    phone: PhoneOut | None = Field(None, description="Số điện thoại này là gì (kind phone)")
    listed: bool
    allowlisted: bool = Field(..., description="Trang chính thức hoặc nền tảng dùng chung")
    match: str | None = Field(
        None, description="exact, subdomain, url_prefix, email_domain (khi listed)"
    )
    category: str | None = None
    matched_kind: str | None = None
    matched_value: str | None = Field(None, description="Dấu hiệu trong danh sách đã khớp")
    error: str | None = Field(None, description="Vì sao giá trị không hợp lệ (invalid)")


class CheckOut(VerdictOut):
    message: str = Field(..., description="Một câu tiếng Việt giải thích kết quả")
    category_label: str | None = None
    risk: str | None = None
    public_reason: str | None = None
    listed_since: datetime | None = None
    report_count: int | None = Field(None, description="Số tố giác về dấu hiệu đã khớp")
    list_version: int


class BatchIn(Schema):
    values: list[Value | ValueIn] = Field(
        ..., min_length=1, max_length=MAX_BATCH, description="Tối đa 1.000 giá trị"
    )


class BatchOut(Schema):
    list_version: int
    verdicts: list[VerdictOut]


class HashSearchIn(Schema):
    hash_prefixes: list[Annotated[str, Field(max_length=48)]] = Field(
        ...,
        min_length=1,
        max_length=MAX_PREFIXES,
        description="Tiền tố SHA-256 (4 byte, base64) của các biểu thức của URL",
    )


class FullHashOut(Schema):
    full_hash: str = Field(..., description="SHA-256 đầy đủ, base64")
    kind: str
    category: str


class HashSearchOut(Schema):
    full_hashes: list[FullHashOut]
    cache_duration: str
    list_version: int


class HashListOut(Schema):
    list_version: int
    prefix_size: int = hashes.PREFIX_BYTES
    reset: bool = Field(..., description="true: danh sách đầy đủ, thay bản sao đang giữ")
    since: int | None = None
    count: int | None = Field(None, description="Số tiền tố (danh sách đầy đủ)")
    prefixes: str | None = Field(None, description="Các tiền tố nối liền, tăng dần, base64")
    additions: str | None = Field(None, description="Tiền tố cần thêm, base64")
    removals: str | None = Field(None, description="Tiền tố cần bỏ, base64")
    sha256: str = Field(..., description="SHA-256 (hex) của danh sách tiền tố sau cập nhật")
    cache_duration: str


_BAD_KEY = api_refusal(401, gettext_lazy("Khoá API không hợp lệ hoặc đã bị thu hồi."))
_TOO_MANY = api_refusal(429, gettext_lazy("Gửi quá nhiều yêu cầu. Hãy thử lại sau một phút."))


def _keyed(
    scope: str, setting: str, default: int
) -> Callable[
    [Callable[Concatenate[HttpRequest, Partner | None, P], R]],
    Callable[Concatenate[HttpRequest, P], R],
]:
    """A partner's key, or the per-address limit `setting` (lib.gates.partner_key): the lookup
    API and the feeds count a partner's requests together."""
    return partner_key(
        "lookup",
        scope=scope,
        setting=setting,
        default=default,
        bad_key=_BAD_KEY,
        too_many=_TOO_MANY,
    )


class CheckJson(VerdictJson):
    """A single check's answer (CheckOut documents it): the verdict and what people read."""

    message: str
    category_label: str | None
    risk: str | None
    public_reason: str | None
    listed_since: datetime | None
    report_count: int | None
    list_version: int


class BatchJson(TypedDict):
    list_version: int
    verdicts: list[VerdictJson]


def _single(check: Check) -> CheckJson:
    add_details([check])
    details = check.details
    return {
        **check.as_json(),
        "message": check.message(),
        "category_label": check.category_label,
        "risk": details["risk"] if details else None,
        "public_reason": details["public_reason"] if details and check.listed else None,
        "listed_since": details["listed_at"] if details else None,
        "report_count": details["report_count"] if details else None,
        "list_version": hashes.version_of(get_matcher()),
    }


_DJANGO_JSON = DjangoJSONEncoder().default


def _json(data: CheckJson | BatchJson) -> HttpResponse:
    # Written directly rather than validated again through the response schema (which
    # documents it): the schema pass costs more than the check itself. orjson writes a batch of
    # 1,000 verdicts five times faster than json; dates keep Django's spelling.
    body = orjson.dumps(data, default=_DJANGO_JSON, option=orjson.OPT_PASSTHROUGH_DATETIME)
    return HttpResponse(body, content_type="application/json")


def _answer_single(raw: str, kind: Kind | None) -> Answer:
    check = check_value(raw, kind)
    if check.status == INVALID:
        return Status(400, {"detail": check.error})
    return _json(_single(check))


_SINGLE = {200: CheckOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut}


@router.get("/check", response=_SINGLE, summary="Tra cứu một giá trị")
@_keyed("api", "LOOKUP_API_RATE_PER_IP", 120)
def check_get(
    request: HttpRequest,
    _partner: Partner | None,
    q: Annotated[str, Query(..., max_length=MAX_VALUE_CHARS, description="Giá trị cần tra cứu")],
    kind: Kind | None = None,
) -> Answer:
    """Một đường dẫn, tên miền, IP, số điện thoại, số tài khoản (kèm tên ngân hàng), email, …
    Trả lời: listed (kèm phân loại, lý do, từ ngày, số tố giác), not_listed ("chưa có thông
    tin", không có nghĩa là an toàn), allowlisted (trang chính thức hoặc nền tảng dùng chung).
    verdict nói điều người dùng cần biết: listed, suspicious (đường dẫn, tên miền, email giả
    mạo một tổ chức: reasons, brand, brand_official), official, unknown."""
    return _answer_single(q, kind)


@router.post("/check", response=_SINGLE, summary="Tra cứu một giá trị (POST)")
@_keyed("api", "LOOKUP_API_RATE_PER_IP", 120)
def check_post(request: HttpRequest, _partner: Partner | None, payload: ValueIn) -> Answer:
    """Như GET /check, với giá trị trong thân JSON (không nằm lại trong URL và nhật ký)."""
    return _answer_single(payload.value, payload.kind)


@router.post(
    "/check-batch",
    response={200: BatchOut, 401: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Tra cứu nhiều giá trị (tối đa 1.000)",
)
@_keyed("batch", "LOOKUP_BATCH_RATE_PER_IP", 10)
@cpu_budget(
    setting="LOOKUP_BATCH_CPU_SECONDS",
    default=2.0,
    refuse=api_refusal(503, gettext_lazy("Yêu cầu quá nặng, hãy chia nhỏ lô rồi gửi lại.")),
)
def check_batch(
    request: HttpRequest, budget: CpuBudget, _partner: Partner | None, payload: BatchIn
) -> Answer:
    """Kết quả theo đúng thứ tự gửi lên; giá trị không hợp lệ có status "invalid" và error.
    503: lô cần quá nhiều thời gian xử lý (LOOKUP_BATCH_CPU_SECONDS), hãy chia nhỏ lô."""
    index = get_matcher()
    items: list[Item] = [v if isinstance(v, str) else (v.value, v.kind) for v in payload.values]
    checks = check_many(items, index=index, budget=budget, score_listed=False)
    verdicts = [c.as_json() for c in checks]
    return _json({"list_version": hashes.version_of(index), "verdicts": verdicts})


def _prefix(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(_("“%(p)s” không phải base64 hợp lệ.") % {"p": text[:48]}) from None
    if not 4 <= len(data) <= 32:
        raise ValueError(_("Mỗi tiền tố băm dài từ 4 đến 32 byte."))
    return data


@router.post(
    "/hashes:search",
    response={200: HashSearchOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    summary="Tra cứu riêng tư theo tiền tố băm",
)
@_keyed("hash", "LOOKUP_HASH_RATE_PER_IP", 600)
def hashes_search(request: HttpRequest, _partner: Partner | None, payload: HashSearchIn) -> Answer:
    """Gửi tiền tố 4 byte của SHA-256 các biểu thức của URL (như Safe Browsing v5); nhận các
    băm đầy đủ trong danh sách có cùng tiền tố và phân loại của chúng. Máy chủ không biết URL."""
    try:
        prefixes = [_prefix(p) for p in payload.hash_prefixes]
    except ValueError as error:
        return Status(400, {"detail": str(error)})
    index = get_matcher()
    found = hashes.search(index, prefixes)
    return {
        "full_hashes": [
            {"full_hash": hashes.b64(f.full_hash), "kind": f.kind, "category": f.category}
            for f in found
        ],
        "cache_duration": f"{hashes.CACHE_DURATION_S}s",
        "list_version": hashes.version_of(index),
    }


@router.get(
    "/hash-list",
    response={200: HashListOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    summary="Danh sách tiền tố băm, hoặc thay đổi từ một phiên bản",
)
@_keyed("hash-list", "LOOKUP_HASH_LIST_RATE_PER_IP", 30)
def hash_list(
    request: HttpRequest,
    _partner: Partner | None,
    since: Annotated[int | None, Query(ge=0)] = None,
) -> Answer:
    """Không có since: mọi tiền tố (4 byte, nối liền, base64) và phiên bản. Có since: tiền tố
    cần thêm và cần bỏ kể từ phiên bản đó. So sha256 sau khi cập nhật; khác thì tải lại cả."""
    index = get_matcher()
    version = hashes.version_of(index)
    common = {"list_version": version, "cache_duration": f"{hashes.CACHE_DURATION_S}s"}
    if since is not None and since > version:
        detail = _("Phiên bản %(since)d mới hơn phiên bản hiện tại %(version)d.")
        return Status(400, {"detail": detail % {"since": since, "version": version}})
    if since is not None:
        try:
            diff = hashes.prefix_diff(index, since)
        except hashes.TooManyChanges:
            pass
        else:
            return {
                **common,
                "reset": False,
                "since": since,
                "additions": hashes.b64(diff.additions),
                "removals": hashes.b64(diff.removals),
                "sha256": diff.sha256,
            }
    full = hashes.prefix_list(index)
    return {
        **common,
        "reset": True,
        "count": full.count,
        "prefixes": hashes.b64(full.prefixes),
        "sha256": full.sha256,
    }
