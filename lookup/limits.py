"""Partner keys and rate limits for the lookup API and the feeds.

The limiter counts in Django's shared cache (lib.ratelimit's keys and pseudonyms), but a
worker process reserves a chunk of requests at a time (a fiftieth of the limit, at most 1,000)
and serves the chunk from memory. A partner allowed a million checks a minute then costs the
cache one write per 1,000 requests instead of one per request, and the limit still holds across
processes: what all processes together reserve in a window never passes the limit (the shared
counter is exact, see lib.ratelimit). A small limit (under 100 a minute)
gets chunks of one, that is, a count of every request. The cost: a process may hold tokens it
does not use while another is refused, at most a fiftieth of the limit per process.

Partner keys are looked up once and remembered for KEY_TTL_S seconds per process, so that a
partner's single checks do not each cost a query; a revoked key stops working within that time.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from lib.ratelimit import client_ip, hit, pseudonym
from orgs.models import PartnerKey

KEY_TTL_S = 10.0
_MAX_REMEMBERED_KEYS = 10_000
CHUNK_DIVISOR = 50
MAX_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Partner:
    pk: int
    name: str
    rate_per_minute: int


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[tuple[str, str, int], int] = {}  # -1: spent for this window
        self.bucket = 0
        self.keys: dict[str, tuple[float, Partner | None]] = {}


_state = _State()


def reset() -> None:
    """Forget reserved tokens and remembered keys (tests)."""
    with _state.lock:
        _state.tokens.clear()
        _state.keys.clear()


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def allow(scope: str, ident: str, *, limit: int, window: int = 60) -> bool:
    """Count one request of `ident` in `scope`; False once `limit` requests came in this
    window of `window` seconds (over all worker processes)."""
    if limit <= 0:
        return True
    bucket = int(time.time()) // window
    key = (scope, ident, bucket)
    state = _state
    with state.lock:
        if bucket != state.bucket:
            state.tokens = {k: v for k, v in state.tokens.items() if k[2] >= bucket}
            state.bucket = bucket
        left = state.tokens.get(key, 0)
        if left > 0:
            state.tokens[key] = left - 1
            return True
        if left < 0:
            return False
    granted = _reserve(scope, ident, bucket, limit, window)
    with state.lock:
        left = max(0, state.tokens.get(key, 0))
        if granted == 0 and left == 0:
            state.tokens[key] = -1
            return False
        state.tokens[key] = left + granted - 1
        return True


def _reserve(scope: str, ident: str, bucket: int, limit: int, window: int) -> int:
    chunk = max(1, min(limit // CHUNK_DIVISOR, MAX_CHUNK))
    cache_key = f"rl:lookup-{scope}:{pseudonym(ident)}:{bucket}"
    total = hit(cache_key, amount=chunk, ttl=window + 5)
    return max(0, min(chunk, limit - (total - chunk)))


def find_partner(raw: str) -> Partner | None:
    """The active partner key for a raw key, remembered for KEY_TTL_S seconds."""
    if not raw or len(raw) > 128:
        return None
    digest = hashlib.sha256(raw.encode()).hexdigest()
    now = time.monotonic()
    remembered = _state.keys.get(digest)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    key = PartnerKey.objects.find_active(raw)
    partner = Partner(key.pk, key.name, key.rate_per_minute) if key else None
    with _state.lock:
        if len(_state.keys) >= _MAX_REMEMBERED_KEYS:
            _state.keys.clear()  # random keys from a flood must not grow memory
        _state.keys[digest] = (now + KEY_TTL_S, partner)
    return partner


@dataclass(frozen=True, slots=True)
class Gate:
    """Who is asking: a partner (by key) or an address; and whether the request may go on."""

    partner: Partner | None
    status: int = 200  # 200: go on; 401: bad key; 429: over the limit


def gate(request: HttpRequest, scope: str, *, ip_limit: int, key: str | None = None) -> Gate:
    """Check the partner key (X-Api-Key header, or `key` when given) and count the request
    against the partner's limit, or against the per-address limit when there is no key."""
    raw = key if key is not None else request.headers.get("X-Api-Key", "")
    if raw:
        partner = find_partner(raw)
        if partner is None:
            return Gate(None, 401)
        ok = allow("key", str(partner.pk), limit=partner.rate_per_minute)
        return Gate(partner, 200 if ok else 429)
    ok = allow(scope, client_ip(request), limit=ip_limit)
    return Gate(None, 200 if ok else 429)
