"""Certificate PDFs: WeasyPrint with DejaVu Sans (full Vietnamese diacritics) and a QR code that
opens the public verification page."""

from __future__ import annotations

from pathlib import Path

import segno
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Certificate

PDF_CSS = Path(__file__).resolve().parent / "static" / "training" / "certificate-pdf.css"


def qr_data_uri(url: str) -> str:
    # SVG keeps the PDF small and sharp at any zoom.
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#0b2a4a")


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    from weasyprint import CSS, HTML  # imported here: pango loads slowly, only when needed

    html = render_to_string(
        "training/certificate_pdf.html",
        {
            "certificate": certificate,
            "issued_on": timezone.localtime(certificate.issued_at).date(),
            "verify_url": verify_url,
            "qr": qr_data_uri(verify_url),
        },
    )
    document = HTML(string=html, base_url=str(PDF_CSS.parent))
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])
    return pdf
