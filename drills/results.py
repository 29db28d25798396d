"""Drill results for operators and unit managers, in their scope (issue 17, point 6).

Rates per campaign and unit, always next to the template's difficulty: report rate, median time
to report, click rate, submit rate, and scanner hits kept apart. A group with fewer than
MIN_GROUP recipients shows its count only: rates of a small group would identify people.
Reporting comes first on purpose: it is what a unit can improve, clicks happen.

Roll-ups (`rollup`): each of the user's top units (or one unit of their scope they open) with
everything below it, next to its own staff and its direct sub-units, and the same unit campaign
by campaign over the last twelve months, repeat clickers counted as of each campaign. All of it
from one pass over the recipients' outcomes: a handful of queries however many units there are.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access import units_for
from orgs.models import Permission, Unit, UnitQuerySet, User

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


@dataclass(kw_only=True)
class Tally:
    """The figures of one group of mails: a unit with everything below it over some
    campaigns, or one campaign. Rates are per mail; whether they show depends on how many
    distinct people the group holds (a group of 3 people over 4 campaigns is still 3 people)."""

    mails: int = 0
    people: set[int] = field(default_factory=set)
    reported: int = 0
    clicked: int = 0
    submitted: int = 0
    scanner_hits: int = 0
    report_delays: list[float] = field(default_factory=list)
    difficulty_total: int = 0
    repeaters: set[int] = field(default_factory=set)

    def add(self, outcome: _Outcome, *, difficulty: int, repeat: bool = False) -> None:
        self.mails += 1
        self.people.add(outcome.person_id)
        self.clicked += outcome.clicked
        self.submitted += outcome.submitted
        self.scanner_hits += outcome.scanner_hits
        self.difficulty_total += difficulty
        if outcome.reported_at is not None:
            self.reported += 1
            delay = outcome.reported_at - outcome.sent_at
            self.report_delays.append(delay.total_seconds() / 60)
        if repeat:
            self.repeaters.add(outcome.person_id)

    @property
    def recipients(self) -> int:
        return len(self.people)

    @property
    def shows_rates(self) -> bool:
        return self.recipients >= MIN_GROUP

    def _rate(self, count: int) -> float | None:
        return round(100 * count / self.mails, 1) if self.shows_rates else None

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
    def repeat_clickers(self) -> int | None:
        return len(self.repeaters) if self.shows_rates else None

    @property
    def mean_difficulty(self) -> float | None:
        return round(self.difficulty_total / self.mails, 1) if self.mails else None


@dataclass(kw_only=True)
class TrendRow(Tally):
    """One campaign's figures (over the campaign's recipients in a unit's subtree)."""

    campaign: Campaign

    @property
    def difficulty(self) -> int:
        return self.campaign.template.difficulty

    @property
    def sent_on(self) -> date:
        return self.campaign.window_start


@dataclass(kw_only=True)
class ResultRow(TrendRow):
    """One campaign's figures in one unit."""

    unit: Unit


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
    unconfirmed: dict[int, int] = defaultdict(int)
    for rid, source in (
        Event.objects.filter(recipient__in=recipients)
        .exclude(source=EventSource.PERSON)
        .values_list("recipient_id", "source")
    ):
        (unconfirmed if source == EventSource.UNCONFIRMED else hits)[rid] += 1
    # A person's click is a link hit, then the beacon: that one link hit was theirs, not a
    # machine's; the other link hits without a beacon stay with the scanners.
    return [
        _Outcome(c, u, p, s, bool(cl), bool(sb), rep, hits[pk] + max(0, unconfirmed[pk] - cl))
        for pk, c, u, p, s, cl, sb, rep in rows
        if u is not None and s is not None
    ]


def scope_units(user: User) -> UnitQuerySet:
    """The units whose results `user` sees: where they hold VIEW_DASHBOARD (operators and
    managers both do) and below."""
    return units_for(user, Permission.VIEW_DASHBOARD)


def _recipients_in(units: QuerySet[Unit], campaigns: Iterable[Campaign]) -> QuerySet[Recipient]:
    return Recipient.objects.filter(
        campaign__in=list(campaigns), person__home_unit__in=units, sent_at__isnull=False
    )


def result_rows(user: User, *, last: int = 12, within: Unit | None = None) -> list[ResultRow]:
    """Rows per (campaign, unit), newest campaigns first, for the units `user` sees (those
    below `within` only, a unit the caller has checked is in the user's scope)."""
    units = scope_units(user)
    if within is not None:
        units = units.within_paths([within.path])
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
        campaign = campaigns[o.campaign_id]
        row = rows.get(key)
        if row is None:
            row = rows[key] = ResultRow(campaign=campaign, unit=unit_by_id[o.unit_id])
        row.add(o, difficulty=campaign.template.difficulty)
    return sorted(
        rows.values(), key=lambda r: (-r.sent_on.toordinal(), -r.campaign.pk, r.unit.path)
    )


def _repeat_marks(outcomes: list[_Outcome], order: dict[int, int]) -> dict[tuple[int, int], bool]:
    """For each (person, campaign): had the person clicked in at least REPEAT_CLICKS of their
    last REPEAT_WINDOW campaigns, that one included? Read over time, this is the trend."""
    per_person: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for o in outcomes:
        per_person[o.person_id].append((order[o.campaign_id], o.campaign_id, o.clicked))
    marks: dict[tuple[int, int], bool] = {}
    for person, seen in per_person.items():
        seen.sort()
        for i, (_rank, campaign_id, _clicked) in enumerate(seen):
            window = seen[max(0, i + 1 - REPEAT_WINDOW) : i + 1]
            marks[person, campaign_id] = sum(c for _r, _c, c in window) >= REPEAT_CLICKS
    return marks


def _repeat_clickers(
    outcomes: list[_Outcome],
    order: dict[int, int],
    marks: dict[tuple[int, int], bool] | None = None,
) -> set[int]:
    """People who clicked in at least REPEAT_CLICKS of their last REPEAT_WINDOW campaigns."""
    marks = _repeat_marks(outcomes, order) if marks is None else marks
    latest: dict[int, tuple[int, int]] = {}
    for o in outcomes:
        rank = order[o.campaign_id]
        if o.person_id not in latest or rank > latest[o.person_id][0]:
            latest[o.person_id] = (rank, o.campaign_id)
    return {person for person, (_rank, c) in latest.items() if marks[person, c]}


def _named_people(user: User, ids: set[int]) -> list[User]:
    """Of `ids`, the people `user` may see by name: those whose unit is under the user's
    RUN_DRILLS units or their own unit_manager units. One query, not two per person."""
    seen_units = units_for(user, Permission.RUN_DRILLS) | Unit.objects.within_paths(
        manager_paths(user)
    )
    people = User.objects.filter(pk__in=ids, home_unit__in=seen_units)
    return list(people.select_related("home_unit").order_by("username"))


# Roll-ups: a unit with everything below it, next to its direct sub-units, and the same unit
# campaign by campaign over the last TREND_DAYS. Everything comes from one pass over the
# recipients' outcomes in the scope: the number of queries does not grow with the units.

TREND_DAYS = 365


@dataclass(kw_only=True)
class UnitRow(Tally):
    """A row of the roll-up: a sub-unit with everything below it, or (own=True) the staff of
    the unit itself who belong to none of its sub-units."""

    unit: Unit
    own: bool = False
    opens: bool = False  # has sub-units in the scope: the page offers to open it


@dataclass
class RollupGroup:
    unit: Unit
    total: UnitRow
    rows: list[UnitRow]
    trend: list[TrendRow]
    trail: list[Unit]  # from the user's top unit down to this unit's parent, to go back up


@dataclass
class Rollup:
    groups: list[RollupGroup]
    people: list[User]  # the repeat clickers the user may see by name
    since: date
    chosen: Unit | None  # the unit asked for, None for the user's top units


def _top_units(units: list[Unit]) -> list[Unit]:
    """The units of a scope that no other unit of it lies above."""
    tops: list[Unit] = []
    for unit in sorted(units, key=lambda u: u.path):
        if not tops or not unit.path.startswith(tops[-1].path):
            tops.append(unit)
    return tops


def _campaigns_since(scope: QuerySet[Unit], since: date) -> dict[int, Campaign]:
    """Campaigns sent to someone of the scope since `since`, oldest first."""
    campaigns = (
        Campaign.objects.filter(
            recipients__person__home_unit__in=scope,
            recipients__sent_at__isnull=False,
            window_start__gte=since,
        )
        .distinct()
        .select_related("template")
        .order_by("window_start", "pk")
    )
    return {c.pk: c for c in campaigns}


@dataclass
class _Pass:
    """What every group of a roll-up reads: the outcomes and how to place them."""

    outcomes: list[_Outcome]
    campaigns: dict[int, Campaign]
    paths: dict[int, str]  # unit id -> tree path
    marks: dict[tuple[int, int], bool]  # (person, campaign) -> repeat clicker as of then
    repeaters: set[int]  # repeat clickers as of their latest campaign

    def difficulty(self, outcome: _Outcome) -> int:
        return self.campaigns[outcome.campaign_id].template.difficulty


def _unit_rows(
    unit: Unit, units: list[Unit], parents: set[str], data: _Pass
) -> tuple[UnitRow, list[UnitRow]]:
    """`unit` with everything below it, and its own staff and direct sub-units apart."""
    cut = len(unit.path) + Unit.steplen
    total = UnitRow(unit=unit, opens=unit.path in parents)
    own = UnitRow(unit=unit, own=True)
    subs = {
        u.path: UnitRow(unit=u, opens=u.path in parents)
        for u in units
        if len(u.path) == cut and u.path.startswith(unit.path)
    }
    for o in data.outcomes:
        path = data.paths[o.unit_id]
        if path.startswith(unit.path):
            repeat = o.person_id in data.repeaters
            for row in (total, subs[path[:cut]] if len(path) >= cut else own):
                row.add(o, difficulty=data.difficulty(o), repeat=repeat)
    rows = [own] if own.mails else []
    return total, rows + [r for r in subs.values() if r.mails or r.unit.is_active]


def _trend(unit: Unit, data: _Pass) -> list[TrendRow]:
    """`unit` with everything below it, campaign by campaign, oldest first."""
    rows = {pk: TrendRow(campaign=c) for pk, c in data.campaigns.items()}
    for o in data.outcomes:
        if data.paths[o.unit_id].startswith(unit.path):
            repeat = data.marks[o.person_id, o.campaign_id]
            rows[o.campaign_id].add(o, difficulty=data.difficulty(o), repeat=repeat)
    return [row for row in rows.values() if row.mails]


def rollup(user: User, *, unit_id: int | None = None, today: date | None = None) -> Rollup:
    """The roll-up and the trend of the user's top units, or of `unit_id` (one of the units
    the user sees: any other is refused, so a tampered query parameter shows nothing)."""
    scope = scope_units(user)
    units = list(scope)
    by_id = {u.pk: u for u in units}
    if unit_id is not None and unit_id not in by_id:
        raise PermissionDenied(_("Đơn vị này không thuộc phạm vi xem kết quả của bạn."))
    chosen = [by_id[unit_id]] if unit_id is not None else _top_units(units)
    since = (today or timezone.localdate()) - timedelta(days=TREND_DAYS)
    campaigns = _campaigns_since(scope, since)
    within = Unit.objects.within_paths(u.path for u in chosen)
    outcomes = _outcomes(_recipients_in(within, campaigns.values()))
    order = {pk: rank for rank, pk in enumerate(campaigns)}
    marks = _repeat_marks(outcomes, order)
    data = _Pass(
        outcomes=outcomes,
        campaigns=campaigns,
        paths={u.pk: u.path for u in units},
        marks=marks,
        repeaters=_repeat_clickers(outcomes, order, marks),
    )
    parents = {u.path[: -Unit.steplen] for u in units}
    groups = []
    for unit in chosen:
        total, rows = _unit_rows(unit, units, parents, data)
        trail = [u for u in units if unit.path.startswith(u.path) and u.pk != unit.pk]
        groups.append(RollupGroup(unit, total, rows, _trend(unit, data), trail))
    people = _named_people(user, data.repeaters)
    chosen_unit = by_id[unit_id] if unit_id is not None else None
    return Rollup(groups=groups, people=people, since=since, chosen=chosen_unit)
