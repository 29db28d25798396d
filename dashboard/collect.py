"""Figures computed from the source apps' rows, per unit (its own rows) — what the roll-up
stores for a day (rollup.py). Each query groups in the database; nothing loops over people.

Attribution: a report to the unit where the reporter lives; a case, its decisions and its
durations to the case's unit; an appeal to its handling unit; a drill mail and training to the
home unit of the person; a bulletin and its deliveries to the unit that publishes it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from bulletins.models import Bulletin, Channel, DeliveryStatus, EmailDelivery, OutboxItem
from drills.models import Event, EventKind, EventSource, Recipient
from indicators.models import Status
from orgs.models import User
from reports.models import Appeal, AppealStatus, AuditAction, AuditEvent, Case, Report
from training.models import Assignment, Completion

MAX_HOURS = 24 * 366  # longer durations are kept in the last bucket
MAX_MINUTES = 7 * 24 * 60
DRILL_REACH = timedelta(days=365)
SEND_DELAY = timedelta(days=31)  # the longest a due drill mail waits for its sending window

FLOW_FIELDS = (
    "reports", "money_lost", "cases_listed", "cases_cleared", "cases_decided",
    "appeals_received", "appeals_delisted", "appeals_rejected", "drill_recipients",
    "drill_reported", "drill_clicked", "drill_submitted", "drill_difficulty_sum",
    "bulletins_published", "deliveries",
)  # fmt: skip
SNAPSHOT_FIELDS = (
    "staff", "staff_covered", "assigned", "satisfied", "with_quiz", "passed", "staff_drilled",
    "cases_pending",
)  # fmt: skip


@dataclass
class Totals:
    """Summable figures of one unit, or of a set of units added together."""

    flow: Counter[str] = field(default_factory=Counter)
    snapshot: Counter[str] = field(default_factory=Counter)
    by_scam_type: dict[str, tuple[int, int]] = field(default_factory=dict)  # (reports, money)
    by_channel: dict[str, tuple[int, int]] = field(default_factory=dict)
    durations: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, other: Totals) -> None:
        self.flow.update(other.flow)
        self.snapshot.update(other.snapshot)
        for mine, theirs in ((self.by_scam_type, other.by_scam_type),
                             (self.by_channel, other.by_channel)):  # fmt: skip
            for key, (n, money) in theirs.items():
                old = mine.get(key, (0, 0))
                mine[key] = (old[0] + n, old[1] + money)
        for measure, buckets in other.durations.items():
            self.durations[measure].update(buckets)

    def copy(self) -> Totals:
        """A copy to add to without changing this one (the counters are copied, one level)."""
        return Totals(
            flow=Counter(self.flow),
            snapshot=Counter(self.snapshot),
            by_scam_type=dict(self.by_scam_type),
            by_channel=dict(self.by_channel),
            durations=defaultdict(Counter, {m: Counter(b) for m, b in self.durations.items()}),
        )

    def median(self, measure: str) -> int | None:
        """The lower median of the durations of `measure`, in whole hours or minutes."""
        buckets = self.durations.get(measure)
        n = sum(buckets.values()) if buckets else 0
        if not buckets or not n:
            return None
        target, seen = (n - 1) // 2, 0
        for bucket in sorted(buckets):
            seen += buckets[bucket]
            if seen > target:
                return bucket
        return None  # not reached: the buckets hold n durations


PerUnit = dict[int, Totals]
# Flows of many days at once: (local day, unit) -> totals.
PerDay = dict[tuple[date, int], Totals]


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _truncated(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_current_timezone())


def _whole(delta: timedelta, unit_seconds: int, cap: int) -> int:
    return max(0, min(cap, int(delta.total_seconds() // unit_seconds)))


def _reports(out: PerDay, start: datetime, end: datetime) -> None:
    rows = (
        Report.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=_truncated("created_at"))
        .values_list("day", "unit_id", "scam_type", "channel")
        .annotate(n=Count("pk"), money=Sum("money_lost"))
        .order_by()
    )
    for day, unit_id, scam_type, channel, n, money in rows:
        t = out[day, unit_id]
        money = money or 0
        t.flow["reports"] += n
        t.flow["money_lost"] += money
        for breakdown, key in ((t.by_scam_type, scam_type), (t.by_channel, channel)):
            old = breakdown.get(key, (0, 0))
            breakdown[key] = (old[0] + n, old[1] + money)


def _listing_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        action=AuditAction.CONFIRMED, case__isnull=False, after__status=Status.LISTED
    )


def _clearing_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        action=AuditAction.DECIDED,
        case__isnull=False,
        after__status__in=[Status.CLEARED, Status.INSUFFICIENT_EVIDENCE],
    )


def _first_events(
    events: QuerySet[AuditEvent], start: datetime, end: datetime
) -> list[tuple[int, int, datetime, datetime | None]]:
    """(case, unit, first event, first report) for cases whose first event of `events` falls
    in [start, end)."""
    touched = events.filter(at__gte=start, at__lt=end).values("case_id")
    firsts = (
        events.filter(case_id__in=touched)
        .values("case_id")
        .annotate(first=Min("at"))
        .filter(first__gte=start, first__lt=end)
        .order_by()
    )
    first_at = {row["case_id"]: row["first"] for row in firsts}
    cases = (
        Case.objects.filter(pk__in=list(first_at))
        .annotate(first_report=Min("reports__created_at"))
        .values_list("pk", "unit_id", "first_report")
        .order_by()
    )
    return [(pk, unit_id, first_at[pk], first_report) for pk, unit_id, first_report in cases]


def _cases(out: PerDay, start: datetime, end: datetime) -> None:
    listing, clearing = _listing_events(), _clearing_events()
    measures = (("cases_listed", listing, "to_listing"), ("cases_cleared", clearing, None),
                ("cases_decided", listing | clearing, "to_decision"))  # fmt: skip
    for name, events, measure in measures:
        for _case, unit_id, first, first_report in _first_events(events, start, end):
            t = out[_day(first), unit_id]
            t.flow[name] += 1
            if measure and first_report is not None:
                t.durations[measure][_whole(first - first_report, 3600, MAX_HOURS)] += 1


def _per_day(query: QuerySet[Any], field_name: str, *group: str) -> list[tuple[Any, ...]]:
    """(local day, *group, count) rows of `query` by the local day of `field_name`."""
    return list(
        query.annotate(day=_truncated(field_name))
        .values_list("day", *group)
        .annotate(n=Count("pk"))
        .order_by()
    )


def _appeals(out: PerDay, start: datetime, end: datetime) -> None:
    received = Appeal.objects.filter(created_at__gte=start, created_at__lt=end)
    for day, unit_id, n in _per_day(received, "created_at", "unit_id"):
        out[day, unit_id].flow["appeals_received"] += n
    decided = Appeal.objects.filter(decided_at__gte=start, decided_at__lt=end)
    names = {AppealStatus.DELISTED: "appeals_delisted", AppealStatus.REJECTED: "appeals_rejected"}
    for day, unit_id, status, n in _per_day(decided, "decided_at", "unit_id", "status"):
        if status in names:
            out[day, unit_id].flow[names[status]] += n


def _drills(out: PerDay, start: datetime, end: datetime) -> None:
    """Mails sent in [start, end), with what their recipients did since."""
    first_report = (
        Event.objects.filter(recipient=OuterRef("pk"), kind=EventKind.REPORTED)
        .values("recipient")
        .annotate(first=Min("at"))
        .values("first")
    )

    def by_person(kind: str) -> Exists:
        return Exists(
            Event.objects.filter(recipient=OuterRef("pk"), kind=kind, source=EventSource.PERSON)
        )

    rows = (
        # A mail is sent when it is due or later (within the campaign's window): the indexed
        # due_at narrows the search for sent_at.
        Recipient.objects.filter(
            due_at__gte=start - SEND_DELAY,
            due_at__lt=end,
            sent_at__gte=start,
            sent_at__lt=end,
            person__home_unit__isnull=False,
        )
        .annotate(
            clicked=by_person(EventKind.CLICKED),
            submitted=by_person(EventKind.SUBMITTED),
            reported_at=Subquery(first_report),
        )
        .values_list(
            "person__home_unit_id",
            "sent_at",
            "clicked",
            "submitted",
            "reported_at",
            "campaign__template__difficulty",
        )  # fmt: skip
    )
    for unit_id, sent_at, clicked, submitted, reported_at, difficulty in rows.iterator(2000):
        if sent_at is None:  # not reached: filtered on sent_at
            continue
        t = out[_day(sent_at), unit_id]
        f = t.flow
        f["drill_recipients"] += 1
        f["drill_clicked"] += bool(clicked)
        f["drill_submitted"] += bool(submitted)
        f["drill_difficulty_sum"] += difficulty
        if reported_at is not None:
            f["drill_reported"] += 1
            minutes = _whole(reported_at - sent_at, 60, MAX_MINUTES)
            t.durations["to_drill_report"][minutes] += 1


def _bulletins(out: PerDay, start: datetime, end: datetime) -> None:
    published = Bulletin.objects.filter(published_at__gte=start, published_at__lt=end)
    for day, unit_id, n in _per_day(published, "published_at", "unit_id"):
        out[day, unit_id].flow["bulletins_published"] += n
    window = Q(status=DeliveryStatus.SENT, sent_at__gte=start, sent_at__lt=end)
    mails = EmailDelivery.objects.filter(window)
    posts = OutboxItem.objects.filter(window).exclude(channel=Channel.EMAIL)
    for query, unit in ((mails, "item__revision__bulletin__unit_id"),
                        (posts, "revision__bulletin__unit_id")):  # fmt: skip
        for day, unit_id, n in _per_day(query, "sent_at", unit):
            out[day, unit_id].flow["deliveries"] += n


def collect_days(start: datetime, end: datetime) -> PerDay:
    """What happened in [start, end), per local day and unit."""
    out: PerDay = defaultdict(Totals)
    for part in (_reports, _cases, _appeals, _drills, _bulletins):
        part(out, start, end)
    return out


def collect_flows(start: datetime, end: datetime) -> PerUnit:
    """What happened in [start, end), per unit."""
    out: PerUnit = defaultdict(Totals)
    for (_when, unit_id), t in collect_days(start, end).items():
        out[unit_id].add(t)
    return out


# --- states -----------------------------------------------------------------------------------


def _staff(at: datetime) -> QuerySet[User]:
    return User.objects.filter(is_active=True, home_unit__isnull=False, date_joined__lt=at)


def _training(out: PerUnit, at: datetime) -> None:
    """Coverage and completion as training/progress.py counts them (person × course pairs of
    active staff), as they stood at `at` as far as the rows tell. A course given to one person
    (a drill's follow-up) counts for that person alone, in their current unit."""
    given = Assignment.objects.filter(created_at__lt=at)
    assignments = list(given.to_units().values_list("unit__path", "quiz_id"))
    covered_units: set[int] = set()
    staff = _staff(at).values_list("home_unit_id", "home_unit__path").annotate(n=Count("pk"))
    for unit_id, path, n in staff.order_by():
        covering = [quiz for prefix, quiz in assignments if path.startswith(prefix)]
        s = out[unit_id].snapshot
        s["staff"] += n
        if covering:
            covered_units.add(unit_id)
        s["staff_covered"] += n if covering else 0
        s["assigned"] += n * len(covering)
        s["with_quiz"] += n * sum(1 for quiz in covering if quiz)
    personal = given.filter(person__in=_staff(at)).values_list(
        "person__home_unit_id", "person_id", "quiz_id"
    )
    only_personally: set[tuple[int, int]] = set()
    for unit_id, person_id, quiz in personal.order_by():
        s = out[unit_id].snapshot
        s["assigned"] += 1
        s["with_quiz"] += 1 if quiz else 0
        if unit_id not in covered_units:
            only_personally.add((unit_id, person_id))
    for unit_id, _person in only_personally:
        out[unit_id].snapshot["staff_covered"] += 1
    done_at = Q(completed_at__lt=at) | Q(completed_at__isnull=True, timestamp__lt=at)
    records = (
        Completion.objects.filter(user__in=_staff(at), assignment__created_at__lt=at)
        .filter(
            # A unit's course must still reach the person's unit (people move between units);
            # one person's course is theirs wherever they are.
            Q(
                assignment__person__isnull=True,
                user__home_unit__path__startswith=F("assignment__unit__path"),
            )
            | Q(assignment__person=F("user"))
        )
        .values_list("user__home_unit_id")
        .annotate(
            satisfied=Count("pk", filter=Q(satisfied=True) & done_at),
            passed=Count(
                "pk", filter=Q(success=True, timestamp__lt=at, assignment__quiz__isnull=False)
            ),
        )
        .order_by()
    )
    for unit_id, satisfied, passed in records:
        out[unit_id].snapshot["satisfied"] += satisfied
        out[unit_id].snapshot["passed"] += passed


def _drill_reach(out: PerUnit, at: datetime) -> None:
    reached = (
        Recipient.objects.filter(
            sent_at__gte=at - DRILL_REACH, sent_at__lt=at, person__in=_staff(at)
        )
        .values_list("person__home_unit_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    for unit_id, n in reached:
        out[unit_id].snapshot["staff_drilled"] += n


def _pending(out: PerUnit, at: datetime) -> None:
    open_then = Case.objects.filter(created_at__lt=at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=at)
    )
    for unit_id, n in open_then.values_list("unit_id").annotate(n=Count("pk")).order_by():
        out[unit_id].snapshot["cases_pending"] += n


def collect_snapshot(at: datetime) -> PerUnit:
    """The state at `at`, per unit."""
    out: PerUnit = defaultdict(Totals)
    for part in (_training, _drill_reach, _pending):
        part(out, at)
    return out


def summed(per_unit: PerUnit, unit_ids: Iterable[int]) -> Totals:
    total = Totals()
    for unit_id in unit_ids:
        if unit_id in per_unit:
            total.add(per_unit[unit_id])
    return total
