"""The privacy-preserving check, in the style of Google Safe Browsing v5.

A client computes the Safe Browsing expressions of a URL (indicators.urlcanon.url_expressions:
host suffixes x path prefixes, at most 30), hashes each with SHA-256 and sends only the first
4 bytes of each hash. The server answers every full hash of the list that starts with one of
those prefixes, with its category; the client compares full hashes itself. The server learns a
handful of 4-byte prefixes, each shared by many URLs, never the URL.

Clients that keep a local copy of the prefixes (so that most URLs need no request at all) fetch
the whole list once (`prefix_list`) and then the changes since the version they hold
(`prefix_diff`), and check their copy against the SHA-256 of the list the server holds.

Full hashes are only answered where the matcher would match: a domain-level listing of an
allowlisted name, or of a public suffix, is never answered, so that a client never blocks what
the matcher lets through.

This works for URLs only: the space of phone numbers or bank accounts is so small that a
4-byte prefix would give the value away. Those are checked with the ordinary API.
"""

from __future__ import annotations

import base64
import hashlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from indicators.kinds import Kind
from indicators.matcher import IndexRow, MatcherIndex, listing_expressions
from indicators.models import Indicator, ListChange, Status
from indicators.urlcanon import registrable_domain

PREFIX_BYTES = 4
CACHE_DURATION_S = 300
MAX_DIFF_CHANGES = 100_000  # more changes than this: the client gets the whole list instead


def version_of(index: MatcherIndex) -> int:
    """The list version an index was built at: the id of the last ListChange (0: none)."""
    version = index.version
    if isinstance(version, tuple) and version and version[0] is not None:
        return int(version[0])
    return 0


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- search ---------------------------------------------------------------------------------


def _entries(index: MatcherIndex, prefix: bytes) -> Iterator[tuple[bytes, IndexRow]]:
    """(full hash, listed row) for every expression whose hash starts with `prefix`."""
    for full, row_no in index.entries_for_prefix(prefix):
        yield full, index.row(row_no)


def _applies(row: IndexRow, index: MatcherIndex) -> bool:
    """False for domain listings the matcher never applies at domain level."""
    if row.kind != Kind.DOMAIN:
        return True
    return not index.allowlist.covers(row.value) and registrable_domain(row.value) is not None


@dataclass(frozen=True)
class FullHash:
    full_hash: bytes
    kind: str
    category: str


def search(index: MatcherIndex, prefixes: list[bytes]) -> list[FullHash]:
    """The listed full hashes that start with any of the prefixes (4 to 32 bytes each)."""
    found: dict[bytes, FullHash] = {}
    for prefix in dict.fromkeys(prefixes):
        for full, row in _entries(index, prefix):
            if full not in found and _applies(row, index):
                found[full] = FullHash(full, row.kind, row.category)
    return list(found.values())


# --- the whole list and its changes ---------------------------------------------------------


@dataclass(frozen=True)
class PrefixList:
    version: int
    prefixes: bytes  # distinct, ascending, 4 bytes each
    sha256: str

    @property
    def count(self) -> int:
        return len(self.prefixes) // PREFIX_BYTES


_last: tuple[weakref.ref[MatcherIndex], PrefixList] | None = None


def prefix_list(index: MatcherIndex) -> PrefixList:
    """All distinct prefixes of the index, computed once per index."""
    global _last
    if _last is not None and _last[0]() is index:
        return _last[1]
    prefixes = index.hash_prefixes()
    result = PrefixList(version_of(index), prefixes, hashlib.sha256(prefixes).hexdigest())
    _last = (weakref.ref(index), result)
    return result


@dataclass(frozen=True)
class PrefixDiff:
    version: int
    since: int
    additions: bytes
    removals: bytes
    sha256: str


class TooManyChanges(Exception):
    pass


def _present(index: MatcherIndex, prefix: bytes) -> bool:
    return bool(index.full_hashes_for_prefix(prefix))


def changed_indicators(since: int, upto: int) -> Q:
    """Indicators whose listing changed after version `since` (up to `upto`): listed, delisted,
    changed, or expired since then (expiry writes no ListChange)."""
    changed = ListChange.objects.filter(pk__gt=since, pk__lte=upto).values("indicator_id")
    condition = Q(pk__in=changed)
    since_at = (
        ListChange.objects.filter(pk__lte=since)
        .order_by("-pk")
        .values_list("at", flat=True)
        .first()
    )
    if since_at is not None:
        expired = Q(status=Status.LISTED, expires_at__gt=since_at, expires_at__lte=timezone.now())
        condition |= expired
    return condition


def prefix_diff(index: MatcherIndex, since: int) -> PrefixDiff:
    """What to add to and remove from a copy of the prefixes taken at version `since`.

    A prefix of a changed indicator that the index holds now is an addition (adding one the
    copy has already is harmless); one it no longer holds is a removal. The client checks the
    result against `sha256` and fetches the whole list when they differ.
    """
    version = version_of(index)
    additions: set[bytes] = set()
    removals: set[bytes] = set()
    if since < version:
        if ListChange.objects.filter(pk__gt=since, pk__lte=version).count() > MAX_DIFF_CHANGES:
            raise TooManyChanges
        rows = (
            Indicator.objects.filter(changed_indicators(since, version))
            .values_list("kind", "value")
            .iterator(chunk_size=5000)
        )
        for kind, value in rows:
            for expression in listing_expressions(kind, value):
                prefix = hashlib.sha256(expression.encode("utf-8", "surrogatepass")).digest()
                prefix = prefix[:PREFIX_BYTES]
                (additions if _present(index, prefix) else removals).add(prefix)
    return PrefixDiff(
        version=version,
        since=since,
        additions=b"".join(sorted(additions)),
        removals=b"".join(sorted(removals)),
        sha256=prefix_list(index).sha256,
    )
