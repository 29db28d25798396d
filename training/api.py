"""Training API: the public certificate check (the same facts as the public page, nothing more)."""

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from .forms import clean_certificate_code
from .models import Certificate

router = Router(tags=["training"])


class CertificateOut(Schema):
    holder_name: str
    course_title: str
    issued_on: date
    valid: bool


@router.get("/certificates/{code}", response=CertificateOut, summary="Xác minh chứng nhận")
def verify_certificate(request: HttpRequest, code: str) -> CertificateOut:
    code = clean_certificate_code(code)
    certificate = Certificate.objects.filter(code=code).first() if code else None
    if certificate is None:
        raise HttpError(404, "Không tìm thấy chứng nhận.")
    return CertificateOut(
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        issued_on=timezone.localtime(certificate.issued_at).date(),
        valid=certificate.is_valid,
    )
