"""Writes to the list. Every listing or delisting appends a ListChange, which versions the list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .kinds import Kind
from .matcher import mark_stale
from .models import AllowedName, Category, Indicator, ListChange, Risk, Status
from .normalise import normalise, normalise_domain, to_kind

_UNSET = object()


def record_indicator(*, kind: Kind | str, value: str, source: str = "") -> Indicator:
    """The indicator for a value (created with status "new" if unknown); ValueError if invalid."""
    kind = to_kind(kind)
    canonical = normalise(kind, value)
    indicator, _ = Indicator.objects.get_or_create(
        kind=kind, value=canonical, defaults={"source": source[:200]}
    )
    return indicator


def start_indicator_review(*, indicator: Indicator) -> bool:
    """new -> under review. True when this call moved it (a concurrent call gets False). It
    changes no list, so no ListChange."""
    moved = Indicator.objects.filter(pk=indicator.pk, status=Status.NEW).update(
        status=Status.UNDER_REVIEW, updated_at=timezone.now()
    )
    if moved:
        indicator.status = Status.UNDER_REVIEW
    return bool(moved)


def list_indicator(
    *,
    kind: Kind | str,
    value: str,
    category: Category | str = Category.SCAM,
    risk: Risk | str = Risk.MEDIUM,
    public_reason: str | None = None,
    source: str | None = None,
    expires_at: datetime | None | object = _UNSET,
) -> Indicator:
    """Put a value on the list (or update its listing). ValueError if the value is invalid."""
    kind = to_kind(kind)
    canonical = normalise(kind, value)
    with transaction.atomic():
        indicator, _ = Indicator.objects.select_for_update().get_or_create(
            kind=kind, value=canonical
        )
        was_listed = indicator.status == Status.LISTED
        before = (indicator.category, indicator.expires_at)
        indicator.status = Status.LISTED
        indicator.category = category
        indicator.risk = risk
        if public_reason is not None:
            indicator.public_reason = public_reason
        if source is not None:
            indicator.source = source[:200]
        if expires_at is not _UNSET:
            indicator.expires_at = expires_at
        if not was_listed:
            indicator.listed_at = timezone.now()
        indicator.save()
        # A new listing, or a change the matcher and the feeds must see, makes a new version.
        if not was_listed or before != (indicator.category, indicator.expires_at):
            ListChange.objects.create(indicator=indicator, action=ListChange.Action.ADDED)
        transaction.on_commit(mark_stale)
    return indicator


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
    batch_size: int = 1000,
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
    pairs = list(wanted)
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start : start + batch_size]
            Indicator.objects.bulk_create(
                [Indicator(kind=k, value=v, source=source[:200]) for k, v in batch],
                ignore_conflicts=True,
            )
            by_kind: dict[str, list[str]] = {}
            for k, v in batch:
                by_kind.setdefault(k, []).append(v)
            for k, values in by_kind.items():
                found = Indicator.objects.filter(kind=k, value__in=values)
                result.already_listed += found.filter(status=Status.LISTED).count()
                to_list = list(found.exclude(status=Status.LISTED).values_list("pk", flat=True))
                Indicator.objects.filter(pk__in=to_list).update(
                    status=Status.LISTED,
                    category=category,
                    risk=risk,
                    listed_at=now,
                    updated_at=now,
                )
                ListChange.objects.bulk_create(
                    [
                        ListChange(indicator_id=pk, action=ListChange.Action.ADDED, at=now)
                        for pk in to_list
                    ]
                )
                result.listed += len(to_list)
        transaction.on_commit(mark_stale)
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
