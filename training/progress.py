"""Progress of a manager's scope: per unit (the unit and everything below it) how many
person-assignment pairs are satisfied, passed, failed, overdue; and the overdue people."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.spreadsheet import formula_safe
from orgs.models import Unit, User

from .models import Assignment, Completion, PublicQuizStat, Verb

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

MAX_OVERDUE_ON_PAGE = 300


@dataclass
class Counts:
    assigned: int = 0
    with_quiz: int = 0
    satisfied: int = 0
    passed: int = 0
    failed: int = 0
    overdue: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def completion_rate(self) -> int | None:
        return round(100 * self.satisfied / self.assigned) if self.assigned else None

    @property
    def pass_rate(self) -> int | None:
        return round(100 * self.passed / self.with_quiz) if self.with_quiz else None


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    counts: Counts


@dataclass(frozen=True)
class OverdueRow:
    person: User
    unit: Unit
    assignment: Assignment
    verb: str


@dataclass
class Progress:
    units: list[UnitRow] = field(default_factory=list)
    overdue: list[OverdueRow] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    total: Counts = field(default_factory=Counts)

    @property
    def personal(self) -> int:
        """How many of the assignments were given to one person each (drill follow-ups)."""
        return sum(1 for a in self.assignments if a.person_id is not None)


def build_progress(
    *, scope: QuerySet[Unit], assignment_id: int | None = None, now: datetime | None = None
) -> Progress:
    """`scope` is units_for(manager, MANAGE_TRAINING): people outside it never appear."""
    now = now or timezone.now()
    units = list(scope.order_by("path"))
    in_scope = {u.path for u in units}
    people = list(
        User.objects.filter(is_active=True, home_unit__in=units)
        .select_related("home_unit")
        .order_by("last_name", "first_name", "username")
    )
    relevant = Assignment.objects.relevant_to(scope)
    assignments = list(relevant.select_related("unit", "quiz").order_by("-deadline"))
    progress = Progress(assignments=assignments)
    chosen = [a for a in assignments if assignment_id is None or a.pk == assignment_id]
    # A subquery rather than a list of ids: there is one assignment per drill click.
    of_chosen = relevant if assignment_id is None else relevant.filter(pk=assignment_id)
    records = {
        (c.user_id, c.assignment_id): c
        for c in Completion.objects.filter(
            assignment__in=of_chosen, user__home_unit__in=scope, user__is_active=True
        ).only("user_id", "assignment_id", "verb", "satisfied", "success")
    }
    per_home: dict[str, Counts] = defaultdict(Counts)
    for assignment, person in _pairs(chosen, people):
        home = person.home_unit
        # Never None here (people were chosen by their home unit); the check tells mypy.
        if home is None:
            continue
        record = records.get((person.pk, assignment.pk))
        counts = per_home[home.path]
        counts.assigned += 1
        counts.with_quiz += 1 if assignment.quiz_id else 0
        satisfied = bool(record and record.satisfied)
        counts.satisfied += satisfied
        counts.passed += bool(record and record.success is True)
        counts.failed += bool(record and record.success is False)
        if not satisfied and assignment.deadline < now:
            counts.overdue += 1
            verb = record.verb if record else ""
            progress.overdue.append(OverdueRow(person, home, assignment, verb))
    # Roll each home unit's counts up to every unit of the scope above it.
    totals: dict[str, Counts] = defaultdict(Counts)
    step = Unit.steplen
    for path, counts in per_home.items():
        for i in range(step, len(path) + 1, step):
            if path[:i] in in_scope:
                totals[path[:i]].add(counts)
        progress.total.add(counts)
    progress.units = [UnitRow(u, totals.get(u.path, Counts())) for u in units]
    progress.overdue.sort(key=lambda r: (r.assignment.deadline, r.unit.path, r.person.username))
    return progress


def _pairs(assignments: list[Assignment], people: list[User]) -> Iterator[tuple[Assignment, User]]:
    """Every (assignment, person) it reaches among `people`. One person's assignment is looked
    up by its person (there may be one per drill click: never a scan of everybody for it)."""
    by_pk = {person.pk: person for person in people}
    for assignment in assignments:
        if assignment.person_id is not None:
            person = by_pk.get(assignment.person_id)
            if person is not None:
                yield assignment, person
            continue
        for person in people:
            if assignment.reaches(person):
                yield assignment, person


class PublicTotal(TypedDict):
    """One quiz's line in the citizens' self-test table (training/progress.html)."""

    quiz: str
    attempts: int
    passes: int
    average: int | None


def public_totals(days: int = 30) -> list[PublicTotal]:
    """Citizens' self-tests over the last `days` days, per quiz (anonymous counters only)."""
    since = timezone.localdate() - timedelta(days=days)
    rows = (
        PublicQuizStat.objects.filter(day__gt=since)
        .values("quiz__title")
        .annotate(attempts=Sum("attempts"), passes=Sum("passes"), percent_sum=Sum("percent_sum"))
        .order_by("quiz__title")
    )
    return [
        {
            "quiz": r["quiz__title"],
            "attempts": r["attempts"],
            "passes": r["passes"],
            "average": round(r["percent_sum"] / r["attempts"]) if r["attempts"] else None,
        }
        for r in rows
    ]


VERB_LABELS = dict(Verb.choices)


def progress_xlsx(progress: Progress) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = cast("Worksheet", book.active)  # a new workbook has one worksheet, never None
    sheet.title = _("Theo đơn vị")
    sheet.append(
        [
            _("Mã đơn vị"), _("Đơn vị"), _("Lượt giao"), _("Hoàn thành"), _("Đạt"),
            _("Chưa đạt"), _("Quá hạn"), _("Tỉ lệ hoàn thành (%)"), _("Tỉ lệ đạt (%)"),
        ]
    )  # fmt: skip
    for row in progress.units:
        c = row.counts
        sheet.append(
            [formula_safe(row.unit.code), formula_safe("  " * (row.unit.depth - 1) + row.unit.name),
             c.assigned, c.satisfied, c.passed, c.failed, c.overdue,
             c.completion_rate, c.pass_rate]
        )  # fmt: skip
    late = book.create_sheet(_("Quá hạn"))
    late.append(
        [_("Họ và tên"), _("Tên đăng nhập"), _("Đơn vị"), _("Khoá học"), _("Hạn"), _("Kết quả")]
    )
    for late_row in progress.overdue:
        person = late_row.person
        late.append(
            [
                formula_safe(person.get_full_name() or person.username),
                formula_safe(person.username),
                formula_safe(late_row.unit.name),
                formula_safe(late_row.assignment.title),
                timezone.localtime(late_row.assignment.deadline).replace(tzinfo=None),
                str(VERB_LABELS.get(late_row.verb, _("Chưa bắt đầu"))),
            ]
        )
    for ws in (sheet, late):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
