"""Monthly roll-ups: a period is read from the monthly rows for its whole calendar months and
from the daily rows at its edges, and gives the same sums as the source rows whatever its
shape; rebuilding a day keeps its month's rows equal to the sum of its days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from dashboard import source
from dashboard.models import DailyFlow, MonthlyBreakdown, MonthlyDuration, MonthlyFlow
from dashboard.rollup import roll_up_day, roll_up_range
from dashboard.source import split_months
from reports.models import Report

from .figures_world import at, build_figures_world


def test_split_months():
    assert split_months(date(2026, 1, 1), date(2026, 4, 1)) == (
        [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        [],
    )
    assert split_months(date(2026, 2, 15), date(2026, 4, 10)) == (
        [date(2026, 3, 1)],
        [(date(2026, 2, 15), date(2026, 3, 1)), (date(2026, 4, 1), date(2026, 4, 10))],
    )
    # A week across the end of February: days only.
    assert split_months(date(2026, 2, 23), date(2026, 3, 2)) == (
        [],
        [(date(2026, 2, 23), date(2026, 3, 2))],
    )
    assert split_months(date(2026, 3, 1), date(2026, 3, 1)) == ([], [])
    assert split_months(date(2025, 12, 1), date(2026, 1, 1)) == ([date(2025, 12, 1)], [])


def _sums(t: source.Totals) -> tuple[object, ...]:
    durations = {m: dict(b) for m, b in t.durations.items() if sum(b.values())}
    return dict(+t.flow), dict(t.by_scam_type), dict(t.by_channel), durations


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 1), date(2026, 5, 1)),  # whole months only
        (date(2026, 2, 16), date(2026, 4, 9)),  # both edges inside a month
        (date(2026, 2, 23), date(2026, 3, 9)),  # two weeks across a month's end
        (date(2026, 3, 1), date(2026, 3, 20)),  # the start of a month
    ],
)
def test_any_period_sums_as_the_source_rows(world, start, end):
    fw = build_figures_world(world)
    roll_up_range(date(2026, 1, 1), date(2026, 5, 1))
    for unit in (fw.world.unit("P"), fw.world.unit("D1"), fw.world.unit("D1-C1")):
        rolled = source.totals(units=[unit], start=start, end=end)
        direct = source.totals_direct(units=[unit], start=start, end=end)
        assert _sums(rolled) == _sums(direct), (unit.code, start, end)
    assert _sums(source.totals(units=[fw.world.unit("P")], start=start, end=end))[0]


def _month_sum(month: date) -> int:
    return MonthlyFlow.objects.filter(month=month).aggregate(n=Sum("reports"))["n"] or 0


def test_rebuilding_a_day_rebuilds_its_month(world):
    fw = build_figures_world(world)
    roll_up_range(date(2026, 1, 1), date(2026, 5, 1))
    march = date(2026, 3, 1)
    days = DailyFlow.objects.filter(day__gte=march, day__lt=date(2026, 4, 1))
    before = days.aggregate(n=Sum("reports"))["n"]
    assert before and _month_sum(march) == before
    day = date(2026, 3, 18)
    Report.objects.create(
        tracking_code="RMONTH000001", channel="sms", scam_type="loan_app", money_lost=11,
        unit=fw.world.unit("D1-C1"), source="form", created_at=at(day, 10),
    )  # fmt: skip
    roll_up_day(day)
    assert _month_sum(march) == before + 1
    row = MonthlyBreakdown.objects.get(
        month=march, unit=fw.world.unit("D1-C1"), dimension="scam_type", key="loan_app"
    )
    assert row.money_lost >= 11
    # Rebuilding the day again changes nothing; other months keep their rows.
    april = _month_sum(date(2026, 4, 1))
    roll_up_day(day)
    assert _month_sum(march) == before + 1
    assert _month_sum(date(2026, 4, 1)) == april
    assert MonthlyDuration.objects.filter(month__lt=date(2026, 5, 1)).exists()


def test_the_current_month_is_kept_by_the_periodic_roll_up(world):
    from dashboard.rollup import roll_up_recent

    fw = build_figures_world(world)
    today = timezone.localdate()
    Report.objects.create(
        tracking_code="RMONTH000002", channel="sms", scam_type="loan_app", money_lost=5,
        unit=fw.world.unit("D1-C1"), source="form", created_at=timezone.now(),
    )  # fmt: skip
    roll_up_recent(today=today)
    month = today.replace(day=1)
    assert (
        _month_sum(month)
        == (
            DailyFlow.objects.filter(day__gte=month, day__lte=today).aggregate(n=Sum("reports"))[
                "n"
            ]
        )
    )
    assert _month_sum(month) >= 1
    # The first of the 14 days may lie in the month before: that month is rebuilt whole.
    first = today - timedelta(days=13)
    if first.month != today.month:
        earlier = first.replace(day=1)
        whole = DailyFlow.objects.filter(day__gte=earlier, day__lt=month)
        assert _month_sum(earlier) == (whole.aggregate(n=Sum("reports"))["n"] or 0)


def test_sums_are_kept_until_the_next_roll_up(world, django_assert_max_num_queries):
    fw = build_figures_world(world)
    roll_up_range(date(2026, 1, 1), date(2026, 5, 1))
    unit, span = [fw.world.unit("D1-C1")], (date(2026, 3, 1), date(2026, 4, 1))
    first = source.totals(units=unit, start=span[0], end=span[1])
    with django_assert_max_num_queries(1):  # the roll-up token only
        again = source.totals(units=unit, start=span[0], end=span[1])
    assert _sums(again) == _sums(first)
    again.flow["reports"] += 100  # a caller changing its copy changes nothing kept
    again.durations["to_drill_report"][99_999] += 1
    again.by_scam_type["loan_app"] = (10**6, 0)
    kept = source.totals(units=unit, start=span[0], end=span[1])
    assert kept.flow == first.flow and _sums(kept) == _sums(first)
    Report.objects.create(
        tracking_code="RMONTH000003", channel="sms", scam_type="loan_app", money_lost=3,
        unit=fw.world.unit("D1-C1"), source="form", created_at=at(date(2026, 3, 10), 10),
    )  # fmt: skip
    # Not rolled up yet: the page still shows the roll-ups as they are.
    assert source.totals(units=unit, start=span[0], end=span[1]).flow == first.flow
    roll_up_day(date(2026, 3, 10))
    after = source.totals(units=unit, start=span[0], end=span[1])
    assert after.flow["reports"] == first.flow["reports"] + 1
    assert _sums(after) == _sums(source.totals_direct(units=unit, start=span[0], end=span[1]))
