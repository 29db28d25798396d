"""Drill results for operators and unit managers, in their scope (issue 17, point 6).

Rates per campaign and unit, always next to the template's difficulty: report rate, median time
to report, click rate, submit rate, and scanner hits kept apart. A group with fewer than
MIN_GROUP recipients shows its count only: rates of a small group would identify people.
Reporting comes first on purpose: it is what a unit can improve, clicks happen.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery

from orgs.access import units_for
from orgs.models import Permission, Unit, User

from .models import Campaign, Event, EventKind, EventSource, Recipient
from .services import manager_paths

MIN_GROUP = 5
REPEAT_WINDOW = 3  # a repeat clicker clicked in at least 2 of their last 3 campaigns
REPEAT_CLICKS = 2


@dataclass(frozen=True)
class _Outcome:
    """One recipient's mail, reduced to what the figures need (no person shown)."""

    campaign_id: int
    unit_id: int
    person_id: int
    sent_at: datetime
    clicked: bool
    submitted: bool
    reported_at: datetime | None
    scanner_hits: int


@dataclass
class ResultRow:
    campaign: Campaign
    unit: Unit
    recipients: int = 0
    reported: int = 0
    clicked: int = 0
    submitted: int = 0
    scanner_hits: int = 0
    report_delays: list[float] = field(default_factory=list)

    @property
    def shows_rates(self) -> bool:
        return self.recipients >= MIN_GROUP

    def _rate(self, count: int) -> float | None:
        return round(100 * count / self.recipients, 1) if self.shows_rates else None

    @property
    def report_rate(self) -> float | None:
        return self._rate(self.reported)

    @property
    def click_rate(self) -> float | None:
        return self._rate(self.clicked)

    @property
    def submit_rate(self) -> float | None:
        return self._rate(self.submitted)

    @property
    def median_report_minutes(self) -> float | None:
        if not self.shows_rates or not self.report_delays:
            return None
        return round(statistics.median(self.report_delays), 1)

    @property
    def difficulty(self) -> int:
        return self.campaign.template.difficulty

    @property
    def sent_on(self) -> date:
        return self.campaign.window_start


def _person_event(kind: str) -> Exists:
    return Exists(
        Event.objects.filter(recipient=OuterRef("pk"), kind=kind, source=EventSource.PERSON)
    )


def _outcomes(recipients: QuerySet[Recipient]) -> list[_Outcome]:
    first_report = (
        Event.objects.filter(recipient=OuterRef("pk"), kind=EventKind.REPORTED)
        .values("recipient")
        .annotate(first=Min("at"))
        .values("first")
    )
    rows = recipients.annotate(
        clicked=_person_event(EventKind.CLICKED),
        submitted=_person_event(EventKind.SUBMITTED),
        reported_at=Subquery(first_report),
    ).values_list(
        "pk", "campaign_id", "person__home_unit_id", "person_id", "sent_at", "clicked",
        "submitted", "reported_at",
    )  # fmt: skip
    hits: dict[int, int] = defaultdict(int)
    for rid in (
        Event.objects.filter(recipient__in=recipients)
        .exclude(source=EventSource.PERSON)
        .values_list("recipient_id", flat=True)
    ):
        hits[rid] += 1
    return [
        _Outcome(c, u, p, s, bool(cl), bool(sb), rep, hits.get(pk, 0))
        for pk, c, u, p, s, cl, sb, rep in rows
        if u is not None and s is not None
    ]


def scope_units(user: User) -> QuerySet[Unit]:
    """The units whose results `user` sees: where they hold VIEW_DASHBOARD (operators and
    managers both do) and below."""
    return units_for(user, Permission.VIEW_DASHBOARD)


def _recipients_in(units: QuerySet[Unit], campaigns: Iterable[Campaign]) -> QuerySet[Recipient]:
    return Recipient.objects.filter(
        campaign__in=list(campaigns), person__home_unit__in=units, sent_at__isnull=False
    )


def result_rows(user: User, *, last: int = 12) -> list[ResultRow]:
    """Rows per (campaign, unit), newest campaigns first, for the units `user` sees."""
    units = scope_units(user)
    campaigns = {
        c.pk: c
        for c in Campaign.objects.filter(recipients__person__home_unit__in=units)
        .distinct()
        .select_related("template")
        .order_by("-window_start", "-pk")[:last]
    }
    unit_by_id = {u.pk: u for u in units}
    rows: dict[tuple[int, int], ResultRow] = {}
    for o in _outcomes(_recipients_in(units, campaigns.values())):
        key = (o.campaign_id, o.unit_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ResultRow(
                campaign=campaigns[o.campaign_id], unit=unit_by_id[o.unit_id]
            )
        row.recipients += 1
        row.clicked += o.clicked
        row.submitted += o.submitted
        row.scanner_hits += o.scanner_hits
        if o.reported_at is not None:
            row.reported += 1
            row.report_delays.append((o.reported_at - o.sent_at).total_seconds() / 60)
    return sorted(
        rows.values(), key=lambda r: (-r.sent_on.toordinal(), -r.campaign.pk, r.unit.path)
    )


@dataclass
class UnitSummary:
    unit: Unit
    people: int
    repeat_clickers: int | None  # None: fewer than MIN_GROUP people


def _repeat_clickers(outcomes: list[_Outcome], order: dict[int, int]) -> set[int]:
    """People who clicked in at least REPEAT_CLICKS of their last REPEAT_WINDOW campaigns."""
    per_person: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for o in outcomes:
        per_person[o.person_id].append((order[o.campaign_id], o.clicked))
    repeat = set()
    for person, seen in per_person.items():
        latest = sorted(seen, reverse=True)[:REPEAT_WINDOW]
        if sum(clicked for _rank, clicked in latest) >= REPEAT_CLICKS:
            repeat.add(person)
    return repeat


def _scoped_outcomes(user: User) -> tuple[list[_Outcome], dict[int, int], QuerySet[Unit]]:
    units = scope_units(user)
    campaigns = list(
        Campaign.objects.filter(recipients__person__home_unit__in=units)
        .distinct()
        .order_by("window_start", "pk")
    )
    order = {c.pk: rank for rank, c in enumerate(campaigns)}
    return _outcomes(_recipients_in(units, campaigns)), order, units


def _summaries(
    outcomes: list[_Outcome], repeat: set[int], units: QuerySet[Unit]
) -> list[UnitSummary]:
    people: dict[int, set[int]] = defaultdict(set)
    for o in outcomes:
        people[o.unit_id].add(o.person_id)
    unit_by_id = {u.pk: u for u in units}
    return [
        UnitSummary(
            unit=unit_by_id[uid],
            people=len(members),
            repeat_clickers=len(members & repeat) if len(members) >= MIN_GROUP else None,
        )
        for uid, members in sorted(people.items(), key=lambda kv: unit_by_id[kv[0]].path)
    ]


def _named_people(user: User, ids: set[int]) -> list[User]:
    """Of `ids`, the people `user` may see by name: those whose unit is under the user's
    RUN_DRILLS units or their own unit_manager units. One query, not two per person."""
    seen_units = units_for(user, Permission.RUN_DRILLS) | Unit.objects.within_paths(
        manager_paths(user)
    )
    people = User.objects.filter(pk__in=ids, home_unit__in=seen_units)
    return list(people.select_related("home_unit").order_by("username"))


def unit_overview(user: User) -> tuple[list[UnitSummary], list[User]]:
    """The unit summaries and the repeat clickers by name, from one pass over the outcomes
    (the results page shows both)."""
    outcomes, order, units = _scoped_outcomes(user)
    repeat = _repeat_clickers(outcomes, order)
    return _summaries(outcomes, repeat, units), _named_people(user, repeat)


def unit_summaries(user: User) -> list[UnitSummary]:
    return unit_overview(user)[0]


def repeat_clicker_people(user: User) -> list[User]:
    """The repeat clickers `user` may see by name, to offer them help (never to blame)."""
    return unit_overview(user)[1]
