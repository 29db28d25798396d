"""Presenting a TOTP secret to a person enrolling an authenticator app."""

import base64

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret, grouped by four for typing by hand."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(uri: str) -> str:
    """An inline SVG QR code (no script, no external image: fits the CSP)."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="Mã QR TOTP")
