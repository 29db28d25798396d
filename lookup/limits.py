"""The state the lookup API's and the feeds' limits keep in the process, and how tests forget it.

The limits themselves are lib.gates.partner_key (the API and the feeds) and lib.gates.rate_limited
(the check page), both on lib.ratelimit.allow_reserved: a worker process reserves a chunk of
requests at a time in Django's shared cache (a fiftieth of the limit, at most 1,000) and serves the
chunk from memory, so a partner allowed a million checks a minute costs the cache one write per
1,000 requests, and the limit still holds across processes. A small limit (under 100 a minute)
gets chunks of one, that is, a count of every request.

Partner keys are looked up once and remembered for KEY_TTL_S seconds per process
(orgs.partners, shared with the reports API); a revoked key stops working within that time.
"""

from __future__ import annotations

from lib import ratelimit
from orgs import partners


def reset() -> None:
    """Forget reserved tokens and remembered keys (tests)."""
    ratelimit.forget_reserved()
    partners.forget()
