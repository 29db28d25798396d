"""Absolute links for what leaves the site (mail, feeds, certificates and their QR codes,
xAPI statements, Open Graph tags): always on CANHGIAC_SITE_URL, never on the Host header of the
request that happened to build them (behind a proxy that is 127.0.0.1:8000, and a Host header
is whatever the sender wrote)."""

from django.conf import settings


def absolute_url(path: str = "/") -> str:
    """SITE_URL followed by `path` ("/ten/duong-dan"), e.g. https://canhgiac.example.gov.vn/."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
