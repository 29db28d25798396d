"""POST /api/detection/analyse: the analysis of one message, for apps and partners."""

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from . import ratelimit
from .analysis import SENDER_TYPES, analyse_message
from .text import MAX_MESSAGE_CHARS

router = Router(tags=["detection"])


class AnalyseIn(Schema):
    # Checked in the view, so that every refusal is a 400 with a Vietnamese explanation.
    text: str = Field("", description="Nội dung tin nhắn, tối đa 5.000 ký tự.")
    sender_type: str | None = Field(
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
    response={200: AnalysisOut, 400: ErrorOut, 429: ErrorOut},
    summary="Phân tích một tin nhắn đáng ngờ",
)
def analyse(request: HttpRequest, payload: AnalyseIn):
    """Mức rủi ro (low, medium, high), lý do, lời khuyên, các dấu hiệu tìm thấy và đánh giá
    của bộ phân loại, kể cả khi chưa dấu hiệu nào có trong danh sách cảnh báo."""
    if not ratelimit.allow(request, "api"):
        return Status(429, {"detail": _("Quá nhiều yêu cầu. Hãy đợi một phút rồi thử lại.")})
    text = payload.text or ""
    if not text.strip():
        return Status(400, {"detail": _("Hãy gửi nội dung tin nhắn cần kiểm tra.")})
    if payload.sender_type and payload.sender_type not in SENDER_TYPES:
        detail = _("sender_type chỉ nhận brandname, shortcode hoặc personal_number.")
        return Status(400, {"detail": detail})
    if len(text) > MAX_MESSAGE_CHARS:
        detail = _("Tin nhắn quá dài: tối đa {limit} ký tự.").format(limit=MAX_MESSAGE_CHARS)
        return Status(400, {"detail": detail})
    return Status(200, analyse_message(text, sender_type=payload.sender_type).as_dict())
