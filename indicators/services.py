"""Writes to the list. Every listing or delisting appends a ListChange, which versions the list."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.db import transaction
from django.utils import timezone

from .kinds import Kind
from .matcher import mark_stale
from .models import AllowedName, Category, Indicator, ListChange, Risk, Status
from .normalise import normalise, normalise_domain, to_kind


class Unset(enum.Enum):
    """An expiry left as it is (None means "never expires")."""

    UNSET = "unset"


_UNSET: Literal[Unset.UNSET] = Unset.UNSET


def record_indicator(*, kind: Kind | str, value: str, source: str = "") -> Indicator:
    """The indicator for a value (created with status "new" if unknown); ValueError if invalid."""
    return record_indicators(values=[(kind, value)], source=source)[0]


def record_indicators(
    *, values: Iterable[tuple[Kind | str, str]], source: str = "", canonical: bool = False
) -> list[Indicator]:
    """record_indicator for the (kind, value) pairs of one report, in three queries however
    many there are: a report submitted names several, and each query of its transaction holds
    SQLite's write lock. The indicators in the order given, repeats once; ValueError if a value
    is invalid.

    The insert ignores a value that a concurrent transaction inserted first (ON CONFLICT DO
    NOTHING): unlike get_or_create it needs no savepoint, and the second look-up finds that row
    once the other transaction has committed (PostgreSQL's insert waits for it).

    canonical=True: the values were normalised already (a report's stored indicator_keys, which
    the request normalised): they are not normalised a second time."""
    keys = []
    for kind, value in values:
        kind = to_kind(kind)
        keys.append((kind.value, value if canonical else normalise(kind, value)))
    keys = list(dict.fromkeys(keys))
    found = _few_by_key(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        Indicator.objects.bulk_create(
            [Indicator(kind=kind, value=value, source=source[:200]) for kind, value in missing],
            ignore_conflicts=True,
        )
        found.update(_few_by_key(missing))
    return [found[key] for key in keys]


def _few_by_key(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Indicator]:
    """indicators_by_key for the few values of one report: one query whatever their kinds (the
    (kind, value) index serves "kind IN … AND value IN …"), the pairs picked out here."""
    wanted = set(keys)
    query = Indicator.objects.filter(
        kind__in={kind for kind, _v in keys}, value__in={value for _k, value in keys}
    )
    return {(i.kind, i.value): i for i in query if (i.kind, i.value) in wanted}


def start_indicator_review(*, indicator: Indicator) -> bool:
    """new -> under review. True when this call moved it (a concurrent call gets False). It
    changes no list, so no ListChange."""
    moved = Indicator.objects.filter(pk=indicator.pk, status=Status.NEW).update(
        status=Status.UNDER_REVIEW, updated_at=timezone.now()
    )
    if moved:
        indicator.status = Status.UNDER_REVIEW
    return bool(moved)


@dataclass(frozen=True)
class Listing:
    """One value to put on the list, already in canonical form (normalise)."""

    kind: str
    value: str
    category: str = Category.SCAM
    risk: str = Risk.MEDIUM
    expires_at: datetime | None | Literal[Unset.UNSET] = _UNSET


def list_indicator(
    *,
    kind: Kind | str,
    value: str,
    category: Category | str = Category.SCAM,
    risk: Risk | str = Risk.MEDIUM,
    public_reason: str | None = None,
    source: str | None = None,
    expires_at: datetime | None | Literal[Unset.UNSET] = _UNSET,
) -> Indicator:
    """Put a value on the list (or update its listing). ValueError if the value is invalid."""
    kind = to_kind(kind)
    listing = Listing(kind, normalise(kind, value), category, risk, expires_at)
    listed = list_indicators([listing], public_reason=public_reason, source=source)
    return listed[(listing.kind, listing.value)]


def indicators_by_key(
    keys: Iterable[tuple[str, str]], *, for_update: bool = False
) -> dict[tuple[str, str], Indicator]:
    """The recorded indicators among (kind, canonical value) pairs, a few queries per thousand."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(str(kind), []).append(value)
    found: dict[tuple[str, str], Indicator] = {}
    query = Indicator.objects.select_for_update() if for_update else Indicator.objects.all()
    for kind, values in by_kind.items():
        for start in range(0, len(values), 500):
            for indicator in query.filter(kind=kind, value__in=values[start : start + 500]):
                found[(indicator.kind, indicator.value)] = indicator
    return found


def list_indicators(
    listings: Iterable[Listing],
    *,
    public_reason: str | None = None,
    source: str | None = None,
) -> dict[tuple[str, str], Indicator]:
    """list_indicator for many values in one transaction and a few queries (a bulk import lists
    tens of thousands): the same fields, and a ListChange for each new listing or each change the
    matcher and the feeds must see. Returns the indicators by (kind, value)."""
    wanted = {(str(item.kind), item.value): item for item in listings}
    now = timezone.now()
    changed: list[Indicator] = []
    with transaction.atomic():
        found = indicators_by_key(wanted, for_update=True)
        created, updated = [], []
        for key, item in wanted.items():
            indicator = found.get(key)
            if indicator is None:
                indicator = found[key] = Indicator(kind=item.kind, value=item.value)
                created.append(indicator)
            else:
                updated.append(indicator)
            was_listed = indicator.status == Status.LISTED
            before = (indicator.category, indicator.expires_at)
            indicator.status = Status.LISTED
            indicator.category = item.category
            indicator.risk = item.risk
            if public_reason is not None:
                indicator.public_reason = public_reason
            if source is not None:
                indicator.source = source[:200]
            if item.expires_at is not _UNSET:
                indicator.expires_at = item.expires_at
            if not was_listed:
                indicator.listed_at = now
            indicator.updated_at = now
            if not was_listed or before != (indicator.category, indicator.expires_at):
                changed.append(indicator)
        Indicator.objects.bulk_create(created, batch_size=500)
        Indicator.objects.bulk_update(updated, _LISTING_FIELDS, batch_size=500)
        ListChange.objects.bulk_create(
            [ListChange(indicator=i, action=ListChange.Action.ADDED, at=now) for i in changed],
            batch_size=500,
        )
        transaction.on_commit(mark_stale)
    return {key: found[key] for key in wanted}


_LISTING_FIELDS = (
    "status",
    "category",
    "risk",
    "public_reason",
    "source",
    "expires_at",
    "listed_at",
    "updated_at",
)


def delist_indicator(
    *,
    kind: Kind | str,
    value: str,
    status: Status | str = Status.CLEARED,
    public_reason: str | None = None,
) -> Indicator | None:
    """Take a value off the list; None when it was never recorded."""
    if status not in (Status.CLEARED, Status.INSUFFICIENT_EVIDENCE):
        raise ValueError(
            "Khi gỡ khỏi danh sách, trạng thái mới phải là “đã gỡ” hoặc “chưa đủ bằng chứng”."
        )
    kind = to_kind(kind)
    canonical = normalise(kind, value)
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().filter(kind=kind, value=canonical).first()
        if indicator is None:
            return None
        was_listed = indicator.status == Status.LISTED
        indicator.status = status
        if public_reason is not None:
            indicator.public_reason = public_reason
        indicator.save()
        if was_listed:
            ListChange.objects.create(indicator=indicator, action=ListChange.Action.REMOVED)
        transaction.on_commit(mark_stale)
    return indicator


@dataclass
class BulkListing:
    listed: int = 0
    already_listed: int = 0
    invalid: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, raw, why)


def bulk_list_indicators(
    *,
    items: Iterable[tuple[Kind | str, str]],
    category: Category | str,
    source: str,
    risk: Risk | str = Risk.MEDIUM,
) -> BulkListing:
    """List many (kind, value) pairs at once (seeding from a public list). Invalid values are
    reported, not raised; values already listed are left as they are."""
    result = BulkListing()
    wanted: dict[tuple[str, str], None] = {}
    for kind, raw in items:
        try:
            kind = to_kind(kind)
            wanted[(kind.value, normalise(kind, raw))] = None
        except ValueError as error:
            result.invalid.append((str(kind), raw, str(error)))
    with transaction.atomic():
        recorded = indicators_by_key(wanted, for_update=True)
        fresh = [
            Listing(kind, value, category, risk)
            for kind, value in wanted
            if (kind, value) not in recorded or recorded[(kind, value)].status != Status.LISTED
        ]
        list_indicators(fresh, source=source)
    result.listed = len(fresh)
    result.already_listed = len(wanted) - len(fresh)
    return result


def allow_name(*, name: str, include_subdomains: bool = True, note: str = "") -> AllowedName:
    """Add a never-block name (or change how far it reaches)."""
    canonical = normalise_domain(name.strip())
    allowed, _ = AllowedName.objects.update_or_create(
        name=canonical, defaults={"include_subdomains": include_subdomains, "note": note}
    )
    transaction.on_commit(mark_stale)
    return allowed


def disallow_name(*, name: str) -> bool:
    """Remove a never-block name added earlier; False when there was none."""
    canonical = normalise_domain(name.strip())
    deleted, _ = AllowedName.objects.filter(name=canonical).delete()
    transaction.on_commit(mark_stale)
    return bool(deleted)
