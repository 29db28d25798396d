"""The in-memory index of listed indicators, and the verdict it gives for any value.

Every listing becomes one or two expressions: a URL its Safe Browsing expression (host, path,
query; plus "path/" so that what lies under it is covered), a domain or IP "host/", any other kind
"kind:value". A URL is checked by generating its host-suffix x path-prefix expressions and looking
each up; a domain by looking up "suffix/" for itself and its parents down to the registrable domain.
Listings of a domain never cover names above the registrable domain, and never apply at domain
level to allowlisted names (allowlist.py): on those only URL-level listings match.

Memory: the index keeps flat buffers only. A Bloom filter keyed by Python's string hash answers
"surely not listed" in a few hundred nanoseconds for almost every expression, and for every host
that has no listing, so most URLs are done after probing their host names; the rare candidates
are confirmed by SHA-256 against the sorted full hashes, which are kept anyway (with their 4-byte
prefixes) for the privacy-preserving hash API. Python's string hash is salted per process, which
is fine: every process builds its own index.

get_matcher() returns the process-wide index. When the list version in the database (the last
ListChange and the AllowedName rows, one cheap query at most once a second) changes, or a listing
expires, it reads only the changes since and applies them to an overlay on the base
(overlay.py), in time proportional to the change; it rebuilds the base when the allowlist
changed or the overlay has grown past INDEX_OVERLAY_MAX_CHANGES. Either way every answer is the
one a fresh build_from_database() gives (indicators/tests/test_incremental.py): where several
listings share an expression, the lowest pk answers.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import sys
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from .allowlist import Allowlist, shipped_allowlist
from .kinds import Kind
from .normalise import normalise, to_kind
from .overlay import Overlay, Row, Tracker, read_changes, start_tracker
from .social import PLATFORM_HOSTS, social_profile
from .urlcanon import CanonicalUrl, canonical_parts, registrable_domain

CHECK_INTERVAL_S = 1.0
BLOOM_BITS_PER_KEY = 24  # two probes: under 1% false candidates, each a cheap SHA-256 check
MAX_PATH_DEPTH = 8
_RECORD = 36  # bytes per expression in the sorted hash table: SHA-256 + row number

NOT_LISTED = (
    "Không có trong danh sách cảnh báo. Điều đó chưa có nghĩa là an toàn: hãy luôn cẩn trọng."
)
ALLOWLISTED = (
    "{host} là trang chính thức hoặc nền tảng dùng chung, không bị chặn cả tên miền; chỉ những "
    "địa chỉ cụ thể trên đó mới có thể nằm trong danh sách."
)

_KINDS = tuple(Kind)
_KIND_NO = {kind.value: no for no, kind in enumerate(_KINDS)}
_WEB_KINDS = frozenset({Kind.URL.value, Kind.DOMAIN.value, Kind.IP.value})
_URL = Kind.URL.value  # plain str: enum attribute access costs in the hot path


class IndexRow(NamedTuple):
    pk: int
    kind: str
    value: str
    category: str


@dataclass(slots=True)
class Verdict:
    """What the list says about one value. matched_* name the listed indicator that matched;
    allowlisted says the host is a never-block name, on which only URL-level listings apply."""

    kind: str
    value: str
    listed: bool = False
    allowlisted: bool = False
    match: str = ""  # "exact", "subdomain" or "url_prefix" when listed
    matched_pk: int | None = None
    matched_kind: str | None = None
    matched_value: str | None = None
    category: str | None = None
    reason: str = NOT_LISTED


def listing_expressions(kind: str, value: str) -> list[str]:
    """The expressions under which a listed indicator (canonical value) is stored."""
    if kind == Kind.URL:
        parts = canonical_parts(value)
        expression = parts.expression
        if parts.query is None and not parts.path.endswith("/"):
            return [expression, expression + "/"]  # "…/page" also covers "…/page/…"
        return [expression]
    if kind == Kind.DOMAIN:
        return [value + "/"]
    if kind == Kind.IP:
        return [(f"[{value}]" if ":" in value else value) + "/"]
    return [f"{kind}:{value}"]


def _host_suffixes(host: str) -> list[str]:
    """The host and each parent name with at least two labels."""
    suffixes = [host]
    dot = host.find(".")
    while dot >= 0:
        host = host[dot + 1 :]
        dot = host.find(".")
        if dot < 0:
            break
        suffixes.append(host)
    return suffixes


def _path_prefixes(path: str, query: str | None) -> list[str]:
    """Exact path with query, exact path, "/" and every directory prefix (up to a depth)."""
    paths = [path] if query is None else [f"{path}?{query}", path]
    if path != "/":
        paths.append("/")
        prefix = "/"
        for part in path.split("/")[1:-1][:MAX_PATH_DEPTH]:
            prefix += part + "/"
            if prefix != path:
                paths.append(prefix)
    return paths


class MatcherIndex:
    """An immutable index of listed indicators. with_changes() gives a new one that shares
    this one's buffers and reads an overlay of the changes."""

    def __init__(
        self,
        rows: Iterable[IndexRow | tuple[int, str, str, str]],
        *,
        allowlist: Allowlist | None = None,
        version: object = None,
        next_expiry: datetime | None = None,
    ) -> None:
        self.allowlist = allowlist or shipped_allowlist()
        self.version = version
        self.next_expiry = next_expiry
        self.snapshot: Path | None = None  # the file its base is mapped from (snapshot.py)
        self._overlay: Overlay | None = None
        self._seq = 0
        self._pk_rows: dict[int, int] | None = None  # pk -> row number, when pks are unsorted
        self._pks = array("q")
        self._kinds = array("B")
        self._categories = array("B")
        self._category_names: list[str] = []
        self._offsets = array("Q", [0])
        values = bytearray()
        py_hashes = array("q")
        records: list[bytes] = []  # full hash (32 bytes) + row number (4 bytes, big-endian)
        category_no: dict[str, int] = {}
        sha256 = hashlib.sha256
        ascending, last_pk = True, -sys.maxsize
        for row_no, (pk, kind, value, category) in enumerate(rows):
            ascending = ascending and pk > last_pk
            last_pk = pk
            self._pks.append(pk)
            self._kinds.append(_KIND_NO[kind])
            if category not in category_no:
                category_no[category] = len(self._category_names)
                self._category_names.append(category)
            self._categories.append(category_no[category])
            values += value.encode("utf-8", "surrogatepass")
            self._offsets.append(len(values))
            row_bytes = row_no.to_bytes(4, "big")
            for expression in listing_expressions(kind, value):
                py_hashes.append(hash(expression))
                if kind in _WEB_KINDS:
                    # The host alone too: check_url probes hosts before generating paths (the
                    # same strings as snapshot._bloom_keys).
                    py_hashes.append(hash(expression[: expression.index("/")]))
                records.append(
                    sha256(expression.encode("utf-8", "surrogatepass")).digest() + row_bytes
                )
        self._values = bytes(values)
        self._ascending = ascending
        del values
        self._build_bloom(py_hashes)
        del py_hashes
        self._build_hashes(records)

    def _build_bloom(self, py_hashes: array[int]) -> None:
        bits = 1 << 16
        while bits < len(py_hashes) * BLOOM_BITS_PER_KEY:
            bits <<= 1
        bloom = bytearray(bits // 8)
        mask = bits - 1
        for x in py_hashes:
            i = x & mask
            bloom[i >> 3] |= 1 << (i & 7)
            i = (x >> 32) & mask
            bloom[i >> 3] |= 1 << (i & 7)
        self._bloom = bytes(bloom)
        self._mask = mask

    def _build_hashes(self, records: list[bytes]) -> None:
        records.sort()
        self._records = b"".join(records)
        records.clear()
        # The 4-byte prefixes again, as an array to bisect: byte j of every record, by slices.
        heads = bytearray(4 * (len(self._records) // _RECORD))
        for j in range(4):
            heads[j::4] = self._records[j::_RECORD]
        self._prefixes = array("I", bytes(heads))
        if sys.byteorder == "little":
            self._prefixes.byteswap()

    # --- size and the hash API ------------------------------------------------------------

    def __len__(self) -> int:
        if self._overlay is not None:
            return self._overlay.lengths[self._seq]
        return len(self._pks)

    def overlay_size(self) -> int:
        """Rows added or hidden since the base was built (0: a fresh build)."""
        return 0 if self._overlay is None else self._overlay.applied

    def memory_bytes(self) -> int:
        """Bytes held by the index's buffers (everything it keeps per indicator)."""
        parts = (
            self._pks,
            self._kinds,
            self._categories,
            self._offsets,
            self._values,
            self._bloom,
            self._records,
            self._prefixes,
        )
        return sum(sys.getsizeof(part) for part in parts)

    def full_hashes(self) -> Iterator[bytes]:
        """The SHA-256 of every expression, in ascending order."""
        overlay = self._overlay
        if overlay is None:
            yield from self._base_hashes(frozenset())
            return
        hidden = frozenset(overlay.hidden_at(self._seq))
        added = [digest for digest, _n in overlay.digests(self._seq)]
        yield from heapq.merge(self._base_hashes(hidden), added)

    def _base_hashes(self, hidden: frozenset[int]) -> Iterator[bytes]:
        records = self._records
        for k in range(0, len(records), _RECORD):
            if not hidden or int.from_bytes(records[k + 32 : k + _RECORD], "big") not in hidden:
                yield records[k : k + 32]

    def hash_prefixes(self) -> bytes:
        """The distinct 4-byte hash prefixes, ascending, concatenated (4 bytes each)."""
        present = dict.fromkeys(self._prefixes)
        overlay = self._overlay
        if overlay is not None:
            seq = self._seq
            hidden = overlay.hidden_at(seq)
            gone = {
                int.from_bytes(digest[:4], "big")
                for row_no in hidden
                for digest in _digests(self.row(row_no))
            }
            for head in gone:
                prefix = head.to_bytes(4, "big")
                if not any(overlay.base_alive(r, seq) for r in self._base_rows_for(prefix)):
                    del present[head]
            added = {int.from_bytes(digest[:4], "big") for digest, _n in overlay.digests(seq)}
            if not added.issubset(present):
                present = dict.fromkeys(sorted(present.keys() | added))
        distinct = array("I", present)
        if sys.byteorder == "little":
            distinct.byteswap()
        return distinct.tobytes()

    def full_hashes_for_prefix(self, prefix: bytes) -> list[bytes]:
        """Full hashes that start with a 4- to 32-byte prefix."""
        return [full for full, _row_no in self.entries_for_prefix(prefix)]

    def entries_for_prefix(self, prefix: bytes) -> list[tuple[bytes, int]]:
        """(full hash, row number for `row()`) of every expression whose hash starts with a
        4- to 32-byte prefix: what the privacy-preserving API answers with."""
        if not 4 <= len(prefix) <= 32:
            raise ValueError("Tiền tố băm dài từ 4 đến 32 byte.")
        records = self._records
        found = []
        for k in self._positions(prefix):
            start = _RECORD * k
            found.append(
                (
                    records[start : start + 32],
                    int.from_bytes(records[start + 32 : start + _RECORD], "big"),
                )
            )
        overlay = self._overlay
        if overlay is None:
            return found
        seq, base_rows = self._seq, overlay.base_rows
        found = [entry for entry in found if overlay.base_alive(entry[1], seq)]
        added = overlay.entries(prefix, seq)
        if added:
            found += [(digest, base_rows + n) for digest, n in added]
            found.sort(key=lambda entry: (entry[0], self._pk(entry[1])))
        return found

    def _base_rows_for(self, prefix: bytes) -> list[int]:
        records = self._records
        return [
            int.from_bytes(records[_RECORD * k + 32 : _RECORD * k + _RECORD], "big")
            for k in self._positions(prefix)
        ]

    def _positions(self, prefix: bytes) -> Iterator[int]:
        head = int.from_bytes(prefix[:4], "big")
        k = bisect_left(self._prefixes, head)
        while k < len(self._prefixes) and self._prefixes[k] == head:
            start = _RECORD * k  # slices compare: the records may be a mapped file
            if self._records[start : start + len(prefix)] == prefix:
                yield k
            k += 1

    # --- lookups -----------------------------------------------------------------------------

    def _maybe(self, expression: str) -> bool:
        x = hash(expression)
        bloom = self._bloom
        i = x & self._mask
        j = (x >> 32) & self._mask
        if bloom[i >> 3] >> (i & 7) & 1 and bloom[j >> 3] >> (j & 7) & 1:
            return True
        return self._overlay is not None and expression in self._overlay.expressions

    def _rows(self, expression: str) -> list[int]:
        """Row numbers of the listings stored under an expression, lowest pk first when the
        overlay adds some (a fresh build from the database has its rows in pk order)."""
        digest = hashlib.sha256(expression.encode("utf-8", "surrogatepass")).digest()
        found = self._base_rows_for(digest)
        overlay = self._overlay
        if overlay is None:
            return found
        seq = self._seq
        found = [row_no for row_no in found if overlay.base_alive(row_no, seq)]
        added = overlay.rows_for(expression, seq)
        if added:
            found += [overlay.base_rows + n for n in added]
            found.sort(key=self._pk)
        return found

    def _pk(self, row_no: int) -> int:
        return self.row(row_no).pk

    def row(self, row_no: int) -> IndexRow:
        if row_no >= len(self._pks):
            assert self._overlay is not None  # row numbers past the base are overlay rows
            return IndexRow(*self._overlay.rows[row_no - self._overlay.base_rows])
        value = self._values[self._offsets[row_no] : self._offsets[row_no + 1]]
        return IndexRow(
            self._pks[row_no],
            _KINDS[self._kinds[row_no]].value,
            value.decode("utf-8", "surrogatepass"),
            self._category_names[self._categories[row_no]],
        )

    def check(self, kind: Kind | str, raw: str) -> Verdict:
        """The verdict for a value of a kind as people write it; ValueError if it is not one."""
        kind = to_kind(kind)
        value = normalise(kind, raw)
        if kind == Kind.URL:
            return self.check_url(value)
        if kind in (Kind.DOMAIN, Kind.IP):
            return self.check_host(value, kind=kind)
        verdict = self._exact(kind, value)
        return verdict or Verdict(kind=kind.value, value=value)

    def _exact(self, kind: str, value: str) -> Verdict | None:
        expression = f"{kind}:{value}"
        if self._maybe(expression):
            for row_no in self._rows(expression):
                row = self.row(row_no)
                return self._listed(
                    kind,
                    value,
                    row,
                    "exact",
                    f"{_LABELS[kind]} {value} nằm trong danh sách cảnh báo.",
                )
        return None

    def check_url(self, url: str) -> Verdict:
        """The verdict for a URL (any spelling; canonicalised here). Never raises."""
        parts = canonical_parts(url)
        host = parts.host
        hosts = [host] if parts.is_ip else _host_suffixes(host)
        bloom = self._bloom
        mask = self._mask
        overlay = self._overlay
        more_hosts = _NO_HOSTS if overlay is None else overlay.hosts
        more = _NO_EXPRESSIONS if overlay is None else overlay.expressions
        paths = None
        for suffix in hosts:
            x = hash(suffix)
            i = x & mask
            j = (x >> 32) & mask
            if not (bloom[i >> 3] >> (i & 7) & 1 and bloom[j >> 3] >> (j & 7) & 1):
                if suffix not in more_hosts:
                    continue
            if paths is None:
                paths = _path_prefixes(parts.path, parts.query)
            for path in paths:
                expression = suffix + path
                x = hash(expression)
                i = x & mask
                j = (x >> 32) & mask
                if (
                    bloom[i >> 3] >> (i & 7) & 1 and bloom[j >> 3] >> (j & 7) & 1
                ) or expression in more:
                    verdict = self._url_hit(parts, suffix, path)
                    if verdict is not None:
                        return verdict
        if host in PLATFORM_HOSTS:
            verdict = self._social_hit(url)
            if verdict is not None:
                return verdict
        allowlisted = host in self.allowlist.exact or not self.allowlist.covering.isdisjoint(hosts)
        return Verdict(
            kind=_URL,
            value=str(parts),
            allowlisted=allowlisted,
            reason=ALLOWLISTED.format(host=host) if allowlisted else NOT_LISTED,
        )

    def _url_hit(self, parts: CanonicalUrl, suffix: str, path: str) -> Verdict | None:
        host = parts.host
        if suffix != host:
            registrable = registrable_domain(host)
            if registrable is None or len(suffix) < len(registrable):
                return None  # a public suffix ("com.vn", "github.io") covers nobody
        if path == "/" and self.allowlist.covers(suffix):
            return None  # allowlisted names: URL-level listings only
        for row_no in self._rows(suffix + path):
            row = self.row(row_no)
            if row.kind == Kind.URL:
                exact = canonical_parts(row.value).expression == parts.expression
                match = "exact" if exact else "url_prefix"
                reason = f"Địa chỉ {row.value} nằm trong danh sách cảnh báo" + (
                    "." if exact else "; địa chỉ này nằm dưới địa chỉ đó."
                )
            else:
                match = "exact" if suffix == host else "subdomain"
                reason = f"{_LABELS[row.kind]} {row.value} nằm trong danh sách cảnh báo" + (
                    "." if match == "exact" else "; địa chỉ này thuộc tên miền con của nó."
                )
            verdict = self._listed(_URL, str(parts), row, match, reason)
            verdict.allowlisted = self.allowlist.covers(host)
            return verdict
        return None

    def _social_hit(self, url: str) -> Verdict | None:
        try:
            profile = social_profile(url)
        except ValueError:
            return None
        if profile is None:
            return None
        verdict = self._exact(Kind.SOCIAL_PROFILE.value, profile)
        if verdict is not None:
            verdict.kind, verdict.value = Kind.URL.value, str(canonical_parts(url))
        return verdict

    def check_host(self, host: str, *, kind: Kind = Kind.DOMAIN) -> Verdict:
        """The verdict for a canonical domain or IP: listed itself, or under a listed domain."""
        if kind == Kind.IP:
            candidates = [f"[{host}]" if ":" in host else host]
        else:
            registrable = registrable_domain(host)
            candidates = [
                s
                for s in _host_suffixes(host)
                if s == host or (registrable and len(s) >= len(registrable))
            ]
        for suffix in candidates:
            expression = suffix + "/"
            if not self._maybe(expression) or self.allowlist.covers(suffix):
                continue
            rows = self._rows(expression)
            if len(rows) > 1:  # a domain's own listing answers before a URL listed at its level
                rows.sort(key=lambda row_no: self.row(row_no).kind != kind.value)
            for row_no in rows:
                row = self.row(row_no)
                exact = suffix in (host, f"[{host}]")
                reason = f"{_LABELS[row.kind]} {row.value} nằm trong danh sách cảnh báo" + (
                    "." if exact else f"; {host} là tên miền con của nó."
                )
                verdict = self._listed(
                    kind.value, host, row, "exact" if exact else "subdomain", reason
                )
                verdict.allowlisted = kind == Kind.DOMAIN and self.allowlist.covers(host)
                return verdict
        allowlisted = kind == Kind.DOMAIN and self.allowlist.covers(host)
        return Verdict(
            kind=kind.value,
            value=host,
            allowlisted=allowlisted,
            reason=ALLOWLISTED.format(host=host) if allowlisted else NOT_LISTED,
        )

    def _listed(self, kind: str, value: str, row: IndexRow, match: str, reason: str) -> Verdict:
        return Verdict(
            kind=kind,
            value=value,
            listed=True,
            allowlisted=False,
            match=match,
            matched_pk=row.pk,
            matched_kind=row.kind,
            matched_value=row.value,
            category=row.category,
            reason=reason,
        )

    def expired(self, now: datetime) -> bool:
        return self.next_expiry is not None and now >= self.next_expiry

    # --- changes -------------------------------------------------------------------------------

    def with_changes(
        self,
        states: Mapping[int, Row | None],
        *,
        version: object,
        next_expiry: datetime | None,
    ) -> MatcherIndex:
        """A new index: this one with each pk's listing replaced by its state (its row when
        listed, None when not), in time proportional to the number of states. This index
        keeps answering as before; only the newest index of a base may be changed."""
        overlay = self._overlay
        if overlay is None:
            overlay = Overlay(len(self._pks), len(self._pks))
        elif self._seq != overlay.seq:
            raise ValueError("Only the newest index of a base takes changes.")
        seq, length = overlay.seq + 1, overlay.lengths[overlay.seq]
        for pk, state in states.items():
            n = overlay.live.get(pk)
            base_row = None if n is not None else self._base_row_of(pk)
            if base_row is not None and not overlay.base_alive(base_row, overlay.seq):
                base_row = None
            if n is not None:
                current: Row | None = overlay.rows[n]
            else:
                current = None if base_row is None else self.row(base_row)
            new = None if state is None else IndexRow(*state)
            if current == new:
                continue
            if current is not None:
                if n is not None:
                    overlay.hide(pk, seq)
                else:
                    assert base_row is not None
                    overlay.hide_base(base_row, seq)
                length -= 1
            if new is not None:
                overlay.add(new, _entries(new), seq)
                length += 1
        overlay.publish(seq, length)
        index = copy.copy(self)
        index._overlay, index._seq = overlay, seq
        index.version, index.next_expiry = version, next_expiry
        return index

    def _base_row_of(self, pk: int) -> int | None:
        pks = self._pks
        if self._ascending:
            k = bisect_left(pks, pk)
            return k if k < len(pks) and pks[k] == pk else None
        if self._pk_rows is None:
            self._pk_rows = {p: row_no for row_no, p in enumerate(pks)}
        return self._pk_rows.get(pk)


_NO_HOSTS: frozenset[str] = frozenset()
_NO_EXPRESSIONS: dict[str, list[int]] = {}


def _entries(row: IndexRow) -> list[tuple[str, str | None, bytes]]:
    """(expression, its host for web kinds, SHA-256) of a listing, as the base stores them."""
    found = []
    for expression in listing_expressions(row.kind, row.value):
        host = expression[: expression.index("/")] if row.kind in _WEB_KINDS else None
        digest = hashlib.sha256(expression.encode("utf-8", "surrogatepass")).digest()
        found.append((expression, host, digest))
    return found


def _digests(row: IndexRow) -> list[bytes]:
    return [digest for _e, _h, digest in _entries(row)]


# Plain Vietnamese names for verdict texts (the model labels are lazy translations).
_LABELS: dict[str, str] = {
    Kind.URL: "Địa chỉ",
    Kind.DOMAIN: "Tên miền",
    Kind.IP: "Địa chỉ IP",
    Kind.PHONE: "Số điện thoại",
    Kind.SENDER: "Tên người gửi",
    Kind.BANK_ACCOUNT: "Tài khoản",
    Kind.EMAIL: "Email",
    Kind.SOCIAL_PROFILE: "Tài khoản mạng xã hội",
    Kind.CRYPTO_WALLET: "Ví",
}


# --- the process-wide index --------------------------------------------------------------------


class _Holder:
    def __init__(self) -> None:
        self.index: MatcherIndex | None = None
        self.version: ListVersion | None = None
        self.tracker: Tracker | None = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()


# An opaque stamp of the list, compared for equality only (its parts' types vary by database).
ListVersion = tuple[object, ...]

_holder = _Holder()


def current_version() -> ListVersion:
    """The list version: the last ListChange (id and time) and the allowlist additions."""
    from django.db import connection

    from .models import AllowedName, ListChange

    changes = connection.ops.quote_name(ListChange._meta.db_table)
    allowed = connection.ops.quote_name(AllowedName._meta.db_table)
    sql = (
        f"SELECT (SELECT MAX(id) FROM {changes}), "  # noqa: S608 (table names, not input)
        f"(SELECT at FROM {changes} ORDER BY id DESC LIMIT 1), "
        f"(SELECT COUNT(*) FROM {allowed}), (SELECT MAX(updated_at) FROM {allowed})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def build_from_database(version: object = None, *, now: datetime | None = None) -> MatcherIndex:
    """A fresh index of what is listed at `now`, its rows in pk order."""
    from django.db.models import Min
    from django.utils import timezone

    from .models import AllowedName, Indicator

    listed = Indicator.objects.listed(now or timezone.now())
    rows = (
        IndexRow(*fields)
        for fields in listed.order_by("pk")
        .values_list("pk", "kind", "value", "category")
        .iterator(chunk_size=10_000)
    )
    next_expiry = listed.aggregate(first=Min("expires_at"))["first"]
    allowlist = shipped_allowlist().with_names(
        AllowedName.objects.values_list("name", "include_subdomains")
    )
    return MatcherIndex(
        rows,
        allowlist=allowlist,
        version=version,
        next_expiry=next_expiry,
    )


def overlay_limit() -> int:
    """How many changes the overlay takes before the base is rebuilt."""
    from django.conf import settings

    return int(getattr(settings, "INDEX_OVERLAY_MAX_CHANGES", 50_000))


def get_matcher(*, refresh: bool = False) -> MatcherIndex:
    """The process-wide index, brought up to date when the list has changed (checked at most
    once a second, or now with refresh=True)."""
    holder = _holder
    index = holder.index
    if (
        index is not None
        and not refresh
        and time.monotonic() - holder.checked_at < CHECK_INTERVAL_S
    ):
        return index
    # One thread updates; the others keep answering from the current index meanwhile.
    if not holder.lock.acquire(blocking=index is None or refresh):
        assert index is not None  # a blocking acquire (index None) does not fail
        return index
    try:
        return _update(holder)
    finally:
        holder.lock.release()


def refresh_matcher(*, now: datetime | None = None) -> MatcherIndex:
    """get_matcher(refresh=True) as of a given time (`now` moves forward only)."""
    with _holder.lock:
        return _update(_holder, now)


def _update(holder: _Holder, now: datetime | None = None) -> MatcherIndex:
    from django.utils import timezone

    version = current_version()
    now = now or timezone.now()
    directory = snapshot_dir()
    if holder.index is None and directory is not None:
        _map_snapshot(holder, version, directory)
    index, tracker, known = holder.index, holder.tracker, holder.version
    if (
        index is None
        or tracker is None
        or known is None
        or version[2:] != known[2:]  # the allowlist changed
        or _change_id(version) < tracker.last_id
    ):
        index = _rebuild(holder, version, now, directory)
    elif version != known or tracker.gaps or index.expired(now):
        limit = overlay_limit()
        batch = read_changes(tracker, now=now, expiry_due=index.expired(now), limit=limit)
        if batch is None or index.overlay_size() + len(batch.states) > limit:
            index = _rebuild(holder, version, now, directory)
        else:
            next_expiry = batch.next_expiry if batch.recomputed else index.next_expiry
            for expiry in batch.expiries:
                next_expiry = expiry if next_expiry is None else min(next_expiry, expiry)
            if batch.states or version != known or next_expiry != index.next_expiry:
                index = index.with_changes(batch.states, version=version, next_expiry=next_expiry)
            holder.index, holder.version = index, version
    holder.checked_at = time.monotonic()
    return index


def _rebuild(
    holder: _Holder, version: ListVersion, now: datetime, directory: Path | None
) -> MatcherIndex:
    # The holes below the version first: a change that commits during the build is read again.
    holder.tracker = tracker = start_tracker(_change_id(version), now)
    index = build_from_database(version, now=now)
    holder.index, holder.version = index, version
    if directory is not None:
        from .snapshot import save_snapshot

        save_snapshot(
            index, directory, change_id=_change_id(version), allowlist=version[2:], tracker=tracker
        )
    return index


def snapshot_dir() -> Path | None:
    """Where snapshots of the base are written and mapped (snapshot.py); None: not used."""
    from django.conf import settings

    value = getattr(settings, "INDEX_SNAPSHOT_DIR", None)
    return Path(value) if value else None


def _map_snapshot(holder: _Holder, version: ListVersion, directory: Path) -> None:
    """Start from the newest snapshot that fits the database; the caller then reads the
    changes since it."""
    from .snapshot import fitting_snapshot, tracker_for

    found = fitting_snapshot(directory, change_id=_change_id(version), allowlist=version[2:])
    if found is not None:
        index = found.index
        index.version = (found.change_id or None, found.change_at, *version[2:])
        holder.index, holder.version = index, index.version
        holder.tracker = tracker_for(found)


def _change_id(version: ListVersion) -> int:
    last = version[0]
    return int(last) if isinstance(last, int) else 0


def mark_stale() -> None:
    """Make the next get_matcher() call compare versions (after this process changed the list)."""
    _holder.checked_at = float("-inf")


def reset_matcher() -> None:
    """Forget the process-wide index (tests)."""
    _holder.index = None
    _holder.version = None
    _holder.tracker = None
    _holder.checked_at = float("-inf")
