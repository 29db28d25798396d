"""The reports API, for a Zalo bot or a partner's app: submit a report, follow its status.

A partner sends its key in the X-Api-Key header (orgs.PartnerKey; its rate_per_minute applies);
without a key the per-address limit applies: both through orgs.partners.gate, as for lookups.
A submission is answered 201 "received" as soon as it is stored; a background task files it
into cases (submission.submit_report). A retried submission with the same Idempotency-Key
(header, or the idempotency_key field) and the same content is stored once and answers the same
tracking code (200). With a partner key, the same Idempotency-Key with other content answers 409
and the first tracking code. Without a key nobody can tell two clients apart (phones behind one
carrier NAT share an address), so the key counts only with the same content: the same key with
other content is another report. The "website" field is a honeypot: filled, the answer looks like
a success and nothing is stored.

Text follows lib.text (no NUL or control characters; no bidi controls in single-line fields);
dates, amounts and emails have the bounds of the web form (reports.forms).
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from datetime import date
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from indicators.kinds import Kind
from indicators.normalise import normalise, normalise_any
from lib.gates import api_refusal, honeypot, partner_key, rate_limited
from lib.text import CleanLine, CleanText
from orgs.models import CITIZEN_UNIT_KINDS, Unit, UnitKind
from orgs.partners import Partner

from .evidence import MAX_FILES, CleanFile, clean_file
from .forms import (
    MAX_INDICATORS,
    MAX_MONEY,
    clean_contact_email,
    found_indicators,
    lost_on_error,
)
from .models import (
    Appeal,
    Channel,
    PublicStatus,
    Report,
    ScamType,
    Source,
    clean_tracking_code,
    new_tracking_code,
    public_status,
)
from .services import root_unit
from .submission import IdempotencyConflict, ReportInput, body_scope, submit_report

router = Router(tags=["reports"])

_IDEMPOTENCY = re.compile(r"[A-Za-z0-9_.:\-]{1,100}")


class IndicatorIn(Schema):
    # Checked by the normalisers (lib.text's policy too), so that the error names the value.
    value: str = Field(..., min_length=1, max_length=2048)
    kind: Kind | None = None


class EvidenceIn(Schema):
    data_base64: str = Field(..., description="Ảnh JPEG/PNG/WebP/GIF hoặc PDF, mã hoá base64")
    filename: CleanLine = Field("", max_length=100)


class ReportIn(Schema):
    channel: Channel
    scam_type: ScamType
    description: CleanText = Field("", max_length=4000)
    message_text: CleanText = Field("", max_length=5000)
    indicators: list[IndicatorIn | str] | None = Field(
        None,
        max_length=MAX_INDICATORS,
        description="Bỏ trống: lấy tự động từ message_text.",
    )
    # Strict: true, 5.5 and "5000000" are refused (the form takes digits only, too).
    money_lost: StrictInt | None = Field(None, ge=0, le=MAX_MONEY, description="Số đồng")
    lost_on: date | None = Field(None, description="Từ 2000-01-01 đến hôm nay")
    unit_code: CleanLine | None = Field(None, max_length=32, description="Mã xã/phường hoặc huyện")
    contact_name: CleanLine = Field("", max_length=100)
    contact_phone: CleanLine = Field("", max_length=20)
    contact_email: CleanLine = Field("", max_length=254)
    consent_to_contact: bool = False
    evidence: list[EvidenceIn] = Field([], max_length=MAX_FILES)
    idempotency_key: CleanLine | None = Field(None, max_length=100)
    website: str = Field("", max_length=200, description="Để trống.")


class ReportOut(Schema):
    tracking_code: str
    status: str
    status_label: str


class StatusOut(Schema):
    tracking_code: str
    kind: str
    status: str
    status_label: str
    decision: str = ""


class ErrorOut(Schema):
    detail: str
    errors: list[str] = []


class ConflictOut(Schema):
    detail: str
    tracking_code: str = Field(..., description="Mã của tố giác đã gửi trước với khoá này")


class _Invalid(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors


def _indicators(payload: ReportIn) -> list[tuple[str, str]]:
    if payload.indicators is None:
        return found_indicators(payload.message_text)
    result, errors = [], []
    for item in payload.indicators:
        raw = item if isinstance(item, str) else item.value
        try:
            if isinstance(item, IndicatorIn) and item.kind:
                result.append((item.kind.value, normalise(item.kind, raw)))
            else:
                kind, value = normalise_any(raw[:2048])
                result.append((kind.value, value))
        except ValueError as error:
            errors.append(_("“%(line)s”: %(why)s") % {"line": raw[:80], "why": error})
    if errors:
        raise _Invalid(errors)
    return result


# Units by code, remembered per process for UNIT_TTL_S seconds: the tree rarely changes, and
# every submission names one. A change of a unit in this process forgets them all at once.
UNIT_TTL_S = 60.0
_units: dict[str, tuple[float, Unit | None]] = {}
_units_lock = threading.Lock()
_REPORT_UNIT_KINDS = (*CITIZEN_UNIT_KINDS, UnitKind.PROVINCE)


@receiver(post_save, sender=Unit)
@receiver(post_delete, sender=Unit)
def forget_units(**_kwargs: object) -> None:
    with _units_lock:
        _units.clear()


def _find_unit(code: str) -> Unit | None:
    """The unit a report may name by this code ("" for the root), remembered briefly."""
    now = time.monotonic()
    remembered = _units.get(code)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    if code:
        unit = Unit.objects.filter(code=code, kind__in=_REPORT_UNIT_KINDS).first()
        # An old code of a merged commune names the commune it was merged into.
        unit = unit.current() if unit else None
    else:
        unit = root_unit()
    with _units_lock:
        if len(_units) >= 10_000:
            _units.clear()  # unknown codes from a flood must not grow memory
        _units[code] = (now + UNIT_TTL_S, unit)
    return unit


def _unit(code: str | None) -> Unit:
    unit = _find_unit(code or "")
    if unit is None and not code:
        raise _Invalid([_("Hệ thống chưa có cây đơn vị.")])
    if unit is None:
        raise _Invalid([_("Không có xã, phường hay huyện mã “%(code)s”.") % {"code": code}])
    return unit


def _files(payload: ReportIn) -> list[CleanFile]:
    cleaned: list[CleanFile] = []
    errors: list[str] = []
    for no, item in enumerate(payload.evidence, 1):
        try:
            data = base64.b64decode(item.data_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(_("Tệp thứ %(n)d: dữ liệu base64 không hợp lệ.") % {"n": no})
            continue
        try:
            cleaned.append(clean_file(data, item.filename or _("tệp %(n)d") % {"n": no}))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise _Invalid(errors)
    return cleaned


def _input(payload: ReportIn) -> ReportInput:
    errors: list[str] = []
    phone = ""
    if payload.contact_phone.strip():
        try:
            phone = normalise(Kind.PHONE, payload.contact_phone)
        except ValueError as error:
            errors.append(_("Số điện thoại liên hệ: %(why)s") % {"why": error})
    try:
        indicators = _indicators(payload)
    except ValidationError as error:
        errors.extend(error.messages)
        indicators = []
    except _Invalid as invalid:
        errors.extend(invalid.errors)
        indicators = []
    if loss_error := lost_on_error(payload.lost_on):
        errors.append(loss_error)
    if not (payload.description.strip() or payload.message_text.strip() or indicators):
        if not errors:
            errors.append(_("Hãy gửi mô tả sự việc, tin nhắn hoặc ít nhất một dấu hiệu."))
    try:
        email = clean_contact_email(payload.contact_email)
    except ValidationError as error:
        errors.extend(error.messages)
        email = ""
    if payload.consent_to_contact and not (phone or payload.contact_email.strip()):
        errors.append(_("Để được liên hệ, hãy ghi số điện thoại hoặc email."))
    if errors:
        raise _Invalid(errors)
    return ReportInput(
        channel=payload.channel.value,
        scam_type=payload.scam_type.value,
        unit=_unit(payload.unit_code),
        description=payload.description.strip(),
        message_text=payload.message_text.strip(),
        indicators=indicators,
        money_lost=payload.money_lost,
        lost_on=payload.lost_on,
        contact_name=payload.contact_name.strip(),
        contact_phone=phone,
        contact_email=email,
        consent_to_contact=payload.consent_to_contact,
    )


class ReportBody(TypedDict):
    tracking_code: str
    status: str
    status_label: str


def _out(report: Report, *, created: bool = False) -> ReportBody:
    # A report just stored is not filed yet: "received", without asking the database.
    status = PublicStatus.RECEIVED if created else public_status(report)
    return {
        "tracking_code": report.tracking_code,
        "status": status.value,
        "status_label": str(status.label),
    }


def _looks_received(request: HttpRequest, /, *args: object, **kwargs: object) -> Status[ReportBody]:
    # The same answer as a real submission, so that the bot learns nothing.
    received = PublicStatus.RECEIVED
    code = new_tracking_code()
    return Status(
        201, {"tracking_code": code, "status": received.value, "status_label": str(received.label)}
    )


@router.post(
    "/",
    response={
        200: ReportOut,
        201: ReportOut,
        400: ErrorOut,
        401: ErrorOut,
        409: ConflictOut,
        429: ErrorOut,
    },
    summary="Gửi tố giác",
)
@partner_key(
    "reports",
    scope="api",
    setting="REPORTS_API_RATE_PER_IP",
    default=10,
    bad_key=api_refusal(401, gettext_lazy("Khoá API không hợp lệ hoặc đã bị thu hồi.")),
    too_many=api_refusal(429, gettext_lazy("Gửi quá nhiều yêu cầu. Hãy thử lại sau một phút.")),
)
@honeypot("website", answer=_looks_received)
def submit(request: HttpRequest, partner: Partner | None, payload: ReportIn) -> Status[object]:
    key = request.headers.get("Idempotency-Key", "") or payload.idempotency_key or ""
    if key and not _IDEMPOTENCY.fullmatch(key):
        return Status(
            400,
            {"detail": _("Idempotency-Key chỉ gồm chữ cái, chữ số và . _ : - (tối đa 100 ký tự).")},
        )
    try:
        data = _input(payload)
        files = _files(payload)
    except _Invalid as invalid:
        return Status(400, {"detail": _("Dữ liệu chưa hợp lệ."), "errors": invalid.errors})
    if partner:
        scope = f"key:{partner.pk}"
    else:
        scope = body_scope("anon", data=data, files=files)
    try:
        report, created = submit_report(
            data=data,
            files=files,
            source=Source.API,
            partner_key=partner,
            idempotency_scope=scope,
            idempotency_key=key,
        )
    except IdempotencyConflict as conflict:
        code = conflict.report.tracking_code
        detail = _(
            "Idempotency-Key này đã dùng cho tố giác %(code)s với nội dung khác. Gửi lại đúng "
            "nội dung cũ để nhận lại mã, hoặc dùng khoá mới cho tố giác mới."
        ) % {"code": code}
        return Status(409, {"detail": detail, "tracking_code": code})
    return Status(201 if created else 200, _out(report, created=created))


@router.get(
    "/status/{code}",
    response={200: StatusOut, 404: ErrorOut, 429: ErrorOut},
    summary="Trạng thái một tố giác hoặc khiếu nại",
)
@rate_limited(
    "track",  # the tracking page's count: one limit however the code is asked
    setting="REPORTS_TRACK_RATE_PER_IP",
    default=60,
    refuse=api_refusal(429, gettext_lazy("Tra cứu quá nhiều lần. Hãy thử lại sau một phút.")),
)
def status(request: HttpRequest, code: str) -> Status[object]:
    code = clean_tracking_code(code)
    report = Report.objects.filter(tracking_code=code).first()
    if report is not None:
        return Status(200, {**_out(report), "kind": "report"})
    appeal = Appeal.objects.filter(tracking_code=code).first()
    if appeal is not None:
        return Status(
            200,
            {
                "tracking_code": appeal.tracking_code,
                "kind": "appeal",
                "status": appeal.status,
                "status_label": str(appeal.get_status_display()),
                "decision": appeal.decision_reason,
            },
        )
    return Status(404, {"detail": _("Không tìm thấy mã theo dõi.")})
