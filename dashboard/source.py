"""Where figures.py gets its sums: the daily roll-ups of groups of units (each unit with
everything below it), flows summed over [start, end), states from the last snapshot taken
before `end`. A few grouped queries per call, whatever the number of groups: a comparison of
a hundred communes costs what one commune costs.

A period is read from the monthly rows for the whole calendar months it covers and from the
daily rows for the days left at its edges (a week, or a period that starts or ends inside a
month): a year is 12 rows per unit, not 365."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from orgs.models import Unit

from .collect import (
    FLOW_FIELDS,
    SNAPSHOT_FIELDS,
    PerUnit,
    Totals,
    collect_flows,
    collect_snapshot,
    summed,
)
from .models import (
    DailyBreakdown,
    DailyDuration,
    DailyFlow,
    DailySnapshot,
    Dimension,
    Measure,
    MonthlyBreakdown,
    MonthlyDuration,
    MonthlyFlow,
)
from .periods import add_months, local_midnight, months_from

__all__ = ["Totals", "totals", "totals_many", "totals_direct", "monthly"]


def _subtree_ids(units: Sequence[Unit]) -> list[int]:
    return list(Unit.objects.within(units).values_list("pk", flat=True))


def totals_direct(*, units: Sequence[Unit], start: date, end: date) -> Totals:
    """The same sums computed straight from the source rows (slow: tests and checks only)."""
    ids = _subtree_ids(units)
    at = min(local_midnight(end), timezone.now())
    total = summed(collect_flows(local_midnight(start), local_midnight(end)), ids)
    total.snapshot = summed(collect_snapshot(at), ids).snapshot
    return total


# What the awareness index reads: flows, states and the drill reporting times, not the
# breakdowns by scam type or the case durations (a 12-month window stays cheap).
INDEX_MEASURES = (Measure.TO_DRILL_REPORT,)


# A single group is summed in the database without a row per unit: the GROUP BY of a
# province's month of breakdowns costs far less by (dimension, key) alone.
WHOLE = 0


def _add_breakdowns(
    out: PerUnit, rows: QuerySet[DailyBreakdown] | QuerySet[MonthlyBreakdown], by_unit: bool
) -> None:
    unit = ["unit_id"] if by_unit else []
    sums = (
        rows.values_list(*unit, "dimension", "key")
        .annotate(n=Sum("reports"), money=Sum("money_lost"))
        .order_by()
    )
    for row in sums:
        unit_id, (dimension, key, n, money) = (row[0], row[1:]) if by_unit else (WHOLE, row)
        t = out[unit_id]
        target = t.by_scam_type if dimension == Dimension.SCAM_TYPE else t.by_channel
        old = target.get(key, (0, 0))
        target[key] = (old[0] + n, old[1] + money)


def _add_flows(
    out: PerUnit, rows: QuerySet[DailyFlow] | QuerySet[MonthlyFlow], by_unit: bool
) -> None:
    sums = {name: Sum(name) for name in FLOW_FIELDS}
    if not by_unit:
        totals = rows.aggregate(**sums)
        out[WHOLE].flow.update({k: totals[k] or 0 for k in FLOW_FIELDS})
        return
    for row in rows.values("unit_id").annotate(**sums).order_by():
        out[row["unit_id"]].flow.update({k: row[k] or 0 for k in FLOW_FIELDS})


def _add_durations(
    out: PerUnit, rows: QuerySet[DailyDuration] | QuerySet[MonthlyDuration], by_unit: bool
) -> None:
    unit = ["unit_id"] if by_unit else []
    for row in rows.values_list(*unit, "measure", "bucket").annotate(n=Sum("count")).order_by():
        unit_id, (measure, bucket, n) = (row[0], row[1:]) if by_unit else (WHOLE, row)
        out[unit_id].durations[measure][bucket] += n


def _add_snapshot(out: PerUnit, scope: QuerySet[Unit], end: date, by_unit: bool) -> None:
    last = DailySnapshot.objects.filter(day__lt=end).aggregate(last=Max("day"))["last"]
    if last is None:
        return
    states = DailySnapshot.objects.filter(day=last, unit__in=scope)
    if not by_unit:
        totals = states.aggregate(**{name: Sum(name) for name in SNAPSHOT_FIELDS})
        out[WHOLE].snapshot.update({k: totals[k] or 0 for k in SNAPSHOT_FIELDS})
        return
    for row in states.values("unit_id", *SNAPSHOT_FIELDS):
        out[row["unit_id"]].snapshot.update({k: row[k] for k in SNAPSHOT_FIELDS})


def split_months(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole calendar months inside [start, end) (their first days) and the day ranges
    [first, last) left at its edges."""
    first_whole = start if start.day == 1 else add_months(start, 1)
    end_month = end.replace(day=1)
    if first_whole >= end_month:
        return [], [(start, end)] if start < end else []
    months = months_from(first_whole, end_month)
    edges = [(a, b) for a, b in ((start, first_whole), (end_month, end)) if a < b]
    return months, edges


def _per_unit(
    scope: QuerySet[Unit],
    start: date,
    end: date,
    *,
    index_only: bool,
    breakdowns: bool,
    by_unit: bool = True,
) -> PerUnit:
    """The roll-ups of every unit of `scope`, each unit's own rows summed over the period
    (not `by_unit`: all of `scope` summed, under the key WHOLE)."""
    out: PerUnit = defaultdict(Totals)
    months, edges = split_months(start, end)
    measures = INDEX_MEASURES if index_only else Measure.values
    if edges:
        days = Q()
        for first, last in edges:
            days |= Q(day__gte=first, day__lt=last)
        days &= Q(unit__in=scope)
        _add_flows(out, DailyFlow.objects.filter(days), by_unit)
        if breakdowns and not index_only:
            _add_breakdowns(out, DailyBreakdown.objects.filter(days), by_unit)
        _add_durations(out, DailyDuration.objects.filter(days, measure__in=measures), by_unit)
    if months:
        whole = {"month__gte": months[0], "month__lte": months[-1], "unit__in": scope}
        _add_flows(out, MonthlyFlow.objects.filter(**whole), by_unit)
        if breakdowns and not index_only:
            _add_breakdowns(out, MonthlyBreakdown.objects.filter(**whole), by_unit)
        _add_durations(out, MonthlyDuration.objects.filter(**whole, measure__in=measures), by_unit)
    _add_snapshot(out, scope, end, by_unit)
    return out


# --- answers kept between requests ------------------------------------------------------------
#
# The roll-ups change only when rollup.py rebuilds days (every hour): each rebuild draws a new
# random token in the shared cache, and the sums below are kept in this process under the
# token they were read at, so a page viewed again before the next roll-up costs no query but
# the token's. A change of the unit tree (a merger) shows within MEMO_SECONDS.

VERSION_KEY = "dashboard:rollup-version"
MEMO_SIZE = 256
MEMO_SECONDS = 300.0
_memo: OrderedDict[tuple[object, ...], tuple[float, object]] = OrderedDict()
_memo_lock = threading.Lock()
T = TypeVar("T")


def rollup_version() -> str:
    """The token of the roll-ups as they are now (a new one after each rebuild)."""
    token = cache.get(VERSION_KEY)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(VERSION_KEY, token, timeout=None):
            token = cache.get(VERSION_KEY) or token
    return str(token)


def rollups_changed() -> None:
    """Called by rollup.py after rebuilding: every process reads the sums again."""
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def _memoised(key: tuple[object, ...], compute: Callable[[], T], copied: Callable[[T], T]) -> T:
    """compute(), or what it gave under the same roll-up token; the caller gets a `copied` one
    (callers add to the Totals they get)."""
    full = (rollup_version(), *key)
    now = time.monotonic()
    with _memo_lock:
        found = _memo.get(full)
        if found is not None and now - found[0] < MEMO_SECONDS:
            _memo.move_to_end(full)
            return copied(found[1])  # type: ignore[arg-type]  # stored by compute() under this key
    value = compute()
    with _memo_lock:
        _memo[full] = (now, copied(value))
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return value


def _group_key(groups: Sequence[Sequence[Unit]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(u.path for u in group) for group in groups)


def totals_many(
    *,
    groups: Sequence[Sequence[Unit]],
    start: date,
    end: date,
    index_only: bool = False,
    breakdowns: bool = True,
) -> list[Totals]:
    """For each group of units, the sums of those units and everything below them
    (`index_only`: only what the awareness index reads; `breakdowns`: by scam type and
    channel too)."""
    key = ("totals", _group_key(groups), start, end, index_only, breakdowns)
    return _memoised(
        key,
        lambda: _totals_many(
            groups=groups, start=start, end=end, index_only=index_only, breakdowns=breakdowns
        ),
        lambda found: [t.copy() for t in found],
    )


def _totals_many(
    *,
    groups: Sequence[Sequence[Unit]],
    start: date,
    end: date,
    index_only: bool,
    breakdowns: bool,
) -> list[Totals]:
    roots = [u for group in groups for u in group]
    if not roots:
        return [Totals() for _ in groups]
    scope = Unit.objects.within(roots)
    options = {"index_only": index_only, "breakdowns": breakdowns}
    if len(groups) == 1:
        return [_per_unit(scope, start, end, **options, by_unit=False)[WHOLE]]
    per_unit = _per_unit(scope, start, end, **options)
    paths = dict(scope.values_list("pk", "path"))
    result = []
    for group in groups:
        ids = [pk for pk, path in paths.items() if any(path.startswith(u.path) for u in group)]
        result.append(summed(per_unit, ids))
    return result


def _month_flows(scope: QuerySet[Unit], start: date, end: date) -> dict[date, Totals]:
    """Flows and drill reporting times of the whole months [start, end), from monthly rows."""
    out: dict[date, Totals] = defaultdict(Totals)
    whole = {"month__gte": start, "month__lt": end, "unit__in": scope}
    sums = {name: Sum(name) for name in FLOW_FIELDS}
    for row in MonthlyFlow.objects.filter(**whole).values("month").annotate(**sums).order_by():
        out[row["month"]].flow.update({k: row[k] or 0 for k in FLOW_FIELDS})
    durations = (
        MonthlyDuration.objects.filter(**whole, measure__in=INDEX_MEASURES)
        .values_list("month", "measure", "bucket")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for month, measure, bucket, n in durations:
        out[month].durations[measure][bucket] += n
    return out


def _month_snapshots(scope: QuerySet[Unit], months: list[date]) -> dict[date, Counter[str]]:
    """For each month (its first day), the state at the last snapshot taken before its end."""
    taken = sorted(DailySnapshot.objects.values_list("day", flat=True).distinct())
    chosen: dict[date, date] = {}
    for month in months:
        end = add_months(month, 1)
        before = [d for d in taken if d < end]
        if before:
            chosen[month] = before[-1]
    sums = {name: Sum(name) for name in SNAPSHOT_FIELDS}
    rows = (
        DailySnapshot.objects.filter(day__in=set(chosen.values()), unit__in=scope)
        .values("day")
        .annotate(**sums)
        .order_by()
    )
    by_day = {row["day"]: Counter({k: row[k] or 0 for k in SNAPSHOT_FIELDS}) for row in rows}
    return {month: by_day.get(day, Counter()) for month, day in chosen.items()}


def monthly(*, units: Sequence[Unit], first: date, months: int) -> list[tuple[date, Totals]]:
    """`months` calendar months from the month of `first`: each month's flows, drill reporting
    times and state at its end (what the trend and its index need), in a few queries."""
    key = ("monthly", _group_key([units]), first, months)
    return _memoised(
        key,
        lambda: _monthly(units=units, first=first, months=months),
        lambda found: [(month, t.copy()) for month, t in found],
    )


def _monthly(*, units: Sequence[Unit], first: date, months: int) -> list[tuple[date, Totals]]:
    starts = [add_months(first, i) for i in range(months)]
    scope = Unit.objects.within(units)
    flows = _month_flows(scope, starts[0], add_months(starts[-1], 1))
    states = _month_snapshots(scope, starts)
    result = []
    for month in starts:
        t = flows.get(month, Totals())
        t.snapshot = states.get(month, Counter())
        result.append((month, t))
    return result


def totals(*, units: Sequence[Unit], start: date, end: date, index_only: bool = False) -> Totals:
    return totals_many(groups=[units], start=start, end=end, index_only=index_only)[0]
