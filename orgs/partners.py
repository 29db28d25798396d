"""Partner keys as the APIs see them: looked up once and remembered for KEY_TTL_S seconds per
process, so that a partner's many requests do not each cost a query. A revoked key stops
working within that time. `gate` is how every API that takes a partner key checks it and counts
the request: the lookup API and feeds (lookup/limits.py) and the reports API."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from django.http import HttpRequest

from lib.ratelimit import allow_reserved, client_ip

from .models import PartnerKey

KEY_TTL_S = 10.0
_MAX_REMEMBERED_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class Partner:
    pk: int
    name: str
    rate_per_minute: int


_lock = threading.Lock()
_keys: dict[str, tuple[float, Partner | None]] = {}


def forget() -> None:
    """Forget the remembered keys (after a revocation in this process, and between tests)."""
    with _lock:
        _keys.clear()


def find_partner(raw: str) -> Partner | None:
    """The active partner key for a raw key, remembered for KEY_TTL_S seconds (unknown keys
    too, so that a client retrying a wrong key costs no query either)."""
    if not raw or len(raw) > 128:
        return None
    digest = hashlib.sha256(raw.encode()).hexdigest()
    now = time.monotonic()
    remembered = _keys.get(digest)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    key = PartnerKey.objects.find_active(raw)
    partner = Partner(key.pk, key.name, key.rate_per_minute) if key else None
    with _lock:
        if len(_keys) >= _MAX_REMEMBERED_KEYS:
            _keys.clear()  # random keys from a flood must not grow memory
        _keys[digest] = (now + KEY_TTL_S, partner)
    return partner


@dataclass(frozen=True, slots=True)
class Gate:
    """Who is asking: a partner (by key) or an address; and whether the request may go on."""

    partner: Partner | None
    status: int = 200  # 200: go on; 401: bad key; 429: over the limit


def gate(
    request: HttpRequest, *, app: str, scope: str, ip_limit: int, key: str | None = None
) -> Gate:
    """Check the partner key (X-Api-Key header, or `key` when given) and count the request
    against the partner's rate_per_minute (one counter per app, over all its scopes), or against
    `ip_limit` a minute per address in `scope` when there is no key (0: no limit)."""
    raw = key if key is not None else request.headers.get("X-Api-Key", "")
    if raw:
        partner = find_partner(raw)
        if partner is None:
            return Gate(None, 401)
        ok = allow_reserved(f"{app}-key", str(partner.pk), limit=partner.rate_per_minute)
        return Gate(partner, 200 if ok else 429)
    ok = allow_reserved(f"{app}-{scope}", client_ip(request), limit=ip_limit)
    return Gate(None, 200 if ok else 429)
