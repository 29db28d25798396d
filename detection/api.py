"""POST /api/detection/analyse: the analysis of one message, for apps and partners."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status

from lib.budget import CpuBudget
from lib.gates import api_refusal, cpu_budget, rate_limited
from lib.text import CleanLine, CleanText

from .analysis import SENDER_TYPES, analyse_message
from .ratelimit import REQUESTS_PER_MINUTE
from .text import MAX_MESSAGE_CHARS

router = Router(tags=["detection"])


class AnalyseIn(Schema):
    # Length and values are checked in the view (a 400 with a Vietnamese explanation); NUL and
    # control characters by lib.text (a 422, also in Vietnamese).
    text: CleanText = Field("", description="Nội dung tin nhắn, tối đa 5.000 ký tự.")
    sender_type: CleanLine | None = Field(
        None,
        description="Người gửi hiện trên điện thoại: brandname (tên thương hiệu), shortcode "
        "(đầu số ngắn), personal_number (số cá nhân). Bỏ trống nếu không rõ.",
    )


class LookalikeOut(Schema):
    score: float
    level: str
    brand: str | None
    official: bool
    reasons: list[str]


class IndicatorOut(Schema):
    kind: str
    value: str
    text: str
    listed: bool
    verdict: str
    lookalike: LookalikeOut | None = None


class ClassifierOut(Schema):
    probability: float
    top_phrases: list[str]


class AnalysisOut(Schema):
    risk: Literal["low", "medium", "high"]
    risk_label: str
    score: float
    reasons: list[str]
    reassurances: list[str]
    advice: list[str]
    indicators: list[IndicatorOut]
    classifier: ClassifierOut


class ErrorOut(Schema):
    detail: str


@router.post(
    "/analyse",
    response={200: AnalysisOut, 400: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Phân tích một tin nhắn đáng ngờ",
)
@rate_limited(
    "detection-api",
    setting="DETECTION_RATE_PER_MINUTE",
    default=REQUESTS_PER_MINUTE,
    refuse=api_refusal(429, gettext_lazy("Quá nhiều yêu cầu. Hãy đợi một phút rồi thử lại.")),
)
@cpu_budget(
    setting="DETECTION_ANALYSE_CPU_SECONDS",
    default=2.0,
    refuse=api_refusal(503, gettext_lazy("Yêu cầu quá nặng, hãy gửi tin nhắn ngắn hơn.")),
)
def analyse(request: HttpRequest, budget: CpuBudget, payload: AnalyseIn) -> Status[object]:
    """Mức rủi ro (low, medium, high), lý do, lời khuyên, các dấu hiệu tìm thấy và đánh giá
    của bộ phân loại, kể cả khi chưa dấu hiệu nào có trong danh sách cảnh báo.
    503: tin cần quá nhiều thời gian xử lý (DETECTION_ANALYSE_CPU_SECONDS)."""
    text = payload.text or ""
    # The length first: nothing below (regexes, the analysis) sees an oversized text.
    if len(text) > MAX_MESSAGE_CHARS:
        detail = _("Tin nhắn quá dài: tối đa {limit} ký tự.").format(limit=MAX_MESSAGE_CHARS)
        return Status(400, {"detail": detail})
    if not text.strip():
        return Status(400, {"detail": _("Hãy gửi nội dung tin nhắn cần kiểm tra.")})
    if payload.sender_type and payload.sender_type not in SENDER_TYPES:
        detail = _("sender_type chỉ nhận brandname, shortcode hoặc personal_number.")
        return Status(400, {"detail": detail})
    analysis = analyse_message(text, sender_type=payload.sender_type, budget=budget)
    return Status(200, analysis.as_dict())
