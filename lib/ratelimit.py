"""A fixed-window rate limiter on Django's cache (the database cache by default, shared by every
worker process; Redis when REDIS_URL is set).

The database cache's incr is a read then a write, so two requests in the same instant may both
count as one: the limit can be passed by a request or two, never by a multiple. That is enough to
stop floods; nothing here needs an exact count.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: trusting X-Forwarded-For needs to know the proxies, which the deployment
    # configures (gunicorn's forwarded_allow_ips sets REMOTE_ADDR from the proxy's header).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def pseudonym(value: str) -> str:
    """A keyed hash, so that neither the cache nor a stored row holds the address itself."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def allow(scope: str, ident: str, *, limit: int, window: int = 60) -> bool:
    """Count one request of `ident` in `scope`; False once more than `limit` came in this
    window of `window` seconds."""
    if limit <= 0:
        return True
    bucket = int(time.time()) // window
    key = f"rl:{scope}:{pseudonym(ident)}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit
