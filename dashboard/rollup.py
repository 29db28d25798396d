"""The daily roll-up (issue 18, point 8): one day's rows in models.py, built from the source
apps by collect.py. Re-running a day replaces its rows, so it is safe to run again at any time.

The periodic task (tasks.roll_up_recent_task, every hour) rebuilds the last RECENT_DAYS days:
a drill mail sent a week ago may be reported today, and it counts on the day it was sent. It
takes the snapshot (training, open cases, drill reach) of yesterday and of today.

Each rebuild of days also rebuilds the monthly rows of the months those days fall in, from the
daily rows and in the same transaction: MonthlyFlow, MonthlyBreakdown and MonthlyDuration are
always the sums of the daily rows of their month.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .collect import FLOW_FIELDS, SNAPSHOT_FIELDS, PerDay, PerUnit, collect_days, collect_snapshot
from .models import (
    DailyBreakdown,
    DailyDuration,
    DailyFlow,
    DailySnapshot,
    Dimension,
    MonthlyBreakdown,
    MonthlyDuration,
    MonthlyFlow,
)
from .periods import add_months, local_midnight, months_from
from .source import rollups_changed

RECENT_DAYS = 14
BATCH = 2000


Rows = tuple[list[DailyFlow], list[DailyBreakdown], list[DailyDuration]]


def _flow_rows(flows: PerDay) -> Rows:
    rows, breakdowns, durations = [], [], []
    for (day, unit_id), t in flows.items():
        if any(t.flow.values()):
            rows.append(DailyFlow(day=day, unit_id=unit_id, **{k: t.flow[k] for k in FLOW_FIELDS}))
        for dimension, counts in ((Dimension.SCAM_TYPE, t.by_scam_type),
                                  (Dimension.CHANNEL, t.by_channel)):  # fmt: skip
            breakdowns += [
                DailyBreakdown(day=day, unit_id=unit_id, dimension=dimension, key=key,
                               reports=n, money_lost=money)
                for key, (n, money) in counts.items()
            ]  # fmt: skip
        durations += [
            DailyDuration(day=day, unit_id=unit_id, measure=measure, bucket=bucket, count=n)
            for measure, buckets in t.durations.items()
            for bucket, n in buckets.items()
            if n
        ]
    return rows, breakdowns, durations


def _snapshot_rows(day: date, states: PerUnit) -> list[DailySnapshot]:
    return [
        DailySnapshot(day=day, unit_id=unit_id, **{k: t.snapshot[k] for k in SNAPSHOT_FIELDS})
        for unit_id, t in states.items()
        if any(t.snapshot.values())
    ]


def _replace_flows(start: date, end: date) -> None:
    """Rebuild the flow rows of the local days [start, end) in one pass over the sources."""
    rows, breakdowns, durations = _flow_rows(
        collect_days(local_midnight(start), local_midnight(end))
    )
    days = {"day__gte": start, "day__lt": end}
    with transaction.atomic():
        for model in (DailyFlow, DailyBreakdown, DailyDuration):
            model.objects.filter(**days).delete()
        DailyFlow.objects.bulk_create(rows, batch_size=BATCH)
        DailyBreakdown.objects.bulk_create(breakdowns, batch_size=BATCH)
        DailyDuration.objects.bulk_create(durations, batch_size=BATCH)
        _replace_months(start, end)
        _changed()


def _replace_months(start: date, end: date) -> None:
    """Rebuild the monthly rows of the months of [start, end) from their daily rows (in the
    caller's transaction): a few grouped queries per month."""
    for month in months_from(start, end):
        days = {"day__gte": month, "day__lt": add_months(month, 1)}
        for model in (MonthlyFlow, MonthlyBreakdown, MonthlyDuration):
            model.objects.filter(month=month).delete()
        flows = (
            DailyFlow.objects.filter(**days)
            .values("unit_id")
            .annotate(**{name: Sum(name) for name in FLOW_FIELDS})
            .order_by()
        )
        MonthlyFlow.objects.bulk_create(
            [MonthlyFlow(month=month, **row) for row in flows], batch_size=BATCH
        )
        breakdowns = (
            DailyBreakdown.objects.filter(**days)
            .values_list("unit_id", "dimension", "key")
            .annotate(n=Sum("reports"), money=Sum("money_lost"))
            .order_by()
        )
        MonthlyBreakdown.objects.bulk_create(
            [
                MonthlyBreakdown(month=month, unit_id=unit_id, dimension=dimension, key=key,
                                 reports=n, money_lost=money)
                for unit_id, dimension, key, n, money in breakdowns
            ],
            batch_size=BATCH,
        )  # fmt: skip
        durations = (
            DailyDuration.objects.filter(**days)
            .values_list("unit_id", "measure", "bucket")
            .annotate(n=Sum("count"))
            .order_by()
        )
        MonthlyDuration.objects.bulk_create(
            [
                MonthlyDuration(month=month, unit_id=unit_id, measure=measure, bucket=bucket,
                                count=n)
                for unit_id, measure, bucket, n in durations
            ],
            batch_size=BATCH,
        )  # fmt: skip


def _changed() -> None:
    """A new roll-up token now (with the database cache it commits with these rows) and again
    once they commit (a shared cache such as Redis shows the first one before the commit: what
    a page reads in between would otherwise be kept under it)."""
    rollups_changed()
    transaction.on_commit(rollups_changed)


def _replace_snapshot(day: date) -> None:
    """The state at the end of local `day`, or now for today."""
    end = local_midnight(day + timedelta(days=1))
    states = _snapshot_rows(day, collect_snapshot(min(end, timezone.now())))
    with transaction.atomic():
        DailySnapshot.objects.filter(day=day).delete()
        DailySnapshot.objects.bulk_create(states, batch_size=BATCH)
        _changed()


def roll_up_day(day: date, *, snapshot: bool = True) -> None:
    """Rebuild the rows of local `day`: its flows, and (if `snapshot`) its state."""
    _replace_flows(day, day + timedelta(days=1))
    if snapshot:
        _replace_snapshot(day)


def _month_ends(days: list[date]) -> set[date]:
    return {d for d in days if (d + timedelta(days=1)).day == 1}


def roll_up_range(start: date, end: date, *, snapshot_days: Iterable[date] | None = None) -> int:
    """Rebuild every day of [start, end). Snapshots cost the most: by default they are taken
    on the last day of each month and on the last RECENT_DAYS days (what trends and the current
    periods read); pass `snapshot_days` to choose. Returns the number of days."""
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    if snapshot_days is None:
        chosen = _month_ends(days) | set(days[-RECENT_DAYS:])
    else:
        chosen = set(snapshot_days)
    # A calendar month per pass (31 days at most: memory stays small), so that each month's
    # monthly rows are rebuilt once.
    for month in months_from(start, end):
        _replace_flows(max(start, month), min(end, add_months(month, 1)))
    for day in sorted(chosen):
        _replace_snapshot(day)
    return len(days)


def roll_up_recent(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    start = today - timedelta(days=RECENT_DAYS - 1)
    return roll_up_range(
        start, today + timedelta(days=1), snapshot_days={today - timedelta(days=1), today}
    )
