"""Small builders for reports tests."""

from __future__ import annotations

import io

from PIL import Image

from indicators.normalise import normalise, normalise_any
from reports.models import Channel, ScamType, Source
from reports.submission import ReportInput, submit_report
from reports.tasks import file_report_task


def make_report(
    unit,
    *values: str,
    money: int | None = None,
    contact_phone: str = "",
    scam_type: str = ScamType.FAKE_BANK_SMS,
    files=(),
    description: str = "Nhận tin nhắn giả ngân hàng",
    filed: bool = True,
):
    """A submitted report, filed into cases at once as the worker would (filed=False: left in
    the queue, as the request leaves it)."""
    indicators = [(k.value, v) for k, v in (normalise_any(raw) for raw in values)]
    report, _created = submit_report(
        data=ReportInput(
            channel=Channel.SMS,
            scam_type=scam_type,
            unit=unit,
            description=description,
            indicators=indicators,
            money_lost=money,
            contact_name="Nguyễn Văn Bí Mật" if contact_phone else "",
            contact_phone=normalise("phone", contact_phone) if contact_phone else "",
            consent_to_contact=bool(contact_phone),
        ),
        files=list(files),
        source=Source.FORM,
    )
    if filed:
        file_report_task.call(report.pk)  # what the worker runs, here and now
    return report


def jpeg_with_exif(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    exif[0x8825] = {2: (21.0, 1.0, 3.0)}  # GPS info
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, format="PNG")
    return out.getvalue()


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
