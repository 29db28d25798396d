"""The look-alike scorer's answer for a checked URL, domain or email address, cached per host.

Single and batch checks run every web address through detection.lookalike, so its answer for a
host is kept in a bounded per-process LRU: a partner's batch asks about the same few thousand
hosts again and again, and gunicorn workers live long. What the URL's path adds (a brand name
on a shared site builder, a short link) depends on more than the host: for those few hosts
score_url runs on every call, and every other URL gets its host's cached answer.

Callers get a copy of the cached answer (LookalikeResult is a mutable dataclass), so nothing
they change reaches the next caller. LOOKUP_LOOKALIKES = False turns the scorer off (None for
every value), to measure what it costs.
"""

from __future__ import annotations

from functools import _CacheInfo, lru_cache

from django.conf import settings

from detection.lookalike import (
    LookalikeResult,
    _score_host,
    copy_result,
    path_matters,
    score_host,
    score_url,
)
from indicators.allowlist import Allowlist
from indicators.urlcanon import canonical_parts

CACHE_SIZE = 65_536  # hosts per worker process: a few tens of MB at most

SCORED_KINDS = frozenset({"url", "domain", "email"})


@lru_cache(maxsize=CACHE_SIZE)
def _host_answer(host: str) -> LookalikeResult:
    # The scorer's own cached answer, not a copy of it: lookalike_for hands out copies only,
    # so a miss copies once instead of twice (score_host would copy it first).
    return _score_host(host)


def cache_info() -> _CacheInfo:
    """Hits, misses and size of the per-host cache (the bench prints the hit rate)."""
    return _host_answer.cache_info()


def clear_cache() -> None:
    _host_answer.cache_clear()


def lookalike_for(
    kind: str, value: str, *, allowlist: Allowlist | None = None, covered: bool | None = None
) -> LookalikeResult | None:
    """The scorer's answer for a canonical url ("http://host/path"), domain ("host") or email
    ("name@host"); None for other kinds or when LOOKUP_LOOKALIKES is off.

    With an allowlist (the matcher's), a host it covers is official, as in score_host;
    `covered` is whether it covers the host, when the caller knows already.
    """
    if kind not in SCORED_KINDS or not value or not settings.LOOKUP_LOOKALIKES:
        return None
    if kind == "url":
        host = canonical_parts(value).host
        if path_matters(host):
            return score_url(value, allowlist=allowlist)
    elif kind == "email":
        host = value.rpartition("@")[2]
    else:
        host = value
    if covered is None:
        covered = allowlist is not None and allowlist.covers(host)
    if covered:
        return score_host(host, allowlist=allowlist)
    return copy_result(_host_answer(host))
