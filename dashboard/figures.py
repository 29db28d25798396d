"""The figures of the dashboard: the one interface the views, charts and exports read.

Every function takes the signed-in `user` and refuses (PermissionDenied) a unit the user does
not hold VIEW_DASHBOARD on: a manager sees their units only, the province sees all (point 7).
`province_public` is the exception: aggregates of the whole province, for everyone.

A unit's figures are those of the unit and everything below it. They are read from the daily
roll-ups (models.py, rollup.py), never from raw rows.

Small groups: fewer than MIN_GROUP (5) people show no rates and no counts of outcomes, only
the size of the group; a public count under 5 is not shown.

The awareness index (0–100) of a unit is a weighted mean of five parts, each 0–100:

    index = (30·T + 25·R + 20·C + 10·S + 15·D) / (sum of the weights of the parts present)

- T, training completion: the share of assignments (person × course) completed;
- R, drill report rate: the share of drill mails reported, over the 12 months up to the end of
  the period;
- C, drill mails not clicked: 100 − click rate, same 12 months;
- S, speed of reporting: 100 when the median time from receiving a drill mail to reporting it
  is 15 minutes or less, 0 at 24 hours or more, linear between;
- D, reach of drills: the share of staff who received at least one drill mail in those 12 months.

A part is absent when its group is under 5 (no drill mail sent: R, C and S are absent; nobody
reported: S is absent); a unit with fewer than 5 staff has no index. The index measures a unit,
never a person: no figure here names or ranks people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from drills.results import MIN_GROUP
from orgs.access import can_act, units_for
from orgs.models import Permission, Unit, UnitKind, User
from reports.models import Channel, ScamType

from . import source
from .periods import Period, Span, months_back
from .source import Totals

__all__ = [
    "MIN_GROUP",
    "Period",
    "Span",
    "ReportCount",
    "ReportFigures",
    "CaseFigures",
    "TrainingFigures",
    "DrillFigures",
    "BulletinFigures",
    "Figures",
    "IndexPart",
    "Index",
    "UnitFigures",
    "ComparisonRow",
    "Comparison",
    "TrendPoint",
    "PublicCount",
    "PublicSpan",
    "PublicFigures",
    "unit_figures",
    "awareness_index",
    "sibling_comparison",
    "trend",
    "province_public",
    "INDEX_WEIGHTS",
]

PERMISSION = Permission.VIEW_DASHBOARD
FAST_REPORT_MINUTES = 15
SLOW_REPORT_MINUTES = 24 * 60
INDEX_WINDOW_MONTHS = 12


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole >= MIN_GROUP else None


def _counted(value: int, group: int) -> int | None:
    """A count of outcomes of a group: shown only for a group of at least MIN_GROUP."""
    return value if group >= MIN_GROUP else None


# --- the figures of one period ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportCount:
    """Reports of one scam type or channel: `key` is the stored value, `label` its name."""

    key: str
    label: str
    reports: int
    money_lost: int


@dataclass(frozen=True)
class ReportFigures:
    received: int
    money_lost: int  # đồng
    by_scam_type: tuple[ReportCount, ...]  # most reports first; types with none left out
    by_channel: tuple[ReportCount, ...]


@dataclass(frozen=True)
class CaseFigures:
    """Cases attributed to their unit (the lowest unit that covers every report of the case)."""

    listed: int  # cases whose first listing falls in the period
    cleared: int  # cases whose first "not a scam"/"insufficient evidence" conclusion falls in it
    decided: int  # cases whose first conclusion of any kind falls in it
    pending: int  # cases open at the end of the period
    median_hours_to_listing: int | None  # first report -> first listing, whole hours
    median_hours_to_decision: int | None  # first report -> first conclusion, whole hours
    appeals_received: int
    appeals_delisted: int
    appeals_rejected: int


@dataclass(frozen=True)
class TrainingFigures:
    """At the end of the period. Rates are percentages (one decimal) or None for fewer than
    MIN_GROUP staff; so are the counts of outcomes."""

    staff: int
    covered: int | None  # staff given at least one course
    assigned: int | None  # person × course pairs
    satisfied: int | None
    with_quiz: int | None
    passed: int | None
    coverage_rate: float | None
    completion_rate: float | None
    pass_rate: float | None


@dataclass(frozen=True)
class DrillFigures:
    """Drill mails sent in the period, whatever happened to them since. Rates and outcome
    counts are None when fewer than MIN_GROUP mails were sent."""

    recipients: int
    reported: int | None
    clicked: int | None
    submitted: int | None
    report_rate: float | None
    click_rate: float | None
    median_minutes_to_report: int | None
    mean_difficulty: float | None  # of the templates received, 1 (easy) to 5 (hard)


@dataclass(frozen=True)
class BulletinFigures:
    published: int  # bulletins of the unit first published in the period
    deliveries: int  # mails and posts of them sent in the period


@dataclass(frozen=True)
class Figures:
    span: Span
    reports: ReportFigures
    cases: CaseFigures
    training: TrainingFigures
    drills: DrillFigures
    bulletins: BulletinFigures


@dataclass(frozen=True)
class IndexPart:
    key: str  # "training", "report_rate", "not_clicked", "speed", "reach"
    label: str
    weight: int
    score: float | None  # 0–100, None when absent (small group, no drill)
    explanation: str  # how the score was reached, for the page


@dataclass(frozen=True)
class Index:
    value: int | None  # 0–100; None for a unit with fewer than MIN_GROUP staff
    parts: tuple[IndexPart, ...]
    staff: int
    window_start: date  # drills counted from this day...
    window_end: date  # ...to this one (exclusive): the 12 months up to the period's end


@dataclass(frozen=True)
class UnitFigures:
    unit: Unit
    current: Figures
    previous: Figures  # the period before, of the same kind
    index: Index


INDEX_WEIGHTS: dict[str, int] = {
    "training": 30,
    "report_rate": 25,
    "not_clicked": 20,
    "speed": 10,
    "reach": 15,
}


def _check(user: User, unit: Unit) -> None:
    if not can_act(user, PERMISSION, unit):
        raise PermissionDenied(_("Bạn không có quyền xem số liệu của đơn vị này."))


@lru_cache(maxsize=16)
def _labels(kind: str, language: str) -> dict[str, str]:
    """The names of scam types or channels in `language` (translated once, not per figure)."""
    choices = ScamType.choices if kind == "scam_type" else Channel.choices
    return {key: str(label) for key, label in choices}


def _labelled(
    counts: dict[str, tuple[int, int]], labels: dict[str, str]
) -> tuple[ReportCount, ...]:
    rows = [ReportCount(k, str(labels.get(k, k)), n, m) for k, (n, m) in counts.items() if n]
    return tuple(sorted(rows, key=lambda r: (-r.reports, r.label)))


def _figures(span: Span, t: Totals) -> Figures:
    f, s = t.flow, t.snapshot
    staff, sent = s["staff"], f["drill_recipients"]
    return Figures(
        span=span,
        reports=ReportFigures(
            received=f["reports"],
            money_lost=f["money_lost"],
            by_scam_type=_labelled(t.by_scam_type, _labels("scam_type", get_language())),
            by_channel=_labelled(t.by_channel, _labels("channel", get_language())),
        ),
        cases=CaseFigures(
            listed=f["cases_listed"],
            cleared=f["cases_cleared"],
            decided=f["cases_decided"],
            pending=s["cases_pending"],
            median_hours_to_listing=t.median("to_listing"),
            median_hours_to_decision=t.median("to_decision"),
            appeals_received=f["appeals_received"],
            appeals_delisted=f["appeals_delisted"],
            appeals_rejected=f["appeals_rejected"],
        ),
        training=TrainingFigures(
            staff=staff,
            covered=_counted(s["staff_covered"], staff),
            assigned=_counted(s["assigned"], staff),
            satisfied=_counted(s["satisfied"], staff),
            with_quiz=_counted(s["with_quiz"], staff),
            passed=_counted(s["passed"], staff),
            coverage_rate=_rate(s["staff_covered"], staff) if staff >= MIN_GROUP else None,
            completion_rate=_share(s["satisfied"], s["assigned"], staff),
            pass_rate=_share(s["passed"], s["with_quiz"], staff),
        ),
        drills=DrillFigures(
            recipients=sent,
            reported=_counted(f["drill_reported"], sent),
            clicked=_counted(f["drill_clicked"], sent),
            submitted=_counted(f["drill_submitted"], sent),
            report_rate=_rate(f["drill_reported"], sent),
            click_rate=_rate(f["drill_clicked"], sent),
            median_minutes_to_report=t.median("to_drill_report") if sent >= MIN_GROUP else None,
            mean_difficulty=round(f["drill_difficulty_sum"] / sent, 1) if sent else None,
        ),
        bulletins=BulletinFigures(published=f["bulletins_published"], deliveries=f["deliveries"]),
    )


def _share(part: int, whole: int, group: int) -> float | None:
    """A rate over pairs (person × course) of a group of `group` people."""
    if group < MIN_GROUP or not whole:
        return None
    return round(100 * part / whole, 1)


def _figures_of(units: list[Unit], span: Span) -> Figures:
    return _figures(span, source.totals(units=units, start=span.start, end=span.end))


def unit_figures(*, user: User, unit: Unit, period: Period | str, start: date) -> UnitFigures:
    """The figures of `unit` (and everything below it) for the period of kind `period` that
    contains `start`, the period before it, and the awareness index at its end."""
    _check(user, unit)
    span = Span.containing(period, start)
    return UnitFigures(
        unit=unit,
        current=_figures_of([unit], span),
        previous=_figures_of([unit], span.previous()),
        index=_index_of([unit], span.end),
    )


# --- the awareness index ----------------------------------------------------------------------


def _speed_score(minutes: int | None) -> float | None:
    if minutes is None:
        return None
    if minutes <= FAST_REPORT_MINUTES:
        return 100.0
    if minutes >= SLOW_REPORT_MINUTES:
        return 0.0
    span = SLOW_REPORT_MINUTES - FAST_REPORT_MINUTES
    return round(100 * (SLOW_REPORT_MINUTES - minutes) / span, 1)


def _index_parts(t: Totals) -> list[IndexPart]:
    staff = t.snapshot["staff"]
    sent, reported = t.flow["drill_recipients"], t.flow["drill_reported"]
    clicked = t.flow["drill_clicked"]
    training = _share(t.snapshot["satisfied"], t.snapshot["assigned"], staff)
    report_rate = _rate(reported, sent)
    click_rate = _rate(clicked, sent)
    minutes = t.median("to_drill_report") if sent >= MIN_GROUP and reported else None
    reach = _rate(t.snapshot["staff_drilled"], staff)
    w = INDEX_WEIGHTS
    return [
        IndexPart("training", _("Hoàn thành tập huấn"), w["training"], training,
                  _("tỉ lệ lượt giao bài đã hoàn thành")),
        IndexPart("report_rate", _("Báo cáo thư diễn tập"), w["report_rate"], report_rate,
                  _("tỉ lệ thư diễn tập được báo cáo trong 12 tháng")),
        IndexPart("not_clicked", _("Không bấm vào thư diễn tập"), w["not_clicked"],
                  None if click_rate is None else round(100 - click_rate, 1),
                  _("100 trừ tỉ lệ thư diễn tập bị bấm trong 12 tháng")),
        IndexPart("speed", _("Tốc độ báo cáo"), w["speed"], _speed_score(minutes),
                  _("100 nếu trung vị thời gian báo cáo ≤ 15 phút, 0 nếu ≥ 24 giờ")
                  + ("" if minutes is None else _(" (trung vị: %(m)d phút)") % {"m": minutes})),
        IndexPart("reach", _("Độ phủ diễn tập"), w["reach"], reach,
                  _("tỉ lệ cán bộ đã nhận ít nhất một thư diễn tập trong 12 tháng")),
    ]  # fmt: skip


def _index_from(t: Totals, window_start: date, window_end: date) -> Index:
    staff = t.snapshot["staff"]
    parts = _index_parts(t)
    present = [p for p in parts if p.score is not None]
    value = None
    if staff >= MIN_GROUP and present:
        weight = sum(p.weight for p in present)
        value = round(sum(p.weight * (p.score or 0.0) for p in present) / weight)
    return Index(value, tuple(parts), staff, window_start, window_end)


def _index_of(units: list[Unit], end: date) -> Index:
    window_start = _index_window(end)
    t = source.totals(units=units, start=window_start, end=end, index_only=True)
    return _index_from(t, window_start, end)


def awareness_index(*, user: User, unit: Unit, period: Period | str, start: date) -> Index:
    """The index of `unit` at the end of the period that contains `start` (see the module's
    docstring for the formula); drills counted over the 12 calendar months up to that end."""
    _check(user, unit)
    return _index_of([unit], Span.containing(period, start).end)


# --- comparison and trend ---------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    unit: Unit | None  # None: the whole province
    label: str
    is_self: bool
    figures: Figures
    index: Index


@dataclass(frozen=True)
class Comparison:
    span: Span
    # The unit, the siblings the user may see, the province; their figures carry no breakdown
    # by scam type or channel (by_scam_type and by_channel are empty).
    rows: tuple[ComparisonRow, ...]
    hidden_siblings: int  # siblings outside the user's scope, left out


def _province_of(unit: Unit) -> Unit:
    return Unit.objects.get(path=unit.path[: Unit.steplen])


def _index_window(end: date) -> date:
    return months_back(end - timedelta(days=1), INDEX_WINDOW_MONTHS - 1)


def sibling_comparison(*, user: User, unit: Unit, period: Period | str, start: date) -> Comparison:
    """`unit` next to its active siblings (those the user may see) and the whole province.
    The province row is an aggregate of all of it, as the public page shows aggregates."""
    _check(user, unit)
    span = Span.containing(period, start)
    siblings = [unit]
    if unit.depth > 1:  # same parent: the same path but for the last step
        parent_path = unit.path[: -Unit.steplen]
        siblings = list(
            Unit.objects.active().filter(path__startswith=parent_path, depth=unit.depth)
        )
    seen = set(
        units_for(user, PERMISSION)
        .filter(pk__in=[u.pk for u in siblings])
        .values_list("pk", flat=True)
    )
    visible = [u for u in siblings if u.pk == unit.pk or u.pk in seen]
    labelled: list[tuple[Unit | None, str, Unit]] = [(u, u.name, u) for u in visible]
    province = _province_of(unit)
    if province.pk != unit.pk:
        labelled.append((None, _("Toàn tỉnh"), province))
    groups = [[u] for _unit, _label, u in labelled]
    window = _index_window(span.end)
    # The comparison shows no breakdown by scam type: not read.
    now = source.totals_many(groups=groups, start=span.start, end=span.end, breakdowns=False)
    year = source.totals_many(groups=groups, start=window, end=span.end, index_only=True)
    rows = tuple(
        ComparisonRow(
            shown, label, shown is not None and shown.pk == unit.pk, _figures(span, t),
            _index_from(y, window, span.end),
        )
        for (shown, label, _u), t, y in zip(labelled, now, year, strict=True)
    )  # fmt: skip
    return Comparison(span, rows, len(siblings) - len(visible))


@dataclass(frozen=True)
class TrendPoint:
    month: date  # first day of the month
    reports: int
    money_lost: int
    cases_listed: int
    completion_rate: float | None
    report_rate: float | None
    click_rate: float | None
    index: int | None


def trend(
    *, user: User, unit: Unit, months: int = 12, today: date | None = None
) -> tuple[TrendPoint, ...]:
    """One point per calendar month, the oldest first, ending with the month of `today`."""
    _check(user, unit)
    today = today or timezone.localdate()
    first = months_back(today, months - 1)
    # The index of each month counts drills over the 12 months up to its end: read them too.
    history = source.monthly(
        units=[unit], first=months_back(first, INDEX_WINDOW_MONTHS - 1),
        months=months + INDEX_WINDOW_MONTHS - 1,
    )  # fmt: skip
    points = []
    for i in range(INDEX_WINDOW_MONTHS - 1, len(history)):
        month, t = history[i]
        span = Span.containing(Period.MONTH, month)
        fig = _figures(span, t)
        window = Totals()
        for _month, part in history[i - INDEX_WINDOW_MONTHS + 1 : i + 1]:
            window.flow.update(part.flow)
            for measure, buckets in part.durations.items():
                window.durations[measure].update(buckets)
        window.snapshot = t.snapshot
        index = _index_from(window, history[i - INDEX_WINDOW_MONTHS + 1][0], span.end)
        points.append(
            TrendPoint(
                month=month,
                reports=fig.reports.received,
                money_lost=fig.reports.money_lost,
                cases_listed=fig.cases.listed,
                completion_rate=fig.training.completion_rate,
                report_rate=fig.drills.report_rate,
                click_rate=fig.drills.click_rate,
                index=index.value,
            )
        )
    return tuple(points)


# --- the public page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCount:
    key: str
    label: str
    reports: int | None  # None: fewer than MIN_GROUP reports, not shown
    money_lost: int | None


@dataclass(frozen=True)
class PublicSpan:
    span: Span
    reports: int | None  # None: fewer than MIN_GROUP reports in the whole province
    money_lost: int | None
    by_scam_type: tuple[PublicCount, ...]  # every scam type, most reports first


@dataclass(frozen=True)
class PublicFigures:
    month: PublicSpan
    year: PublicSpan


def _public_span(provinces: list[Unit], span: Span) -> PublicSpan:
    t = source.totals(units=provinces, start=span.start, end=span.end)
    labels = _labels("scam_type", get_language())
    rows = []
    for key in ScamType.values:
        n, money = t.by_scam_type.get(key, (0, 0))
        small = n < MIN_GROUP
        rows.append(
            PublicCount(key, str(labels[key]), None if small else n, None if small else money)
        )
    rows.sort(key=lambda r: (-(r.reports or 0), r.label))
    total, money = t.flow["reports"], t.flow["money_lost"]
    if total < MIN_GROUP:
        return PublicSpan(span, None, None, tuple(rows))
    return PublicSpan(span, total, money, tuple(rows))


def province_public(*, today: date | None = None) -> PublicFigures:
    """Reports and money lost in the whole province by scam type, this month and this year.
    Aggregates only: a scam type (or the whole province) with fewer than 5 reports shows no
    numbers."""
    today = today or timezone.localdate()
    provinces = list(Unit.objects.filter(depth=1, kind=UnitKind.PROVINCE))
    return PublicFigures(
        month=_public_span(provinces, Span.containing(Period.MONTH, today)),
        year=_public_span(provinces, Span.containing(Period.YEAR, today)),
    )
