"""The list changes since the base index was built, applied in place: the overlay.

A listing or a delisting must reach every worker's index in time proportional to the change,
not by rebuilding a million rows (matcher.MatcherIndex, about 10 s). So the index a process
holds is its base (built once) plus this overlay: the rows listed since (looked up by their
expressions, as the base looks them up) and the base rows hidden since (delisted, expired or
changed). The base is rebuilt only when the overlay grows past INDEX_OVERLAY_MAX_CHANGES.

Readers never lock. Each index handed out (a "view") reads the overlay as of its own sequence
number: an overlay row counts when born <= seq < died, a base row when it was not hidden at or
before seq. The one writer (under the holder's lock) only appends and stamps the next sequence
number, then publishes it; a request still holding an older view sees the list as it was,
never half of a change. Stale entries stay until the next rebuild.

The second half reads the changes from the database. ListChange ids are the list version, but
on PostgreSQL ids are taken when a row is inserted, not when its transaction commits: a
listing with id 101 may become visible after one with id 102. A hole in the ids seen is kept
as a gap and read again on every refresh until it fills or GAP_WAIT_S passes (a rolled-back
transaction leaves a hole for good). Reading a change again is harmless: applying it means
taking the indicator's state now (Indicator.objects.listed(now) is the truth).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime

_ALIVE = sys.maxsize
GAP_WAIT_S = 600.0  # a transaction that commits its listings later is seen at the next rebuild
GAP_LOOKBACK = 10_000  # ids below the version looked at for holes when a base is built
MAX_GAPS = 20
_CHUNK = 500

Row = tuple[int, str, str, str]  # matcher.IndexRow: pk, kind, value, category


class Overlay:
    """Rows listed and base rows hidden since a base of `base_rows` rows was built."""

    def __init__(self, base_rows: int, base_len: int) -> None:
        self.base_rows = base_rows  # overlay row n has the row number base_rows + n
        self.seq = 0  # the newest published sequence number
        self.rows: list[Row] = []
        self.born: list[int] = []
        self.died: list[int] = []
        self.live: dict[int, int] = {}  # pk -> its overlay row alive at the newest seq
        self.expressions: dict[str, list[int]] = {}  # expression -> overlay rows
        self.hosts: set[str] = set()  # the host of each web expression (check_url probes hosts)
        self.heads: dict[int, list[tuple[bytes, int]]] = {}  # 4-byte prefix -> (digest, row)
        self.hidden: dict[int, int] = {}  # base row number -> first seq it is hidden at
        self.lengths: list[int] = [base_len]  # the number of listed rows at each seq
        self.applied = 0  # rows added or hidden since the base: what the rebuild limit counts

    # --- readers ---------------------------------------------------------------------------

    def alive(self, n: int, seq: int) -> bool:
        return self.born[n] <= seq < self.died[n]

    def base_alive(self, row_no: int, seq: int) -> bool:
        return self.hidden.get(row_no, _ALIVE) > seq

    def rows_for(self, expression: str, seq: int) -> list[int]:
        """Overlay rows (numbers within the overlay) stored under an expression at seq."""
        return [n for n in self.expressions.get(expression, ()) if self.alive(n, seq)]

    def entries(self, prefix: bytes, seq: int) -> list[tuple[bytes, int]]:
        """(digest, overlay row) of the rows alive at seq whose digest starts with prefix."""
        head = int.from_bytes(prefix[:4], "big")
        return [
            (digest, n)
            for digest, n in self.heads.get(head, ())
            if digest.startswith(prefix) and self.alive(n, seq)
        ]

    def digests(self, seq: int) -> list[tuple[bytes, int]]:
        return sorted(
            (digest, n)
            for entries in self.heads.values()
            for digest, n in entries
            if self.alive(n, seq)
        )

    def hidden_at(self, seq: int) -> list[int]:
        return [row_no for row_no, since in self.hidden.items() if since <= seq]

    # --- the writer (one at a time) --------------------------------------------------------

    def hide_base(self, row_no: int, seq: int) -> None:
        self.hidden.setdefault(row_no, seq)
        self.applied += 1

    def hide(self, pk: int, seq: int) -> bool:
        """Retire the live overlay row of pk; False when it has none."""
        n = self.live.pop(pk, None)
        if n is None:
            return False
        self.died[n] = seq
        self.applied += 1
        return True

    def add(self, row: Row, expressions: list[tuple[str, str | None, bytes]], seq: int) -> None:
        """A row listed from seq on, with its (expression, host or None, SHA-256) triples."""
        n = len(self.rows)
        self.rows.append(row)
        self.born.append(seq)
        self.died.append(_ALIVE)
        self.live[row[0]] = n
        for expression, host, digest in expressions:
            self.expressions.setdefault(expression, []).append(n)
            if host is not None:
                self.hosts.add(host)
            self.heads.setdefault(int.from_bytes(digest[:4], "big"), []).append((digest, n))
        self.applied += 1

    def publish(self, seq: int, length: int) -> None:
        self.lengths.append(length)
        self.seq = seq


# --- reading the changes from the database ----------------------------------------------------


@dataclass
class Gap:
    first: int
    last: int
    since: float  # time.monotonic() when first seen


@dataclass
class Tracker:
    """Where a process's index stands: the last ListChange id applied, the time its listed
    rows were decided at, and the holes below that id still to read."""

    last_id: int
    valid_at: datetime
    gaps: list[Gap] = field(default_factory=list)
    # The time of change `last_id`: a rolled-back transaction (SQLite hands its ids out again)
    # or a restored backup can put another change under an id already applied.
    last_at: datetime | None = None


@dataclass(frozen=True)
class ChangeBatch:
    states: dict[int, Row | None]  # pk -> its row when listed now, None when not
    expiries: list[datetime]  # expiry times of the rows listed now
    next_expiry: datetime | None  # recomputed when `recomputed` (an expiry pass ran)
    recomputed: bool


def start_tracker(version_id: int | None, now: datetime) -> Tracker:
    """The tracker of a base built at ListChange id `version_id`, with the holes below it."""
    from .models import ListChange

    last = version_id or 0
    tracker = Tracker(last_id=last, valid_at=now)
    if last:
        present = ListChange.objects.filter(pk__gt=last - GAP_LOOKBACK, pk__lte=last)
        rows = sorted(present.values_list("pk", "at"))
        tracker.gaps = _holes([pk for pk, _at in rows], time.monotonic())
        tracker.last_at = rows[-1][1] if rows and rows[-1][0] == last else None
    return tracker


def _holes(ids: list[int], since: float) -> list[Gap]:
    """The runs of missing ids between consecutive ids of a sorted list."""
    return [Gap(a + 1, b - 1, since) for a, b in zip(ids, ids[1:], strict=False) if b > a + 1]


def read_changes(
    tracker: Tracker, *, now: datetime, expiry_due: bool, limit: int
) -> ChangeBatch | None:
    """The state now of every indicator changed since the tracker (and, when expiry_due, of
    those expired since), and move the tracker. None when more than `limit` changed, or when
    the change the tracker stands at is no longer what it applied: rebuild."""
    from django.db.models import Min, Q

    from .models import Indicator, ListChange, Status

    # The change the tracker stands at is read again with the new ones, to check it is the same.
    condition = Q(pk__gte=tracker.last_id) if tracker.last_id else Q(pk__gt=0)
    for gap in tracker.gaps:
        condition |= Q(pk__gte=gap.first, pk__lte=gap.last)
    rows = list(
        ListChange.objects.filter(condition)
        .order_by("pk")
        .values_list("pk", "indicator_id", "at")[: limit + 2]
    )
    if tracker.last_id and tracker.last_at is not None:
        standing = next((r for r in rows if r[0] == tracker.last_id), None)
        if standing is None or standing[2] != tracker.last_at:
            return None
    found = [(pk, indicator) for pk, indicator, _at in rows if pk != tracker.last_id]
    if len(found) > limit:
        return None
    newest = max(rows, default=None)
    touched = {indicator for _id, indicator in found}
    if expiry_due:
        expired = Indicator.objects.filter(
            status=Status.LISTED, expires_at__gt=tracker.valid_at, expires_at__lte=now
        )
        touched.update(expired.values_list("pk", flat=True))
        if len(touched) > limit:
            return None
    states: dict[int, Row | None] = dict.fromkeys(touched)
    expiries = []
    pks = sorted(touched)
    listed = Indicator.objects.listed(now)
    for start in range(0, len(pks), _CHUNK):
        chunk = listed.filter(pk__in=pks[start : start + _CHUNK])
        for pk, kind, value, category, expires_at in chunk.values_list(
            "pk", "kind", "value", "category", "expires_at"
        ):
            states[pk] = (pk, kind, value, category)
            if expires_at is not None:
                expiries.append(expires_at)
    next_expiry = listed.aggregate(first=Min("expires_at"))["first"] if expiry_due else None
    _advance(tracker, [change_id for change_id, _i in found], now)
    if newest is not None and newest[0] == tracker.last_id:
        tracker.last_at = newest[2]
    return ChangeBatch(states, expiries, next_expiry, recomputed=expiry_due)


def _advance(tracker: Tracker, ids: list[int], now: datetime) -> None:
    """Move the tracker past the ids read: fill the gaps they were in, keep the new holes."""
    clock = time.monotonic()
    seen = set(ids)
    gaps: list[Gap] = []
    for gap in tracker.gaps:
        if clock - gap.since > GAP_WAIT_S:
            continue
        inside = sorted(i for i in seen if gap.first <= i <= gap.last)
        if not inside:
            gaps.append(gap)
            continue
        bounds = [gap.first - 1, *inside, gap.last + 1]
        gaps.extend(Gap(g.first, g.last, gap.since) for g in _holes(bounds, clock))
    newer = sorted(i for i in seen if i > tracker.last_id)
    if newer:
        # Below the first id ever seen nothing is known to be missing (ids of rolled-back
        # transactions before this process started).
        start = [tracker.last_id] if tracker.last_id else []
        gaps.extend(_holes(start + newer, clock))
        tracker.last_id = newer[-1]
    if len(gaps) > MAX_GAPS:  # read one range again instead of many
        gaps = [Gap(min(g.first for g in gaps), max(g.last for g in gaps), gaps[0].since)]
    tracker.gaps = gaps
    tracker.valid_at = now
