"""Figures (issue 18, points 1, 7 and 9): what the roll-ups give matches counts computed in
Python straight from the rows of the small world; a commune manager cannot reach another
commune's figures; a cohort of 4 shows no rates."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bulletins.models import Bulletin, OutboxItem
from dashboard import figures
from dashboard.figures import Period
from dashboard.rollup import roll_up_range
from drills.models import EventKind, EventSource, Recipient
from indicators.models import Status
from orgs.models import Unit, User
from reports.models import Appeal, AppealStatus, AuditAction, AuditEvent, Case, Report
from training.models import Assignment, Completion

from .figures_world import MARCH, FiguresWorld, build_figures_world

APRIL = date(2026, 4, 1)
FEBRUARY = date(2026, 2, 1)


@pytest.fixture
def fw(world) -> FiguresWorld:
    built = build_figures_world(world)
    roll_up_range(date(2026, 1, 1), date(2026, 5, 1))
    return built


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _within(moment: datetime | None, start: date, end: date) -> bool:
    day = _local_day(moment)
    return day is not None and start <= day < end


def _under(unit: Unit, other: Unit | None) -> bool:
    return other is not None and other.path.startswith(unit.path)


def _first_event_days(unit: Unit, statuses: set[str], actions: set[str]) -> dict[int, datetime]:
    firsts: dict[int, datetime] = {}
    for e in AuditEvent.objects.select_related("case__unit"):
        if e.case and _under(unit, e.case.unit) and e.action in actions:
            case_id = e.case.pk
            if e.after.get("status") in statuses and (
                case_id not in firsts or e.at < firsts[case_id]
            ):
                firsts[case_id] = e.at
    return firsts


def _hours_since_first_report(firsts: dict[int, datetime], start: date, end: date) -> list[int]:
    hours = []
    for case_id, moment in firsts.items():
        first_report = min(r.created_at for r in Case.objects.get(pk=case_id).reports.all())
        hours.append(int((moment - first_report).total_seconds() // 3600))
    return hours


def _expected_cases(unit: Unit, start: date, end: date) -> dict[str, object]:
    listed = _first_event_days(unit, {Status.LISTED}, {AuditAction.CONFIRMED})
    cleared = _first_event_days(
        unit, {Status.CLEARED, Status.INSUFFICIENT_EVIDENCE}, {AuditAction.DECIDED}
    )
    decided = {k: min(v, cleared.get(k, v)) for k, v in listed.items()} | {
        k: v for k, v in cleared.items() if k not in listed
    }
    in_span = {name: {k: v for k, v in d.items() if _within(v, start, end)}
               for name, d in (("listed", listed), ("cleared", cleared), ("decided", decided))}  # fmt: skip
    end_moment = timezone.make_aware(datetime.combine(end, datetime.min.time()))
    pending = [
        c for c in Case.objects.select_related("unit")
        if _under(unit, c.unit) and c.created_at < end_moment
        and (c.closed_at is None or c.closed_at >= end_moment)
    ]  # fmt: skip
    return {
        "listed": len(in_span["listed"]),
        "cleared": len(in_span["cleared"]),
        "decided": len(in_span["decided"]),
        "pending": len(pending),
        "to_listing": _hours_since_first_report(in_span["listed"], start, end),
        "to_decision": _hours_since_first_report(in_span["decided"], start, end),
    }


def _median(values: list[int]) -> int | None:
    return statistics.median_low(values) if values else None


def _assert_reports(fig: figures.Figures, unit: Unit, start: date, end: date) -> None:
    rows = [
        r for r in Report.objects.select_related("unit")
        if _under(unit, r.unit) and _within(r.created_at, start, end)
    ]  # fmt: skip
    assert fig.reports.received == len(rows)
    assert fig.reports.money_lost == sum(r.money_lost or 0 for r in rows)
    assert {c.key: c.reports for c in fig.reports.by_scam_type} == Counter(
        r.scam_type for r in rows
    )
    assert {c.key: c.reports for c in fig.reports.by_channel} == Counter(r.channel for r in rows)
    money = Counter[str]()
    for r in rows:
        money[r.scam_type] += r.money_lost or 0
    assert {c.key: c.money_lost for c in fig.reports.by_scam_type} == {
        k: money[k] for k in Counter(r.scam_type for r in rows)
    }


def _assert_cases(fig: figures.Figures, unit: Unit, start: date, end: date) -> None:
    expected = _expected_cases(unit, start, end)
    c = fig.cases
    assert (c.listed, c.cleared, c.decided, c.pending) == (
        expected["listed"], expected["cleared"], expected["decided"], expected["pending"],
    )  # fmt: skip
    assert c.median_hours_to_listing == _median(expected["to_listing"])  # type: ignore[arg-type]
    assert c.median_hours_to_decision == _median(expected["to_decision"])  # type: ignore[arg-type]
    appeals = [a for a in Appeal.objects.select_related("unit") if _under(unit, a.unit)]
    assert c.appeals_received == sum(_within(a.created_at, start, end) for a in appeals)
    for status, count in ((AppealStatus.DELISTED, c.appeals_delisted),
                          (AppealStatus.REJECTED, c.appeals_rejected)):  # fmt: skip
        assert count == sum(
            a.status == status and _within(a.decided_at, start, end) for a in appeals
        )


def _assert_training(fig: figures.Figures, unit: Unit, end: date) -> None:
    end_moment = timezone.make_aware(datetime.combine(end, datetime.min.time()))
    staff = [
        u for u in User.objects.select_related("home_unit")
        if u.is_active and _under(unit, u.home_unit) and u.date_joined < end_moment
    ]  # fmt: skip
    assignments = [
        a for a in Assignment.objects.select_related("unit") if a.created_at < end_moment
    ]
    pairs = [(u, a) for u in staff for a in assignments if _under(a.unit, u.home_unit)]
    done = {(c.user_id, c.assignment_id): c for c in Completion.objects.all()}
    satisfied = sum(
        1 for u, a in pairs
        if (c := done.get((u.pk, a.pk))) and c.satisfied and c.completed_at and c.completed_at < end_moment
    )  # fmt: skip
    with_quiz = [(u, a) for u, a in pairs if a.quiz_id]
    passed = sum(
        1 for u, a in with_quiz
        if (c := done.get((u.pk, a.pk))) and c.success is True and c.timestamp < end_moment
    )  # fmt: skip
    covered = {u.pk for u, _a in pairs}
    t = fig.training
    assert t.staff == len(staff) >= 5
    assert (t.covered, t.assigned, t.satisfied, t.with_quiz, t.passed) == (
        len(covered), len(pairs), satisfied, len(with_quiz), passed,
    )  # fmt: skip
    assert t.coverage_rate == round(100 * len(covered) / len(staff), 1)
    assert t.completion_rate == round(100 * satisfied / len(pairs), 1)
    assert t.pass_rate == round(100 * passed / len(with_quiz), 1)


def _assert_drills(fig: figures.Figures, unit: Unit, start: date, end: date) -> None:
    mails = [
        r for r in Recipient.objects.select_related("person__home_unit", "campaign__template")
        if _under(unit, r.person.home_unit) and _within(r.sent_at, start, end)
    ]  # fmt: skip
    reported, clicked, submitted, minutes = 0, 0, 0, []
    for r in mails:
        events = list(r.events.all())
        reports = sorted(e.at for e in events if e.kind == EventKind.REPORTED)
        reported += bool(reports)
        if reports:
            assert r.sent_at is not None
            minutes.append(int((reports[0] - r.sent_at).total_seconds() // 60))
        person = [e.kind for e in events if e.source == EventSource.PERSON]
        clicked += EventKind.CLICKED in person
        submitted += EventKind.SUBMITTED in person
    d = fig.drills
    n = len(mails)
    assert n >= 5 and d.recipients == n
    assert (d.reported, d.clicked, d.submitted) == (reported, clicked, submitted)
    assert d.report_rate == round(100 * reported / n, 1)
    assert d.click_rate == round(100 * clicked / n, 1)
    assert d.median_minutes_to_report == _median(minutes)
    assert d.mean_difficulty == round(sum(r.campaign.template.difficulty for r in mails) / n, 1)


def _assert_bulletins(fig: figures.Figures, unit: Unit, start: date, end: date) -> None:
    published = [b for b in Bulletin.objects.select_related("unit") if _under(unit, b.unit)]
    assert fig.bulletins.published == sum(_within(b.published_at, start, end) for b in published)
    posts = OutboxItem.objects.select_related("revision__bulletin__unit")
    assert fig.bulletins.deliveries == sum(
        _under(unit, p.revision.bulletin.unit) and _within(p.sent_at, start, end) for p in posts
    )


@pytest.mark.parametrize("code", ["D1", "D1-C1", "P"])
def test_figures_match_counts_computed_from_the_rows(fw, code):
    unit = fw.world.unit(code)
    result = figures.unit_figures(
        user=fw.person("admin"), unit=unit, period=Period.MONTH, start=date(2026, 3, 17)
    )
    assert (result.current.span.start, result.current.span.end) == (MARCH, APRIL)
    assert (result.previous.span.start, result.previous.span.end) == (FEBRUARY, MARCH)
    for fig, start, end in ((result.current, MARCH, APRIL), (result.previous, FEBRUARY, MARCH)):
        _assert_reports(fig, unit, start, end)
        _assert_cases(fig, unit, start, end)
        _assert_bulletins(fig, unit, start, end)
    _assert_training(result.current, unit, APRIL)
    _assert_drills(result.current, unit, MARCH, APRIL)


def test_the_month_is_counted_in_local_days(fw):
    """A report at 23:30 on 31 March (local) counts in March, one at 00:10 on 1 April in April."""
    admin, c1 = fw.person("admin"), fw.world.unit("D1-C1")
    march = figures.unit_figures(user=admin, unit=c1, period="month", start=MARCH).current
    april = figures.unit_figures(user=admin, unit=c1, period="month", start=APRIL).current
    assert {c.key: c.reports for c in march.reports.by_scam_type}["romance"] == 1
    assert {c.key: c.reports for c in april.reports.by_scam_type} == {"romance": 1}
    assert march.cases.median_hours_to_listing == 27  # 09:00 on 2/3 to 12:30 on 3/3


def test_a_commune_manager_cannot_see_another_commune(fw):
    manager, own, other = fw.person("manager_c1"), fw.world.unit("D1-C1"), fw.world.unit("D1-C2")
    month, start = Period.MONTH, MARCH
    assert (
        figures.unit_figures(
            user=manager, unit=own, period=month, start=start
        ).current.reports.received
        == 4
    )
    calls = [
        lambda u: figures.unit_figures(user=manager, unit=u, period=month, start=start),
        lambda u: figures.awareness_index(user=manager, unit=u, period=month, start=start),
        lambda u: figures.sibling_comparison(user=manager, unit=u, period=month, start=start),
        lambda u: figures.trend(user=manager, unit=u, today=MARCH),
    ]
    for call in calls:
        for unit in (other, fw.world.unit("D1"), fw.world.unit("P")):
            with pytest.raises(PermissionDenied):
                call(unit)
    comparison = figures.sibling_comparison(user=manager, unit=own, period=month, start=start)
    assert [r.label for r in comparison.rows] == [own.name, "Toàn tỉnh"]
    assert comparison.hidden_siblings == 1
    district = figures.sibling_comparison(
        user=fw.person("manager_d1"), unit=own, period=month, start=start
    )
    assert [r.unit.code for r in district.rows if r.unit] == ["D1-C1", "D1-C2"]


def test_a_cohort_of_four_shows_no_rates(fw):
    c2 = fw.world.unit("D1-C2")
    result = figures.unit_figures(
        user=fw.person("admin"), unit=c2, period=Period.MONTH, start=MARCH
    )
    t, d = result.current.training, result.current.drills
    assert t.staff == 4 and d.recipients == 4
    assert (t.coverage_rate, t.completion_rate, t.pass_rate) == (None, None, None)
    assert (t.covered, t.assigned, t.satisfied, t.with_quiz, t.passed) == (None,) * 5
    assert (d.report_rate, d.click_rate, d.median_minutes_to_report) == (None, None, None)
    assert (d.reported, d.clicked, d.submitted) == (None, None, None)
    assert result.index.value is None
    assert all(p.score is None for p in result.index.parts)
    # Reports are about citizens, not the cohort: their counts stay.
    assert result.current.reports.received == 1
