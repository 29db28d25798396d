"""A fixed-window, per-address rate limit on Django's cache (shared by every worker process).

The database cache counts with a read then a write, so a burst may pass the limit by a request
or two; that is enough to stop floods of analyses.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

REQUESTS_PER_MINUTE = 60


def allow(request: HttpRequest, scope: str, *, limit: int | None = None) -> bool:
    """Count one request from this address; False once it made more than `limit` this minute."""
    limit = (
        getattr(settings, "DETECTION_RATE_PER_MINUTE", REQUESTS_PER_MINUTE)
        if limit is None
        else limit
    )
    if limit <= 0:
        return True
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    # A keyed hash: the cache never holds the address itself.
    who = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()
    key = f"detection:{scope}:{who[:32]}:{int(time.time()) // 60}"
    cache.add(key, 0, timeout=65)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=65)
        count = 1
    return count <= limit
