"""The daily roll-up (issue 18, point 8): re-running a day replaces it, the sums read from the
roll-ups equal the same sums computed from the source rows, and the periodic task keeps the
recent days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dashboard import source
from dashboard.models import DailyBreakdown, DailyDuration, DailyFlow, DailySnapshot
from dashboard.periods import Period, Span
from dashboard.rollup import roll_up_day, roll_up_range
from lib.periodic import registered
from reports.models import Report

from .figures_world import MARCH, FiguresWorld, at, build_figures_world


@pytest.fixture
def fw(world) -> FiguresWorld:
    return build_figures_world(world)


def _rows(day: date) -> list[tuple[object, ...]]:
    result: list[tuple[object, ...]] = []
    for model in (DailyFlow, DailyBreakdown, DailyDuration, DailySnapshot):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        result += sorted(model.objects.filter(day=day).values_list(*fields))
    return result


def test_running_a_day_again_replaces_it(fw):
    day = date(2026, 3, 2)
    roll_up_day(day)
    first = _rows(day)
    assert first  # r1 and r2 were received that day
    roll_up_day(day)
    assert _rows(day) == first
    Report.objects.filter(tracking_code__in=list(
        Report.objects.filter(created_at__date=day).values_list("tracking_code", flat=True)[:1]
    )).update(money_lost=123)  # fmt: skip
    Report.objects.create(
        tracking_code="RNEW00000001", channel="sms", scam_type="loan_app", money_lost=5,
        unit=fw.world.unit("D2-C1"), source="form", created_at=at(day, 20),
    )  # fmt: skip
    roll_up_day(day)
    flows = {f.unit.code: f for f in DailyFlow.objects.filter(day=day).select_related("unit")}
    assert flows["D2-C1"].reports == 1 and flows["D2-C1"].money_lost == 5
    assert DailyFlow.objects.filter(day=day).count() == 2
    assert DailyBreakdown.objects.filter(day=day, key="loan_app").count() == 1


def _comparable(t: source.Totals) -> tuple[object, ...]:
    durations = {k: dict(v) for k, v in t.durations.items() if v}
    flow = {k: v for k, v in t.flow.items() if v}
    snapshot = {k: v for k, v in t.snapshot.items() if v}
    return flow, snapshot, t.by_scam_type, t.by_channel, durations


@pytest.mark.parametrize("period", list(Period))
def test_roll_ups_give_the_sums_of_the_source_rows(fw, period):
    roll_up_range(date(2025, 12, 1), date(2026, 5, 1), snapshot_days=[
        date(2025, 12, 1) + timedelta(days=i) for i in range(151)
    ])  # fmt: skip
    for code in ("P", "D1", "D1-C1", "D1-C2", "D2"):
        units = [fw.world.unit(code)]
        for day in (MARCH, date(2026, 3, 11), date(2026, 2, 27)):
            span = Span.containing(period, day)
            rolled = source.totals(units=units, start=span.start, end=span.end)
            direct = source.totals_direct(units=units, start=span.start, end=span.end)
            assert _comparable(rolled) == _comparable(direct), (code, span)
    province = source.totals(units=[fw.world.unit("P")], start=MARCH, end=date(2026, 4, 1))
    assert province.flow["reports"] == 7 and province.snapshot["staff"] > 0


def test_the_periodic_task_rolls_up_the_recent_days(fw, immediate_tasks):
    from dashboard.tasks import roll_up_recent_task

    assert "dashboard.tasks.roll_up_recent_task" in {p.task_path for p in registered()}
    today = timezone.localdate()
    Report.objects.create(
        tracking_code="RTODAY000001", channel="sms", scam_type="loan_app", money_lost=7,
        unit=fw.world.unit("D1-C1"), source="form", created_at=timezone.now(),
    )  # fmt: skip
    roll_up_recent_task.enqueue()
    assert DailyFlow.objects.get(day=today, unit=fw.world.unit("D1-C1")).reports == 1
    assert DailySnapshot.objects.filter(day=today).exists()
    assert DailySnapshot.objects.filter(day=today - timedelta(days=1)).exists()


def test_the_command_rebuilds_the_days_since_a_date(fw):
    from django.core.management import CommandError, call_command

    Report.objects.create(
        tracking_code="RCMD00000001", channel="sms", scam_type="loan_app", money_lost=9,
        unit=fw.world.unit("D1-C1"), source="form", created_at=timezone.now() - timedelta(days=2),
    )  # fmt: skip
    since = timezone.localdate() - timedelta(days=3)
    call_command("roll_up", since=since.isoformat())
    assert DailyFlow.objects.filter(day__gte=since).get().reports == 1
    assert not DailyFlow.objects.filter(day__lt=since).exists()
    with pytest.raises(CommandError):
        call_command("roll_up", since="hôm qua")


def test_a_course_given_to_one_person_counts_for_that_person_alone(fw):
    """A drill's follow-up lesson is an assignment to one person: it adds one person × course
    pair to their unit, not one per person of the unit (training/progress.py counts the same)."""
    from training.models import Assignment, Completion

    unit = fw.world.unit("D1-C1")
    span = (MARCH, date(2026, 4, 1))
    before = source.totals_direct(units=[unit], start=span[0], end=span[1]).snapshot
    person = fw.person("c1_0")
    given = Assignment.objects.create(
        title="Sau diễn tập", unit=unit, person=person, deadline=at(date(2026, 3, 31)),
        created_at=at(date(2026, 3, 3)),
    )  # fmt: skip
    Completion.objects.create(
        user=person, assignment=given, satisfied=True, completion=True, verb="completed",
        completed_at=at(date(2026, 3, 4)), timestamp=at(date(2026, 3, 4)),
    )  # fmt: skip
    after = source.totals_direct(units=[unit], start=span[0], end=span[1]).snapshot
    assert after["assigned"] - before["assigned"] == 1
    assert after["satisfied"] - before["satisfied"] == 1
    assert after["staff_covered"] == before["staff_covered"]
    assert after["staff"] == before["staff"]
    roll_up_range(date(2026, 3, 1), date(2026, 4, 1), snapshot_days=[date(2026, 3, 31)])
    rolled = source.totals(units=[unit], start=span[0], end=span[1]).snapshot
    assert rolled["assigned"] == after["assigned"] and rolled["satisfied"] == after["satisfied"]
