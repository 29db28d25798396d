"""Partner keys and rate limits for the lookup API and the feeds.

The limiter is lib.ratelimit.allow_reserved: a worker process reserves a chunk of requests at a
time in Django's shared cache (a fiftieth of the limit, at most 1,000) and serves the chunk from
memory, so a partner allowed a million checks a minute costs the cache one write per 1,000
requests, and the limit still holds across processes. A small limit (under 100 a minute) gets
chunks of one, that is, a count of every request.

Partner keys are looked up once and remembered for KEY_TTL_S seconds per process
(orgs.partners, shared with the reports API); a revoked key stops working within that time.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from lib import ratelimit
from orgs import partners
from orgs.partners import KEY_TTL_S, Gate, Partner, find_partner

__all__ = ["KEY_TTL_S", "Gate", "Partner", "allow", "find_partner", "gate", "reset", "setting"]


def reset() -> None:
    """Forget reserved tokens and remembered keys (tests)."""
    ratelimit.forget_reserved()
    partners.forget()


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def allow(scope: str, ident: str, *, limit: int, window: int = 60) -> bool:
    """Count one request of `ident` in `scope`; False once `limit` requests came in this
    window of `window` seconds (over all worker processes)."""
    return ratelimit.allow_reserved(f"lookup-{scope}", ident, limit=limit, window=window)


def gate(request: HttpRequest, scope: str, *, ip_limit: int, key: str | None = None) -> Gate:
    """orgs.partners.gate for the lookup API and the feeds: a partner's requests count together
    over all of them."""
    return partners.gate(request, app="lookup", scope=scope, ip_limit=ip_limit, key=key)
