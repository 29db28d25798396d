"""Feeds for partners at /feeds/<name>: streamed, gzip on request, ETag per list version.

    indicators.csv  indicators.json  stix.json  misp.json      every kind (STIX: url, domain,
                                                                 ip, email)
    rpz.zone  hosts.txt  abp.txt  dnsmasq.conf  unbound.conf   domain listings only

A partner key is required: the X-Api-Key header, or ?key= for tools that cannot set headers
(Unbound's rpz url:, a cron job's wget); a key in a URL ends up in logs, so prefer the header.
Missing: 401; unknown or revoked: 403; over the key's rate_per_minute: 429.

`since=VERSION` gives what changed after that version (see formats.py for what each format can
say); the X-List-Version header and each format's own version field say which version a
response holds. The ETag depends on the feed, the list version (last change, allowlist changes,
expiries) and `since`: If-None-Match answers 304 after one small query, before any row is read.

Rows are read in id order through a database cursor in chunks and written as they come, so
memory stays flat however long the list is; gzip (Accept-Encoding) is applied chunk by chunk.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.conf import settings
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from indicators.allowlist import Allowlist, shipped_allowlist
from indicators.kinds import Kind
from indicators.matcher import ListVersion
from indicators.models import AllowedName, Indicator, ListChange, Status
from reports.services import root_unit

from . import formats
from .formats import DomainFilter, DomainRow, FeedInfo, Row
from .hashes import changed_indicators

FORMAT_REVISION = 1  # bump when a format's output changes, so that ETags change with it
CHUNK_ROWS = 2000
FLUSH_BYTES = 64 * 1024
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Feed:
    content_type: str
    write: Callable[..., Iterator[str]]
    domains: bool = False  # a blocklist of domain listings
    kinds: tuple[Kind, ...] | None = None  # None: every kind


FEEDS: dict[str, Feed] = {
    "indicators.csv": Feed("text/csv; charset=utf-8", formats.write_csv),
    "indicators.json": Feed("application/json", formats.write_json),
    "stix.json": Feed(
        "application/stix+json;version=2.1", formats.write_stix, kinds=formats.STIX_KINDS
    ),
    "misp.json": Feed("application/json", formats.write_misp),
    "rpz.zone": Feed("text/plain; charset=utf-8", formats.write_rpz, domains=True),
    "hosts.txt": Feed("text/plain; charset=utf-8", formats.write_hosts, domains=True),
    "abp.txt": Feed("text/plain; charset=utf-8", formats.write_abp, domains=True),
    "dnsmasq.conf": Feed("text/plain; charset=utf-8", formats.write_dnsmasq, domains=True),
    "unbound.conf": Feed("text/plain; charset=utf-8", formats.write_unbound, domains=True),
}

_FIELDS = (
    "kind",
    "value",
    "category",
    "risk",
    "public_reason",
    "listed_at",
    "expires_at",
    "created_at",
    "updated_at",
    "status",
)


# --- versions and ETags -----------------------------------------------------------------------


class _Expiries:
    """The latest expiry that has passed, per list version: expiries change a feed without a
    list change. One aggregate query per version, and again when the next expiry passes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: ListVersion | None = None
        self.passed: datetime | None = None
        self.next: datetime | None = None


_expiries = _Expiries()


def expiry_marker(version: ListVersion, now: datetime) -> datetime | None:
    state = _expiries
    with state.lock:
        if state.version == version and (state.next is None or now < state.next):
            return state.passed
        dated = Indicator.objects.filter(status=Status.LISTED, expires_at__isnull=False)
        found = dated.aggregate(
            passed=Max("expires_at", filter=Q(expires_at__lte=now)),
            next=Min("expires_at", filter=Q(expires_at__gt=now)),
        )
        state.version, state.passed, state.next = version, found["passed"], found["next"]
        return state.passed


def reset() -> None:
    """Forget the remembered expiry state (tests)."""
    with _expiries.lock:
        _expiries.version = None


def list_version(version: ListVersion) -> int:
    # Its first part is MAX(id) of the list changes: an integer, or NULL before the first one.
    return int(cast(int | None, version[0]) or 0)


def etag(name: str, version: ListVersion, since: int | None, marker: datetime | None) -> str:
    """A weak ETag: gzip and identity encodings of the same version are the same feed."""
    key = repr((FORMAT_REVISION, name, version, since, marker))
    return 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def etag_matches(header: str, tag: str) -> bool:
    """If-None-Match with the weak comparison (RFC 9110): W/ prefixes do not count."""
    if header.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == bare for part in header.split(","))


# --- rows -------------------------------------------------------------------------------------


def current_allowlist() -> Allowlist:
    return shipped_allowlist().with_names(
        AllowedName.objects.values_list("name", "include_subdomains")
    )


def rows(
    feed: Feed, *, version: int, since: int | None, now: datetime
) -> Iterator[Row | DomainRow]:
    """The feed's rows in id order: listed now, or (since=) changed after `since`."""
    if since is None:
        queryset = Indicator.objects.listed(now)
    else:
        queryset = Indicator.objects.filter(changed_indicators(since, version))
    if feed.domains:
        yield from _domain_rows(
            queryset.filter(kind=Kind.DOMAIN), increment=since is not None, now=now
        )
        return
    if feed.kinds is not None:
        queryset = queryset.filter(kind__in=feed.kinds)
    listed = Status.LISTED
    for fields in queryset.order_by("id").values_list(*_FIELDS).iterator(chunk_size=CHUNK_ROWS):
        expires_at = fields[6]
        is_listed = fields[9] == listed and (expires_at is None or expires_at > now)
        yield Row._make((*fields[:9], is_listed))


def _domain_rows(
    queryset: QuerySet[Indicator], *, increment: bool, now: datetime
) -> Iterator[DomainRow]:
    # The value alone: converting four timestamps per row would take most of the time.
    ordered = queryset.order_by("id")
    if not increment:
        for (value,) in ordered.values_list("value").iterator(chunk_size=CHUNK_ROWS):
            yield DomainRow(value, True)
        return
    listed = Status.LISTED
    fields = ordered.values_list("value", "status", "expires_at")
    for value, status, expires_at in fields.iterator(chunk_size=CHUNK_ROWS):
        yield DomainRow(value, status == listed and (expires_at is None or expires_at > now))


def feed_info(version: ListVersion, since: int | None) -> FeedInfo:
    root = root_unit()
    number = list_version(version)  # 0 before the first change: no row, no time
    at = ListChange.objects.filter(pk=number).values_list("at", flat=True).first()
    return FeedInfo(
        version=number,
        since=since,
        version_at=at,
        publisher=root.name if root else "Canh Giac",
        site_url=settings.SITE_URL,
    )


def generate(name: str, *, version: ListVersion, since: int | None) -> Iterator[str]:
    """The text of a feed, piece by piece."""
    feed = FEEDS[name]
    now = timezone.now()
    info = feed_info(version, since)
    source = rows(feed, version=info.version, since=since, now=now)
    if feed.domains:
        return feed.write(source, info, DomainFilter(current_allowlist()))
    return feed.write(source, info)


# --- bytes on the wire ------------------------------------------------------------------------


def encoded(pieces: Iterable[str], *, gzip: bool) -> Iterator[bytes]:
    """UTF-8 in chunks of about FLUSH_BYTES, gzip-compressed chunk by chunk when asked."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if gzip else None
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= FLUSH_BYTES:
            data = "".join(buffer).encode("utf-8")
            buffer.clear()
            size = 0
            data = compressor.compress(data) if compressor else data
            if data:
                yield data
    data = "".join(buffer).encode("utf-8")
    if compressor:
        data = compressor.compress(data) + compressor.flush()
    if data:
        yield data


def accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _sep, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=")
            try:
                return not params.strip() or float(quality) > 0
            except ValueError:
                return True
    return False
