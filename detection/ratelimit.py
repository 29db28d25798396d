"""Per-address limits of the message analysis page and API (lib.ratelimit, shared cache)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from lib.ratelimit import allow as _allow
from lib.ratelimit import client_ip

REQUESTS_PER_MINUTE = 60


def allow(request: HttpRequest, scope: str, *, limit: int | None = None) -> bool:
    """Count one request from this address; False once it made more than `limit` this minute."""
    if limit is None:
        limit = getattr(settings, "DETECTION_RATE_PER_MINUTE", REQUESTS_PER_MINUTE)
    return _allow(f"detection-{scope}", client_ip(request), limit=limit)
